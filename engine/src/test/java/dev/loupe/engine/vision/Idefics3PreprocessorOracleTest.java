package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.engine.gguf.GgufFile;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every preprocessed tile and overview of the six smolvlm image cases against what llama.cpp
 * fed its vision graph ({@code imageN.img<k>.pre.bin}: tiles row-major, overview last).
 * Images go through {@link ImageDecoder}, so the JPEG case also proves the decode.
 */
class Idefics3PreprocessorOracleTest {
    static final float TOLERANCE = 1e-4f;
    static Idefics3Preprocessor preprocessor;

    @BeforeAll
    static void loadModel() {
        try (GgufFile mmproj = GgufFile.open(OracleFiles.SMOLVLM_MMPROJ)) {
            preprocessor = Idefics3Preprocessor.fromMetadata(mmproj.metadata());
        }
    }

    static Stream<Arguments> imageCases() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : OracleFiles.smolvlmManifest().get("image_cases")) {
            cases.add(Arguments.of(c.get("id").asText(), c.get("image").asText(), c));
        }
        return cases.stream();
    }

    @Test
    void hyperParametersComeFromTheMmproj() {
        assertEquals(128, preprocessor.tileSize());
        assertEquals(256, preprocessor.longestEdge());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("imageCases")
    void tilesAndOverviewMatchLlamaCpp(String id, String image, JsonNode c) {
        RgbImage rgb = new ImageDecoder().decode(OracleFiles.bytes(OracleFiles.IMAGES.resolve(image)));
        assertEquals(c.get("image_size_wh").get(0).asInt(), rgb.width());
        assertEquals(c.get("image_size_wh").get(1).asInt(), rgb.height());

        PreprocessedImage pre = preprocessor.preprocess(rgb);

        List<JsonNode> chunks = new ArrayList<>();
        for (JsonNode ch : c.get("chunks")) if (ch.has("preprocessed_file")) chunks.add(ch);
        List<float[]> inputs = pre.encoderInputs();
        assertEquals(chunks.size(), inputs.size(), "number of encoder inputs (tiles + overview)");
        // The oracle's n_pos/grid is not stored directly; the tile count and square shapes pin the grid.
        assertEquals(chunks.size() - 1, pre.gridCols() * pre.gridRows());
        for (int k = 0; k < chunks.size(); k++) {
            JsonNode shape = chunks.get(k).get("preprocessed_shape_chw");
            assertEquals(List.of(3, pre.tileSize(), pre.tileSize()),
                    List.of(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt()));
            float[] expected = OracleFiles.floats(OracleFiles.SMOLVLM.resolve("image").resolve(chunks.get(k).get("preprocessed_file").asText()));
            float[] actual = inputs.get(k);
            assertEquals(expected.length, actual.length);
            float max = 0;
            int worst = -1;
            for (int i = 0; i < expected.length; i++) {
                float d = Math.abs(expected[i] - actual[i]);
                if (d > max) {
                    max = d;
                    worst = i;
                }
            }
            int at = worst;
            assertTrue(max <= TOLERANCE, () -> id + " input " + at + ": max |diff| above " + TOLERANCE + " at element " + at);
        }
    }

    @Test
    void gridsMatchTheOracleTable() {
        // From the oracle README: china 2x2, chelsea 2x2, 1x1 2x2, tall 1x2, wide 2x1, rgba 2x2.
        int[][] sizes = {{640, 427}, {451, 300}, {1, 1}, {37, 300}, {1000, 200}, {96, 64}};
        int[][] grids = {{2, 2}, {2, 2}, {2, 2}, {1, 2}, {2, 1}, {2, 2}};
        for (int i = 0; i < sizes.length; i++) {
            int[] refined = preprocessor.refinedSize(sizes[i][0], sizes[i][1]);
            assertEquals(grids[i][0] * 128, refined[0], "refined width of case " + i);
            assertEquals(grids[i][1] * 128, refined[1], "refined height of case " + i);
        }
    }
}
