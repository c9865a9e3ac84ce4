package dev.loupe.job.annotations;

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
 * The Parquet files of a table one of Loupe's Spark jobs wrote — its output directory, or one
 * file — read record by record with parquet-avro against the job's .avsc contract, without Spark.
 * Any Hadoop file system path works (a local path, {@code hdfs://}, {@code s3a://}).
 *
 * <p>Every file's schema is checked when the table is opened, so a wrong input is refused before
 * anything is written, with the file and the column named. Columns the contract has and a file
 * lacks read as null, as parquet-avro fills them from the schema's defaults: outputs of older
 * Loupe versions stay readable. {@link AnnotationTable} and the report's evaluation reader are
 * this with their own contract.
 */
public final class ParquetTable {
    /**
     * What a table must be.
     *
     * @param schema   the .avsc the files are read with
     * @param name     how messages name it, e.g. {@code schemas/annotation.avsc}
     * @param kind     what the table is, for messages: {@code an annotation table}
     * @param required columns without which a file is not such a table
     * @param writer   the job whose output the table is, for messages: {@code the annotate job}
     */
    public record Contract(Schema schema, String name, String kind, List<String> required, String writer) {
        public Contract {
            required = List.copyOf(required);
        }
    }

    private final String location;
    private final Path directory;
    private final Configuration hadoop;
    private final Contract contract;
    private final List<TableFile> files;

    private record TableFile(Path path, Schema schema) {}

    private record Listing(List<Path> files, Path directory) {}

    private ParquetTable(String location, Path directory, Configuration hadoop, Contract contract, List<TableFile> files) {
        this.location = location;
        this.directory = directory;
        this.hadoop = hadoop;
        this.contract = contract;
        this.files = files;
    }

    /** Opens {@code location} (a directory of Parquet files or one file) and checks every file's schema. */
    public static ParquetTable open(String location, Contract contract) {
        Configuration hadoop = new Configuration();
        // Spark writes three-level lists; a projection converted to Parquet must have the same shape.
        hadoop.setBoolean("parquet.avro.write-old-list-structure", false);
        Listing listing = parquetFiles(location, hadoop, contract);
        List<TableFile> files = new ArrayList<>();
        for (Path p : listing.files()) files.add(new TableFile(p, checkedSchema(p, hadoop, contract)));
        return new ParquetTable(location, listing.directory(), hadoop, contract, files);
    }

    public String location() {
        return location;
    }

    /** The table's directory (the file's directory when the table is one file). */
    public Path directory() {
        return directory;
    }

    public Configuration hadoop() {
        return hadoop;
    }

    /**
     * Every record, file by file in name order, with only {@code columns} read (null: all); the
     * others are null. Parquet is columnar, so a pass over a few columns skips the bytes of the
     * rest. An IllegalArgumentException from {@code sink} (a malformed row) is re-thrown with the
     * file's name in front.
     */
    public void read(Collection<String> columns, Consumer<GenericRecord> sink) {
        for (TableFile f : files) {
            Schema projection = projection(contract.schema(), f.schema(), columns);
            Configuration conf = new Configuration(hadoop);
            AvroReadSupport.setAvroReadSchema(conf, projection);
            AvroReadSupport.setRequestedProjection(conf, projection);
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(f.path(), conf))
                    .withDataModel(GenericData.get()).withConf(conf).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) sink.accept(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f.path() + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.path() + ": " + e.getMessage(), e);
            }
        }
    }

    private static Listing parquetFiles(String location, Configuration hadoop, Contract contract) {
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
            if (parts.isEmpty()) throw new IllegalArgumentException(location + " holds no .parquet files: is it " + contract.writer() + "'s --output?");
            parts.sort(null);
            return new Listing(parts, status.getPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + location + ": " + e.getMessage(), e);
        }
    }

    /** The file's schema in Avro terms, refused when it does not fit the contract. */
    private static Schema checkedSchema(Path file, Configuration hadoop, Contract contract) {
        Schema schema;
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, hadoop))) {
            schema = new AvroSchemaConverter(hadoop).convert(reader.getFooter().getFileMetaData().getSchema());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a readable Parquet file: " + e.getMessage(), e);
        }
        List<String> names = schema.getFields().stream().map(Schema.Field::name).toList();
        for (String column : contract.required()) {
            if (!names.contains(column)) {
                throw new IllegalArgumentException(file + " is not " + contract.kind() + " (" + contract.name() + "): it has no column "
                        + column + "; its columns are " + names);
            }
        }
        String mismatch = SchemaShapes.mismatch(contract.schema(), schema, "");
        if (mismatch != null) throw new IllegalArgumentException(file + " does not match " + contract.name() + ": " + mismatch);
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
