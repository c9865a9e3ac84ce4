package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.vlm.GenerationSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnnotatorSpecTest {

    @Test
    void defaultsAreTheEnginesGreedySettingsAndTheGgufLoader() {
        AnnotatorSpec spec = AnnotatorSpec.fromMap(Map.of("model", "m.gguf", "mmproj", "p.gguf"));
        assertEquals(GenerationSettings.GREEDY, spec.generationSettings());
        assertEquals(GgufAnnotatorLoader.class.getName(), spec.key().loader());
        assertEquals("m.gguf", spec.key().modelName());
    }

    @Test
    void optionsAreParsedAndRangeChecked() {
        AnnotatorSpec spec = AnnotatorSpec.fromMap(Map.of("model", "m.gguf", "mmproj", "p.gguf",
                "maxTokens", "16", "temperature", "0.7", "topK", "40", "seed", "42"));
        GenerationSettings g = spec.generationSettings();
        assertEquals(16, g.maxTokens());
        assertEquals(0.7f, g.temperature());
        assertEquals(40, g.topK());
        assertEquals(42L, g.seed());

        var typo = assertThrows(IllegalArgumentException.class,
                () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "max_tokens", "3")));
        assertTrue(typo.getMessage().contains("unknown Loupe option(s) [max_tokens]"), typo.getMessage());
        var notNumber = assertThrows(IllegalArgumentException.class,
                () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxTokens", "lots")));
        assertEquals("option maxTokens (spark.loupe.maxTokens) is not a number: 'lots'", notNumber.getMessage());
        var negative = assertThrows(IllegalArgumentException.class,
                () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxTokens", "-1")));
        assertTrue(negative.getMessage().contains("maxTokens must be >= 0"), negative.getMessage());
        var noMmproj = assertThrows(IllegalArgumentException.class, () -> AnnotatorSpec.fromMap(Map.of("model", "m")));
        assertTrue(noMmproj.getMessage().contains("spark.loupe.mmproj"), noMmproj.getMessage());
    }

    /** Numerics are part of the loaded model: another setting is another key, so another load. */
    @Test
    void numericsAreFastByDefaultPartOfTheKeyAndNamedWhenWrong() {
        AnnotatorSpec byDefault = AnnotatorSpec.fromMap(Map.of("model", "m.gguf", "mmproj", "p.gguf"));
        AnnotatorSpec exact = AnnotatorSpec.fromMap(Map.of("model", "m.gguf", "mmproj", "p.gguf", "numerics", "EXACT"));
        assertEquals(Numerics.FAST, byDefault.key().numerics());
        assertEquals(Numerics.EXACT, exact.key().numerics());
        assertEquals(Numerics.EXACT, exact.withAbsolutePaths().key().numerics());
        assertFalse(byDefault.key().equals(exact.key()));
        var wrong = assertThrows(IllegalArgumentException.class,
                () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "numerics", "quick")));
        assertEquals("option numerics (spark.loupe.numerics) must be exact or fast, got 'quick'", wrong.getMessage());
    }

    /** Batching is on by default where it is reproducible; a number given is taken as it is. */
    @Test
    void maxBatchIsAutoByDefaultAndANumberOrAutoWhenGiven() {
        AnnotatorSpec byDefault = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p"));
        assertEquals(AnnotatorSpec.MAX_BATCH_AUTO, byDefault.maxBatch());
        assertEquals(8, byDefault.window());
        assertEquals(8, byDefault.batchFor(true));
        assertEquals(1, byDefault.batchFor(false), "auto keeps rows one at a time when batched rows could differ");
        assertEquals(AnnotatorSpec.MAX_BATCH_AUTO, AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxBatch", " Auto ")).maxBatch());

        AnnotatorSpec four = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxBatch", "4"));
        assertEquals(4, four.window());
        assertEquals(4, four.batchFor(false), "a number given batches even where rows could differ");
        AnnotatorSpec one = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxBatch", "1"));
        assertEquals(1, one.window());
        assertEquals(1, one.batchFor(true));

        for (String bad : new String[] {"0", "65", "-2"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxBatch", bad)));
            assertEquals("option maxBatch (spark.loupe.maxBatch, --max-batch) must be auto or in 1..64, got " + bad, e.getMessage());
        }
        var word = assertThrows(IllegalArgumentException.class, () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "maxBatch", "many")));
        assertEquals("option maxBatch (spark.loupe.maxBatch) is not a number: 'many'", word.getMessage());
    }

    @Test
    void weightsAreRepackedUnlessTurnedOffAndTheChoiceIsPartOfTheModelKey() {
        AnnotatorSpec byDefault = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p"));
        assertTrue(byDefault.key().repackWeights());
        AnnotatorSpec off = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "repackWeights", " FALSE "));
        assertFalse(off.key().repackWeights());
        assertFalse(off.withAbsolutePaths().key().repackWeights());
        assertNotEquals(byDefault.key(), off.key(), "a model loaded with and without repacking computes differently: two cache entries");
        assertTrue(off.key().toString().contains("weights not repacked"), off.key().toString());
        var e = assertThrows(IllegalArgumentException.class, () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "repackWeights", "no")));
        assertTrue(e.getMessage().contains("repackWeights") && e.getMessage().contains("true or false") && e.getMessage().contains("'no'"), e.getMessage());
    }

    @Test
    void labelScoringIsTheSumByDefaultSurvivesAbsolutePathsAndIsNamedWhenWrong() {
        assertEquals(dev.loupe.engine.task.LabelScoring.SUM, AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p")).labelScoring());
        AnnotatorSpec mean = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "labelScoring", "MEAN"));
        assertEquals(dev.loupe.engine.task.LabelScoring.MEAN, mean.labelScoring());
        assertEquals(dev.loupe.engine.task.LabelScoring.MEAN, mean.withAbsolutePaths().labelScoring());
        var e = assertThrows(IllegalArgumentException.class, () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "labelScoring", "max")));
        assertTrue(e.getMessage().contains("labelScoring") && e.getMessage().contains("sum or mean") && e.getMessage().contains("'max'"), e.getMessage());
    }

    @Test
    void constrainIsAutoByDefaultReachesTheGenerationSettingsAndIsNamedWhenWrong() {
        var auto = dev.loupe.engine.task.grammar.ConstrainMode.AUTO;
        assertEquals(auto, AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p")).generationSettings().constrain());
        AnnotatorSpec off = AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "constrain", "OFF"));
        assertEquals(dev.loupe.engine.task.grammar.ConstrainMode.OFF, off.withAbsolutePaths().generationSettings().constrain());
        assertEquals(dev.loupe.engine.task.grammar.ConstrainMode.OFF, off.generationSettings().withSeed(9).constrain(), "a row's seed keeps it");
        var e = assertThrows(IllegalArgumentException.class, () -> AnnotatorSpec.fromMap(Map.of("model", "m", "mmproj", "p", "constrain", "always")));
        assertTrue(e.getMessage().contains("spark.loupe.constrain") && e.getMessage().contains("on, off or auto") && e.getMessage().contains("'always'"),
                e.getMessage());
    }

    @Test
    void localPathsBecomeAbsoluteFileUrisStayLocalAndRemoteUrisAreKept() {
        AnnotatorSpec spec = AnnotatorSpec.fromMap(Map.of("model", "models/m.gguf", "mmproj", "file:/tmp/p.gguf")).withAbsolutePaths();
        assertEquals(Path.of("models/m.gguf").toAbsolutePath().toString(), spec.key().model());
        assertEquals(Path.of("/tmp/p.gguf"), spec.key().mmprojPath());
        assertFalse(spec.key().isRemote(), "file: URIs are mapped in place");

        AnnotatorSpec remote = AnnotatorSpec.fromMap(Map.of("model", "s3a://bucket/models/m.gguf", "mmproj", "p.gguf")).withAbsolutePaths();
        assertEquals("s3a://bucket/models/m.gguf", remote.key().model());
        assertTrue(remote.key().isRemote());
        assertEquals("m.gguf", remote.key().modelName());
        assertEquals(Path.of("p.gguf").toAbsolutePath().toString(), remote.key().mmproj());
    }

    @Test
    void survivesJavaSerializationAsSparkShipsIt() throws Exception {
        AnnotatorSpec spec = AnnotatorSpec.fromMap(Map.of("model", "/m.gguf", "mmproj", "/p.gguf", "maxTokens", "9"));
        assertEquals(spec, roundTrip(spec));
        assertTrue(roundTrip(new AnnotateUdf(spec)) instanceof AnnotateUdf);
    }

    private static Object roundTrip(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }
}
