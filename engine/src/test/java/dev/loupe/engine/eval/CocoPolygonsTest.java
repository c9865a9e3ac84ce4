package dev.loupe.engine.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.task.CocoRle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ground-truth polygons become the masks pycocotools makes of them: run lengths and RLE strings
 * of cocoapi's own C code ({@code src/test/resources/eval/make_coco_polygon_rles.sh}), for
 * integer and half-pixel rectangles, concave, self-intersecting and partly outside polygons, a
 * repeated vertex and a sliver thinner than a pixel.
 */
class CocoPolygonsTest {
    static final Path CASES = Path.of("src/test/resources/eval/coco-polygon-rles.json");

    static Stream<JsonNode> cases() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(CASES.toFile()).get("cases").forEach(out::add);
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rasterizesAsPycocotools(JsonNode c) {
        int h = c.get("height").asInt(), w = c.get("width").asInt();
        double[] xy = new double[c.get("polygon").size()];
        for (int i = 0; i < xy.length; i++) xy[i] = c.get("polygon").get(i).asDouble();
        int[] expected = new int[c.get("counts").size()];
        for (int i = 0; i < expected.length; i++) expected[i] = c.get("counts").get(i).asInt();

        int[] counts = CocoPolygons.toRle(List.of(xy), h, w);

        assertArrayEquals(expected, counts, c.get("name").asText());
        assertEquals(c.get("rle").asText(), CocoRle.toString(counts));
    }

    @Test
    void aRectangleWithIntegerCornersCoversItsContinuousArea() {
        // [0,3) x [0,2) in a 4 x 5 image: columns 0-2, rows 0-1, column-major runs.
        int[] counts = CocoPolygons.toRle(List.of(new double[] {0, 0, 0, 2, 3, 2, 3, 0}), 4, 5);
        assertArrayEquals(new int[] {0, 2, 2, 2, 2, 2, 10}, counts);
        assertEquals(6, RleMasks.area(counts), "w * h = 3 * 2, the area of the COCO box [0, 0, 3, 2]");
    }

    @Test
    void anObjectOfSeveralPolygonsIsTheirUnion() {
        double[] left = {0, 0, 0, 2, 2, 2, 2, 0}; // columns 0-1, rows 0-1
        double[] overlapping = {1, 1, 1, 3, 3, 3, 3, 1}; // columns 1-2, rows 1-2
        int[] union = CocoPolygons.toRle(List.of(left, overlapping), 4, 4);
        // column 0: rows 0,1; column 1: rows 0,1,2; column 2: rows 1,2; column 3: none
        assertArrayEquals(new int[] {0, 2, 2, 3, 2, 2, 5}, union);
        assertEquals(7, RleMasks.area(union), "4 + 4 - 1 shared pixel");
    }

    @Test
    void refusesWhatIsNotAPolygonNamingTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CocoPolygons.toRle(List.of(new double[] {0, 0, 4, 4}), 5, 5))
                .getMessage().contains("2 points"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CocoPolygons.toRle(List.of(new double[] {0, 0, 4, 4, 1}), 5, 5))
                .getMessage().contains("not x,y pairs"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CocoPolygons.toRle(List.of(new double[] {0, 0, 4, Double.NaN, 1, 1}), 5, 5))
                .getMessage().contains("NaN"));
        assertThrows(IllegalArgumentException.class, () -> CocoPolygons.toRle(List.of(), 5, 5));
        assertThrows(IllegalArgumentException.class, () -> CocoPolygons.toRle(List.of(new double[] {0, 0, 4, 0, 0, 4}), 0, 5));
    }
}
