package dev.loupe.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.eval.BoxTotals;
import dev.loupe.engine.eval.MaskTotals;
import dev.loupe.engine.eval.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eval job on sample-data/refcoco-sample: the hand-made predictions of the README scored as
 * computed by hand, and the real engine (the oracle's tiny Youtu-VL, random weights) run on it in
 * local mode, its annotations scored again to the same numbers.
 */
class SampleEvalTest {
    static final Path ORACLE = Path.of("..", "engine", "src", "test", "resources", "oracle", "youtuvl", "models").toAbsolutePath().normalize();
    static final Path YOUTU_TEXT = ORACLE.resolve("youtuvl-text-f16.gguf");
    static final Path YOUTU_MMPROJ = ORACLE.resolve("youtuvl-mmproj-f16.gguf");
    private static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("loupe-sample-eval-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static EvalReport run(String... args) {
        return EvalJob.run(spark, EvalJobTest.options(args), new PrintWriter(new StringWriter()));
    }

    /**
     * hand-predictions.jsonl, box by box (ground truth x,y,w,h made x0,y0,x1,y1):
     * the left eye exact: 1; "left eye" given the right eye: 0; the nose at half its height
     * (18.5 of 37 rows): 943.5 / 1887 = 0.5; the cup given the saucer (76,70,480,390):
     * 234 x 236 = 55224 shared, 67392 + 129280 - 55224 = 141448, 0.39042; "espresso cup": no row;
     * the spoon 10 px right: 98 x 259 = 25382 of 2 x 27972 - 25382 = 30562, 0.83051; the rocket:
     * an empty box (unparsed); the helmet exact: 1; the shuttle's upper half: 0.5; the pagoda given
     * the whole 640x427 image: 113515 / 273280 = 0.41538; the island 8 px too tall: 1216 / 1824;
     * the left tower given the right one: 0. Centres inside: eye, nose, cup, spoon, helmet, shuttle,
     * pagoda, island.
     */
    @Test
    void handMadePredictionsScoreAsComputedByHand() {
        EvalReport report = run("--dataset", SampleDataset.DIR.toString(), "--output", tmp.resolve("hand").toString(),
                "--predictions", SampleDataset.DIR.resolve("hand-predictions.jsonl").toString(), "--prediction-id-column", "file_name",
                "--prediction-expression-column", "expression", "--prediction-box-column", "box");
        double[] ious = {1, 0, 0.5, 55224.0 / 141448, 0, 25382.0 / 30562, 0, 1, 0.5, 113515.0 / 273280, 1216.0 / 1824, 0};
        BoxTotals all = report.scoreboard().boxes();
        assertEquals(12, all.samples());
        assertEquals(List.of(8.0 / 12, 8.0 / 12, 6.0 / 12, 3.0 / 12, 2.0 / 12), accuracies(all));
        assertEquals(sum(ious, 0, 12) / 12, all.meanIou(), 1e-15);
        assertEquals(0.44191450544969674, all.meanIou(), 1e-15);
        assertEquals(8.0 / 12, all.centreAccuracy());
        assertEquals(List.of(10L, 1L, 0L, 1L, 0L), EvalJobTest.counts(all));

        BoxTotals val = report.scoreboard().boxesBySplit().get("val"), testA = report.scoreboard().boxesBySplit().get("testA");
        assertEquals(7, val.samples());
        assertEquals(List.of(4.0 / 7, 4.0 / 7, 3.0 / 7, 2.0 / 7, 1.0 / 7), accuracies(val));
        assertEquals(sum(ious, 0, 7) / 7, val.meanIou(), 1e-15);
        assertEquals(5, testA.samples());
        assertEquals(List.of(0.8, 0.8, 0.6, 0.2, 0.2), accuracies(testA));
        assertEquals(sum(ious, 7, 12) / 5, testA.meanIou(), 1e-15);
        assertEquals(0, report.scoreboard().masks().samples(), "no mask predictions");
    }

    @Test
    void theTinyYoutuVlRunsOnTheSampleAndItsAnnotationsRescoreToTheSameMetrics() throws Exception {
        Path run = tmp.resolve("run"), rescored = tmp.resolve("rescored");
        EvalReport report = run("--dataset", SampleDataset.DIR.toString(), "--output", run.toString(), "--model", YOUTU_TEXT.toString(),
                "--mmproj", YOUTU_MMPROJ.toString(), "--max-tokens", "8", "--max-image-tokens", "64");
        BoxTotals boxes = report.scoreboard().boxes();
        MaskTotals masks = report.scoreboard().masks();
        assertEquals(12, boxes.samples(), "every expression of the sample");
        assertEquals(7, masks.samples(), "the expressions of the five objects with polygons");
        assertEquals(0, boxes.count(Outcome.ERROR) + boxes.count(Outcome.MISSING) + boxes.count(Outcome.BAD_TRUTH), "every row answered");
        assertEquals(0, masks.count(Outcome.ERROR) + masks.count(Outcome.MISSING) + masks.count(Outcome.BAD_TRUTH), "every row answered");

        // The same numbers from the samples as written, recomputed here: each box IoU from the
        // annotation's first box and the dataset's bbox, each mask's overlap summed.
        Map<String, Row> samples = EvalJobTest.samples(spark, run);
        Map<String, Row> ground = new HashMap<>();
        for (Row r : spark.read().parquet(run.resolve("ground").toString()).collectAsList()) ground.put(r.getAs("image_id"), r);
        double iouSum = 0;
        long intersection = 0, union = 0;
        for (Row s : samples.values()) {
            Row a = ground.get(s.<String>getAs("sample_id"));
            List<Row> predicted = a.getList(a.fieldIndex("boxes"));
            double iou = 0;
            if (!predicted.isEmpty()) {
                Row p = predicted.getFirst(), t = s.getAs("truth_box");
                double w = Math.min(p.<Float>getAs("x1"), t.<Double>getAs("x1")) - Math.max(p.<Float>getAs("x0"), t.<Double>getAs("x0"));
                double h = Math.min(p.<Float>getAs("y1"), t.<Double>getAs("y1")) - Math.max(p.<Float>getAs("y0"), t.<Double>getAs("y0"));
                double inter = Math.max(0, w) * Math.max(0, h);
                double areaP = (p.<Float>getAs("x1") - p.<Float>getAs("x0")) * (double) (p.<Float>getAs("y1") - p.<Float>getAs("y0"));
                double areaT = (t.<Double>getAs("x1") - t.<Double>getAs("x0")) * (t.<Double>getAs("y1") - t.<Double>getAs("y0"));
                iou = inter / (areaP + areaT - inter);
            }
            assertEquals(iou, s.<Double>getAs("box_iou"), 1e-12, s.<String>getAs("sample_id"));
            iouSum += iou;
            if (s.getAs("mask_union") != null) {
                intersection += s.<Long>getAs("mask_intersection");
                union += s.<Long>getAs("mask_union");
            }
        }
        assertEquals(iouSum / 12, boxes.meanIou(), 1e-12);
        assertEquals(union == 0 ? 0 : (double) intersection / union, masks.cIou(), 1e-15);
        assertTrue(union > 0, "the true masks' areas at least");

        run("--dataset", SampleDataset.DIR.toString(), "--output", rescored.toString(), "--predictions", run.resolve("ground").toString(),
                "--mask-predictions", run.resolve("segment").toString());
        assertEquals(samples, EvalJobTest.samples(spark, rescored));
        JsonNode a = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        JsonNode b = new ObjectMapper().readTree(rescored.resolve("summary.json").toFile());
        assertEquals(a.get("rec"), b.get("rec"));
        assertEquals(a.get("res"), b.get("res"));
    }

    private static List<Double> accuracies(BoxTotals t) {
        return List.of(t.accuracy(0), t.accuracy(1), t.accuracy(2), t.accuracy(3), t.accuracy(4));
    }

    private static double sum(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += v[i];
        return s;
    }
}
