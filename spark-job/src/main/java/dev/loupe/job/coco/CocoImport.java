package dev.loupe.job.coco;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/**
 * A COCO dataset (a JSON file with {@code images}, and the image directory) as the Parquet table
 * the annotate job reads: one row per image with its file name as {@code image_id}, COCO's id and
 * size, and its bytes or absolute path (schemas/image-table.avsc). Images stream through one at a
 * time. Every image file must exist: a missing one stops the import with the file and COCO id
 * named, before the output is in place (it is written aside and renamed when complete).
 */
public final class CocoImport {
    /** What was written. */
    public record Counts(long images, long bytes) {}

    private CocoImport() {}

    public static Counts run(CocoImportOptions o) {
        if (!Files.isRegularFile(o.instances())) throw new IllegalArgumentException(o.instances() + ": no such file");
        if (!Files.isDirectory(o.imageDir())) throw new IllegalArgumentException(o.imageDir() + ": no such image directory");
        if (Files.exists(o.output()) && !o.overwrite()) {
            throw new IllegalArgumentException(o.output() + " exists; pass --overwrite to replace it");
        }
        Path imageDir = o.imageDir().toAbsolutePath().normalize();
        Schema schema = ImageTableSchema.of(o.paths());
        Path tmp = o.output().toAbsolutePath().resolveSibling("." + o.output().getFileName() + ".tmp");
        long[] bytes = {0};
        try {
            Files.deleteIfExists(tmp);
            Files.createDirectories(tmp.getParent());
            long images;
            try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(tmp))
                    .withSchema(schema).withDataModel(GenericData.get()).withConf(new PlainParquetConfiguration())
                    // Image files are compressed already; Parquet's codecs would only spend time on them.
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).build()) {
                images = CocoImages.read(o.instances(), image -> {
                    Path file = imageDir.resolve(image.fileName()).normalize();
                    if (!Files.isRegularFile(file)) {
                        throw new IllegalArgumentException("image " + image.id() + " of " + o.instances() + ": " + file + " does not exist");
                    }
                    GenericRecord row = new GenericData.Record(schema);
                    row.put("image_id", image.fileName());
                    row.put("coco_id", image.id());
                    row.put("width", image.width());
                    row.put("height", image.height());
                    try {
                        if (o.paths()) {
                            row.put(ImageTableSchema.IMAGE_PATH, file.toString());
                        } else {
                            byte[] content = Files.readAllBytes(file);
                            bytes[0] += content.length;
                            row.put(ImageTableSchema.IMAGE, ByteBuffer.wrap(content));
                        }
                        writer.write(row);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot import " + file + ": " + e.getMessage(), e);
                    }
                });
            }
            Files.move(tmp, o.output(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Counts(images, bytes[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.output() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the move succeeded, or the failure being reported matters more
            }
        }
    }
}
