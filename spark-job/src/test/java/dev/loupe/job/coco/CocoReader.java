package dev.loupe.job.coco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small COCO reader for the tests, independent of the export's code: it indexes a dataset as
 * pycocotools' {@code COCO.createIndex} does (images, categories, annotations per image, failing
 * on an annotation whose image or category does not exist) and decodes compressed RLE with its
 * own transcription of pycocotools' {@code rleFrString} and {@code rleDecode}.
 */
final class CocoReader {
    final JsonNode dataset;
    final Map<Long, JsonNode> images = new HashMap<>();
    final Map<Long, JsonNode> categories = new HashMap<>();
    final Map<Long, List<JsonNode>> annotationsByImage = new HashMap<>();
    final List<JsonNode> annotations = new ArrayList<>();

    CocoReader(Path file) throws IOException {
        dataset = new ObjectMapper().readTree(file.toFile());
        for (JsonNode i : dataset.get("images")) images.put(i.get("id").asLong(), i);
        for (JsonNode c : dataset.get("categories")) categories.put(c.get("id").asLong(), c);
        for (JsonNode a : dataset.get("annotations")) {
            long image = a.get("image_id").asLong(), category = a.get("category_id").asLong();
            if (!images.containsKey(image)) throw new IllegalStateException("annotation of unknown image " + image);
            if (!categories.containsKey(category)) throw new IllegalStateException("annotation of unknown category " + category);
            annotationsByImage.computeIfAbsent(image, k -> new ArrayList<>()).add(a);
            annotations.add(a);
        }
    }

    JsonNode imageNamed(String fileName) {
        return images.values().stream().filter(i -> i.get("file_name").asText().equals(fileName)).findFirst().orElseThrow();
    }

    List<JsonNode> annotationsOf(String fileName) {
        return annotationsByImage.getOrDefault(imageNamed(fileName).get("id").asLong(), List.of());
    }

    String categoryName(JsonNode annotation) {
        return categories.get(annotation.get("category_id").asLong()).get("name").asText();
    }

    /** A segmentation's mask as rows of '#' (inside) and '.', the picture format of polygon-masks.json. */
    static List<String> picture(JsonNode segmentation) {
        int h = segmentation.get("size").get(0).asInt(), w = segmentation.get("size").get(1).asInt();
        char[] pixels = new char[h * w];
        java.util.Arrays.fill(pixels, '.');
        // rleFrString: 5 bits a character (+48), 0x20 continues, 0x10 of the last is the sign;
        // from the third count on, the count two back is added.
        String s = segmentation.get("counts").asText();
        List<Long> counts = new ArrayList<>();
        int p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            int c;
            do {
                c = s.charAt(p++) - 48;
                x |= (long) (c & 0x1f) << (5 * k);
                k++;
            } while ((c & 0x20) != 0);
            if ((c & 0x10) != 0) x |= -1L << (5 * k);
            if (counts.size() > 2) x += counts.get(counts.size() - 2);
            counts.add(x);
        }
        // rleDecode: runs alternate from 0, down the columns (column-major).
        long at = 0;
        for (int r = 0; r < counts.size(); r++) {
            for (long j = 0; j < counts.get(r); j++, at++) {
                if (r % 2 == 1) pixels[(int) (at % h) * w + (int) (at / h)] = '#';
            }
        }
        if (at != (long) h * w) throw new IllegalStateException("RLE covers " + at + " pixels, not " + h * w);
        List<String> rows = new ArrayList<>();
        for (int y = 0; y < h; y++) rows.add(new String(pixels, y * w, w));
        return rows;
    }
}
