package dev.loupe.job.coco;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * {@code schemas/image-table.avsc} (packaged on the classpath by the udf module), in the variant
 * a table is written in: with the {@code image} bytes column or with the {@code image_path}
 * column, so the annotate job never sees a column that is null on every row.
 */
final class ImageTableSchema {
    static final String RESOURCE = "schemas/image-table.avsc";
    static final String IMAGE = "image";
    static final String IMAGE_PATH = "image_path";

    private static final Schema FULL = parse();

    private ImageTableSchema() {}

    static Schema full() {
        return FULL;
    }

    /** The schema with only the image column a table of bytes ({@code paths} false) or of paths has. */
    static Schema of(boolean paths) {
        String dropped = paths ? IMAGE : IMAGE_PATH;
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : FULL.getFields()) if (!f.name().equals(dropped)) fields.add(new Schema.Field(f, f.schema()));
        return Schema.createRecord(FULL.getName(), FULL.getDoc(), FULL.getNamespace(), false, fields);
    }

    private static Schema parse() {
        try (InputStream in = ImageTableSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is not on the classpath (the udf jar packages ../schemas)");
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
