package dev.loupe.job.coco;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads an exported COCO file back, streaming, and checks what a COCO reader relies on: every
 * image and annotation has an id, every annotation names an image and a category that exist,
 * a {@code bbox} is four numbers, a {@code segmentation} has a size and counts. The export
 * replaces its output only with a file that passed.
 */
final class CocoReadBack {
    record Summary(long images, long annotations, int categories) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoReadBack() {}

    static Summary check(Path file) throws IOException {
        BitSet images = new BitSet(); // the export numbers images 1..N: a bit each, whatever the table's size
        Set<Long> categories = new HashSet<>(), usedCategories = new HashSet<>();
        long imageCount = 0, annotations = 0;
        try (JsonParser p = new JsonFactory().setCodec(JSON).createParser(file.toFile())) {
            expect(p.nextToken() == JsonToken.START_OBJECT, file, "is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!field.equals("images") && !field.equals("annotations") && !field.equals("categories")) {
                    p.skipChildren();
                    continue;
                }
                expect(p.currentToken() == JsonToken.START_ARRAY, file, field + " is not an array");
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    JsonNode entry = p.readValueAsTree();
                    expect(entry.path("id").canConvertToLong(), file, field + " entry without an id: " + entry);
                    long id = entry.get("id").asLong();
                    switch (field) {
                        case "images" -> {
                            expect(id > 0 && id <= Integer.MAX_VALUE && !images.get((int) id), file, "image id " + id + " twice or out of range");
                            images.set((int) id);
                            imageCount++;
                        }
                        case "categories" -> expect(categories.add(id), file, "category id " + id + " twice");
                        default -> {
                            annotations++;
                            long image = entry.path("image_id").asLong(-1);
                            expect(image > 0 && image <= Integer.MAX_VALUE && images.get((int) image), file, "annotation " + id + " names no earlier image");
                            usedCategories.add(entry.path("category_id").asLong(-1));
                            JsonNode bbox = entry.path("bbox");
                            expect(bbox.isArray() && bbox.size() == 4 && bbox.get(0).isNumber() && bbox.get(3).isNumber(), file,
                                    "annotation " + id + " has no [x, y, width, height] bbox");
                            JsonNode segmentation = entry.get("segmentation");
                            expect(segmentation == null || (segmentation.path("size").size() == 2 && segmentation.path("counts").isTextual()),
                                    file, "annotation " + id + " has a segmentation without size and counts");
                        }
                    }
                }
            }
        }
        usedCategories.removeAll(categories);
        expect(usedCategories.isEmpty(), file, "annotations name categories that do not exist: " + usedCategories);
        return new Summary(imageCount, annotations, categories.size());
    }

    private static void expect(boolean ok, Path file, String problem) {
        if (!ok) throw new IllegalStateException("the COCO file written to " + file + " is broken: " + problem);
    }
}
