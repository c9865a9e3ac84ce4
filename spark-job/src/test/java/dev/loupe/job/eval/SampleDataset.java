package dev.loupe.job.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The hand annotations of sample-data/refcoco-sample ({@code annotations.json}), as rows of {@link LmmsEvalParquet}, by split. */
final class SampleDataset {
    static final Path DIR = Path.of("..", "sample-data", "refcoco-sample").toAbsolutePath().normalize();

    private SampleDataset() {}

    static Map<String, List<LmmsEvalParquet.Row>> rowsBySplit() throws IOException {
        JsonNode root = new ObjectMapper().readTree(DIR.resolve("annotations.json").toFile());
        Map<String, List<LmmsEvalParquet.Row>> out = new LinkedHashMap<>();
        for (var split : root.get("splits").properties()) {
            List<LmmsEvalParquet.Row> rows = new ArrayList<>();
            for (JsonNode r : split.getValue()) {
                String image = r.get("image").asText();
                byte[] bytes = Files.readAllBytes(DIR.resolve(root.get("images").get(image).get("file").asText()));
                List<String> answers = new ArrayList<>();
                r.get("answer").forEach(a -> answers.add(a.asText()));
                rows.add(new LmmsEvalParquet.Row(r.get("question_id").asText(), image, bytes, answers, floats(r.get("bbox")), floats(r.get("segmentation"))));
            }
            out.put(split.getKey(), rows);
        }
        return out;
    }

    static Path file(String split) {
        return DIR.resolve(split + "-00000-of-00001.parquet");
    }

    static int[] size(String image) throws IOException {
        JsonNode i = new ObjectMapper().readTree(DIR.resolve("annotations.json").toFile()).get("images").get(image);
        return new int[] {i.get("width").asInt(), i.get("height").asInt()};
    }

    private static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }
}
