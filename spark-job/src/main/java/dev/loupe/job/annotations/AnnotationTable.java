package dev.loupe.job.annotations;

import dev.loupe.udf.AnnotationSchema;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The Parquet files of an annotation table — the annotate job's output directory, or one file —
 * read row by row against {@code schemas/annotation.avsc}, without Spark ({@link ParquetTable}):
 * an image table or a file whose {@code boxes} are not boxes is refused when it is opened, the
 * file and the column named.
 */
public final class AnnotationTable {
    /** The annotate job's output contract; without image_id and task a table is not an annotation table. */
    public static final ParquetTable.Contract CONTRACT = new ParquetTable.Contract(AnnotationSchema.avro(), AnnotationSchema.RESOURCE,
            "an annotation table", List.of("image_id", "task"), "the annotate job");

    private final ParquetTable table;

    private AnnotationTable(ParquetTable table) {
        this.table = table;
    }

    /** Opens {@code location} (a directory of Parquet files or one file) and checks every file's schema. */
    public static AnnotationTable open(String location) {
        return new AnnotationTable(ParquetTable.open(location, CONTRACT));
    }

    public String location() {
        return table.location();
    }

    /** The table's directory (the file's directory when the table is one file), where the job's summary lives. */
    public Path directory() {
        return table.directory();
    }

    public Configuration hadoop() {
        return table.hadoop();
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
        table.read(columns, r -> sink.accept(AnnotationRow.fromAvro(r)));
    }

    @Override
    public String toString() {
        return table.toString();
    }
}
