package dev.loupe.job.annotations;

import dev.loupe.udf.AnnotationSchema;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * The Parquet files of an annotation table — the annotate job's output directory, or one file —
 * read row by row with parquet-avro against {@code schemas/annotation.avsc}, without Spark. Any
 * Hadoop file system path works (a local path, {@code hdfs://}, {@code s3a://}).
 *
 * <p>Every file's schema is checked when the table is opened, so a wrong input (an image table, a
 * file whose {@code boxes} are not boxes) is refused before anything is written, with the file
 * and the column named. Columns the .avsc has and a file lacks read as null, as parquet-avro
 * fills them from the schema's defaults: outputs of older Loupe versions stay readable.
 */
public final class AnnotationTable {
    /** Columns without which a table is not an annotation table. */
    private static final List<String> REQUIRED = List.of("image_id", "task");

    private final String location;
    private final Path directory;
    private final Configuration hadoop;
    private final List<TableFile> files;

    private record TableFile(Path path, Schema schema) {}

    private record Listing(List<Path> files, Path directory) {}

    private AnnotationTable(String location, Path directory, Configuration hadoop, List<TableFile> files) {
        this.location = location;
        this.directory = directory;
        this.hadoop = hadoop;
        this.files = files;
    }

    /** Opens {@code location} (a directory of Parquet files or one file) and checks every file's schema. */
    public static AnnotationTable open(String location) {
        Configuration hadoop = new Configuration();
        // Spark writes three-level lists; a projection converted to Parquet must have the same shape.
        hadoop.setBoolean("parquet.avro.write-old-list-structure", false);
        Listing listing = parquetFiles(location, hadoop);
        List<TableFile> files = new ArrayList<>();
        for (Path p : listing.files()) files.add(new TableFile(p, checkedSchema(p, hadoop)));
        return new AnnotationTable(location, listing.directory(), hadoop, files);
    }

    public String location() {
        return location;
    }

    /** The table's directory (the file's directory when the table is one file), where the job's summary lives. */
    public Path directory() {
        return directory;
    }

    public Configuration hadoop() {
        return hadoop;
    }

    /** Every row, file by file in name order, with all columns. */
    public void read(Consumer<AnnotationRow> sink) {
        read(null, sink);
    }

    /**
     * Every row with only {@code columns} read (null: all); the others are null in the rows.
     * Parquet is columnar, so a pass over a few columns skips the bytes of the rest.
     */
    public void read(Collection<String> columns, Consumer<AnnotationRow> sink) {
        for (TableFile f : files) {
            Schema projection = projection(AnnotationSchema.avro(), f.schema(), columns);
            Configuration conf = new Configuration(hadoop);
            AvroReadSupport.setAvroReadSchema(conf, projection);
            AvroReadSupport.setRequestedProjection(conf, projection);
            GenericRecord current = null;
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(f.path(), conf))
                    .withDataModel(GenericData.get()).withConf(conf).build()) {
                for (current = reader.read(); current != null; current = reader.read()) sink.accept(AnnotationRow.fromAvro(current));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f.path() + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.path() + ": " + e.getMessage(), e);
            }
        }
    }

    private static Listing parquetFiles(String location, Configuration hadoop) {
        Path path = new Path(location);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new IllegalArgumentException(location + ": no such file or directory");
            }
            if (status.isFile()) return new Listing(List.of(status.getPath()), status.getPath().getParent());
            List<Path> parts = new ArrayList<>();
            for (FileStatus f : fs.listStatus(path)) {
                String name = f.getPath().getName();
                // Spark's and Hadoop's own files (_SUCCESS, _loupe_summary.json, .crc) are not data.
                if (f.isFile() && !name.startsWith("_") && !name.startsWith(".") && name.endsWith(".parquet")) parts.add(f.getPath());
            }
            if (parts.isEmpty()) throw new IllegalArgumentException(location + " holds no .parquet files: is it the annotate job's --output?");
            parts.sort(null);
            return new Listing(parts, status.getPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + location + ": " + e.getMessage(), e);
        }
    }

    /** The file's schema in Avro terms, refused when it does not fit the annotation contract. */
    private static Schema checkedSchema(Path file, Configuration hadoop) {
        Schema schema;
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, hadoop))) {
            schema = new AvroSchemaConverter(hadoop).convert(reader.getFooter().getFileMetaData().getSchema());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a readable Parquet file: " + e.getMessage(), e);
        }
        List<String> names = schema.getFields().stream().map(Schema.Field::name).toList();
        for (String column : REQUIRED) {
            if (!names.contains(column)) {
                throw new IllegalArgumentException(file + " is not an annotation table (schemas/annotation.avsc): it has no column "
                        + column + "; its columns are " + names);
            }
        }
        String mismatch = SchemaShapes.mismatch(AnnotationSchema.avro(), schema, "");
        if (mismatch != null) {
            throw new IllegalArgumentException(file + " does not match schemas/annotation.avsc: " + mismatch);
        }
        return schema;
    }

    /** The contract's fields that the file has and the caller asked for, in the contract's shape. */
    private static Schema projection(Schema contract, Schema file, Collection<String> columns) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : contract.getFields()) {
            if (file.getField(f.name()) == null || (columns != null && !columns.contains(f.name()))) continue;
            fields.add(new Schema.Field(f, f.schema()));
        }
        return Schema.createRecord(contract.getName(), contract.getDoc(), contract.getNamespace(), false, fields);
    }

    @Override
    public String toString() {
        return location + " (" + files.size() + " Parquet file" + (files.size() == 1 ? "" : "s") + ": "
                + Arrays.toString(files.stream().map(f -> f.path().getName()).toArray()) + ")";
    }
}
