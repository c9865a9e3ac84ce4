package dev.loupe.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.Diff;
import dev.loupe.engine.oracle.FloatFiles;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Encoder + projector on llama.cpp's own preprocessed tiles, against its image embeddings. */
class SiglipEncoderOracleTest {
    static final Path ORACLE = Path.of("src/test/resources/oracle/smolvlm");

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mmproj_f16, image/image0", "mmproj_f16, image/image3", "mmproj_q8_0, quant/image0_mmproj_q8_0"})
    void embeddingsMatchLlamaCpp(String mmprojKey, String casePrefix) throws Exception {
        JsonNode m = new ObjectMapper().readTree(ORACLE.resolve("manifest.json").toFile());
        Path mmproj = ORACLE.resolve(m.get("models").get(mmprojKey).get("file").asText());
        String caseId = Path.of(casePrefix).getFileName().toString();
        String imageCase = caseId.substring(0, caseId.indexOf('_') > 0 ? caseId.indexOf('_') : caseId.length());
        try (GgufFile f = GgufFile.open(mmproj)) {
            VisionConfig c = VisionConfig.from(f);
            ComputePool pool = new ComputePool(2);
            SiglipEncoder enc = new SiglipEncoder(f, c, pool, Numerics.EXACT);
            Idefics3Projector proj = new Idefics3Projector(f, c, pool, Numerics.EXACT);
            for (int img = 0; ; img++) {
                Path pre = ORACLE.resolve("image").resolve(imageCase + ".img" + img + ".pre.bin");
                if (!pre.toFile().exists()) {
                    assertTrue(img > 0);
                    break;
                }
                float[] out = proj.project(enc.encode(FloatFiles.read(pre)));
                float[] ref = FloatFiles.read(ORACLE.resolve(casePrefix + ".img" + img + ".embd.bin"));
                assertEquals(ref.length, out.length);
                Diff d = Diff.of(out, ref);
                // Bit-identical to llama.cpp (F16 im2col, GELU table, tiled attention, Q8_0 lanes).
                assertEquals(0.0, d.maxAbs(), caseId + " img" + img + " " + d);
            }
        }
    }
}
