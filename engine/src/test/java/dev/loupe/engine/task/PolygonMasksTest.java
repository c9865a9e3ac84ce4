package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Polygons rasterized and encoded against references made outside Loupe
 * ({@code src/test/resources/task/make_polygon_masks.py}): OpenCV 4.6's {@code cv2.fillPoly}
 * (what the Youtu-VL demo fills its polygons with) and an independent Python implementation of
 * pycocotools' RLE. Convex, concave, self-intersecting, border-touching and degenerate polygons
 * (a point, a line, collinear vertices, a zero-height sliver).
 */
class PolygonMasksTest {
    static final Path CASES = Path.of("src/test/resources/task/polygon-masks.json");

    static Stream<JsonNode> cases() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(CASES.toFile()).get("cases").forEach(out::add);
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fillsAsOpenCvAndEncodesAsPycocotools(JsonNode c) {
        int w = c.get("width").asInt(), h = c.get("height").asInt();
        JsonNode pts = c.get("points");
        int[] xs = new int[pts.size()], ys = new int[pts.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = pts.get(i).get(0).asInt();
            ys[i] = pts.get(i).get(1).asInt();
        }
        byte[] mask = new byte[w * h];
        PolygonRasterizer.fill(mask, w, h, xs, ys);
        List<String> rows = new ArrayList<>();
        for (int y = 0; y < h; y++) {
            StringBuilder row = new StringBuilder();
            for (int x = 0; x < w; x++) row.append(mask[y * w + x] != 0 ? '#' : '.');
            rows.add(row.toString());
        }
        List<String> expected = new ArrayList<>();
        c.get("rows").forEach(r -> expected.add(r.asText()));
        assertEquals(String.join("\n", expected), String.join("\n", rows), c.get("name").asText());

        int[] counts = new ObjectMapper().convertValue(c.get("counts"), int[].class);
        assertArrayEquals(counts, CocoRle.counts(mask, w, h));
        assertEquals(c.get("rle").asText(), CocoRle.encode(mask, w, h));
        assertArrayEquals(counts, CocoRle.parse(c.get("rle").asText()));
        assertArrayEquals(mask, CocoRle.decode(c.get("rle").asText(), w, h));
    }

    /** Hand-checked: a 3x2 mask with its middle column set is, read down the columns, 2 zeros, 2 ones, 2 zeros. */
    @Test
    void countsReadDownTheColumns() {
        byte[] mask = {0, 1, 0, 0, 1, 0};
        assertArrayEquals(new int[] {2, 2, 2}, CocoRle.counts(mask, 3, 2));
        assertArrayEquals(new int[] {0, 6}, CocoRle.counts(new byte[] {1, 1, 1, 1, 1, 1}, 3, 2));
        assertArrayEquals(new int[] {6}, CocoRle.counts(new byte[6], 3, 2));
        // Large counts and negative differences take several 5-bit groups: round trip.
        int[] big = {100_000, 3, 70_000, 1, 5, 200_000};
        assertArrayEquals(big, CocoRle.parse(CocoRle.toString(big)));
    }

    @Test
    void badInputIsRefusedByName() {
        assertThrows(IllegalArgumentException.class, () -> PolygonRasterizer.fill(new byte[4], 2, 2, new int[] {0, 2}, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> CocoRle.decode("61", 2, 2));
        assertThrows(IllegalArgumentException.class, () -> CocoRle.parse("6 "));
    }
}
