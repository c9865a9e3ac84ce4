package dev.loupe.udf.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loupe.udf.AnnotationSchema;
import dev.loupe.udf.AnnotatorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The stage's settings, checked without a model or a session: the params mirror the job's options,
 * and a wrong setting fails {@code transformSchema} (as {@code Pipeline.fit} calls it) naming the
 * stage, the param and the value. Running, saving and loading are {@code LoupeAnnotatorPipelineTest}'s (spark-job).
 */
class LoupeAnnotatorParamsTest {
    private static final StructType IMAGES = new StructType().add("path", DataTypes.StringType).add("image", DataTypes.BinaryType);

    private static LoupeAnnotator stage() {
        return new LoupeAnnotator().setModel("/models/m.gguf").setMmproj("/models/p.gguf");
    }

    @Test
    void everyModelOptionOfTheJobIsAParamOfTheSameName() {
        Set<String> params = Arrays.stream(stage().params()).map(Param::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> options = new TreeSet<>(AnnotatorSpec.OPTIONS);
        options.remove(AnnotatorSpec.LOADER); // the engine behind the files: a conf key for tests and custom loaders, no setting of a stage
        assertTrue(params.containsAll(options), "missing: " + options.stream().filter(o -> !params.contains(o)).toList());
        assertEquals(Set.of("inputCol", "outputCol", "idCol", "tasks", "prompt", "categories", "labels"),
                params.stream().filter(p -> !options.contains(p)).collect(Collectors.toSet()));
    }

    @Test
    void givenParamsAreTheSpecsOptionsAndUnsetOnesAreLeftToTheConf() {
        LoupeAnnotator s = stage().setMaxTokens(12).setTemperature(0.5f).setSeed(7L).setMaxBatch("auto").setRepackWeights(false).setConstrain("off");
        assertEquals(Map.of("model", "/models/m.gguf", "mmproj", "/models/p.gguf", "maxTokens", "12", "temperature", "0.5", "seed", "7",
                "maxBatch", "auto", "repackWeights", "false", "constrain", "off"), s.specOptions());
        AnnotatorSpec spec = AnnotatorSpec.fromMap(s.specOptions());
        assertEquals(12, spec.maxTokens());
        assertEquals(0.5f, spec.temperature());
        assertEquals(7L, spec.seed());
        assertFalse(spec.key().repackWeights());
    }

    @Test
    void theSchemaGainsTheAnnotationStructUnderOutputCol() {
        StructType out = stage().setInputCol("image").setOutputCol("ann").transformSchema(IMAGES);
        assertEquals(List.of("path", "image", "ann"), List.of(out.fieldNames()));
        assertEquals(AnnotationSchema.resultType(), out.apply("ann").dataType());
        // Paths are an image column too, read on the executors.
        assertEquals(List.of("path", "image", "annotation"), List.of(stage().setInputCol("path").transformSchema(IMAGES).fieldNames()));
    }

    @Test
    void badSettingsFailNamingTheStageAndTheParam() {
        LoupeAnnotator s = stage().setTasks("caption, Bogus");
        assertTrue(failure(s).startsWith("LoupeAnnotator " + s.uid() + ": tasks 'caption, Bogus': unknown task 'bogus'; known tasks: caption, vqa,"),
                failure(s));

        LoupeAnnotator noModel = new LoupeAnnotator().setMmproj("/models/p.gguf");
        assertEquals("LoupeAnnotator " + noModel.uid() + ": no model given (option model, conf spark.loupe.model)", failure(noModel));
        assertTrue(failure(new LoupeAnnotator().setModel("/models/m.gguf")).endsWith(": no mmproj given (option mmproj, conf spark.loupe.mmproj)"));

        assertTrue(failure(stage().setInputCol("path_count")).endsWith(": inputCol 'path_count': no such column; the input's columns are [path, image]"));
        StructType numbers = new StructType().add("image", DataTypes.IntegerType);
        assertTrue(failure(stage(), numbers).endsWith(": inputCol 'image' is int; it must hold image bytes (binary) or paths (string)"));
        assertTrue(failure(stage().setOutputCol("path")).endsWith(": outputCol 'path' is a column of the input already; choose another name"));
        assertTrue(failure(stage().setIdCol("id")).endsWith(": idCol 'id': no such column; the input's columns are [path, image]"));
        assertTrue(failure(stage().setMaxBatch("lots")).endsWith(": option maxBatch (spark.loupe.maxBatch) is not a number: 'lots'"));
        assertTrue(failure(stage().setConstrain("maybe")).contains("constrain"));
    }

    @Test
    void copiesKeepTheSettingsAndTakeTheExtraOnes() {
        LoupeAnnotator s = stage().setTasks("detect").setCategories("dog", "cat");
        LoupeAnnotator c = s.copy(new ParamMap().put(s.tasks().w("count")));
        assertEquals(s.uid(), c.uid());
        assertEquals("count", c.getTasks());
        assertEquals(List.of("dog", "cat"), List.of(c.getCategories()));
        assertEquals("detect", s.getTasks());
    }

    private static String failure(LoupeAnnotator s) {
        return failure(s, IMAGES);
    }

    private static String failure(LoupeAnnotator s, StructType schema) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.transformSchema(schema));
        assertTrue(e.getMessage().startsWith("LoupeAnnotator " + s.uid() + ": "), e.getMessage());
        return e.getMessage();
    }
}
