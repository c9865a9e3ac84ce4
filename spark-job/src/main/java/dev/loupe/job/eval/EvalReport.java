package dev.loupe.job.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.engine.eval.BoxResult;
import dev.loupe.engine.eval.BoxTotals;
import dev.loupe.engine.eval.MaskOverlap;
import dev.loupe.engine.eval.MaskResult;
import dev.loupe.engine.eval.MaskTotals;
import dev.loupe.engine.eval.Outcome;
import dev.loupe.engine.eval.Scoreboard;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * The metrics of a scored benchmark, per split and overall, computed from the per-sample rows
 * the job wrote (so that scoring the same predictions again gives the same numbers): each
 * partition adds its rows into a {@link Scoreboard}, the driver merges them. Printed as a table
 * and written as {@code summary.json}.
 *
 * @param scoreboard the totals
 * @param settings   what was evaluated (dataset, model or predictions...), for the JSON
 */
public record EvalReport(Scoreboard scoreboard, Map<String, String> settings) {
    static final String SUMMARY = "summary.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] ACC = {"acc@0.1", "acc@0.3", "acc@0.5", "acc@0.7", "acc@0.9"};

    static EvalReport of(Dataset<Row> samples, Map<String, String> settings) {
        List<Scoreboard> parts = samples.mapPartitions((MapPartitionsFunction<Row, Scoreboard>) EvalReport::add, Encoders.javaSerialization(Scoreboard.class))
                .collectAsList();
        Scoreboard all = new Scoreboard();
        for (Scoreboard s : parts) all.merge(s);
        return new EvalReport(all, settings);
    }

    private static Iterator<Scoreboard> add(Iterator<Row> rows) {
        Scoreboard board = new Scoreboard();
        while (rows.hasNext()) {
            Row r = rows.next();
            String split = r.getAs("split");
            board.add(split == null ? "" : split, boxOf(r), maskOf(r));
        }
        return List.of(board).iterator();
    }

    /** The sample's REC result as written, or null when boxes were not evaluated. */
    private static BoxResult boxOf(Row r) {
        String outcome = r.getAs("box_outcome");
        if (outcome == null) return null;
        return new BoxResult(Outcome.parse(outcome), r.<Double>getAs("box_iou"), r.<Boolean>getAs("centre_hit"), r.getAs("box_problem"));
    }

    private static MaskResult maskOf(Row r) {
        String outcome = r.getAs("mask_outcome");
        if (outcome == null) return null;
        Long i = r.getAs("mask_intersection"), u = r.getAs("mask_union");
        return new MaskResult(Outcome.parse(outcome), i == null ? null : new MaskOverlap(i, u), r.getAs("mask_problem"));
    }

    void print(PrintWriter out) {
        Scoreboard s = scoreboard;
        if (s.boxes().samples() + s.boxes().count(Outcome.BAD_TRUTH) > 0) {
            out.println("loupe eval: REC, boxes (lmms-eval's RefCOCO metrics; misses, i.e. unparsed, error and missing, count as IoU 0)");
            out.printf(Locale.ROOT, "  %-12s %7s %7s %7s %7s %7s %7s %7s %7s %7s %8s %6s %7s %9s%n", "split", "samples", "acc@0.1", "acc@0.3",
                    "acc@0.5", "acc@0.7", "acc@0.9", "mIoU", "centre", "scored", "unparsed", "error", "missing", "bad_truth");
            s.boxesBySplit().forEach((split, t) -> boxLine(out, split, t));
            if (s.boxesBySplit().size() > 1) boxLine(out, "overall", s.boxes());
        }
        if (s.masks().samples() + s.masks().count(Outcome.BAD_TRUTH) > 0) {
            out.println("loupe eval: RES, masks (gIoU: mean of per-sample IoU; cIoU: total intersection / total union)");
            out.printf(Locale.ROOT, "  %-12s %7s %7s %7s %7s %8s %6s %7s %9s%n", "split", "samples", "gIoU", "cIoU", "scored", "unparsed", "error",
                    "missing", "bad_truth");
            s.masksBySplit().forEach((split, t) -> maskLine(out, split, t));
            if (s.masksBySplit().size() > 1) maskLine(out, "overall", s.masks());
        }
        out.flush();
    }

    private static void boxLine(PrintWriter out, String split, BoxTotals t) {
        out.printf(Locale.ROOT, "  %-12s %7d %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7d %8d %6d %7d %9d%n", split, t.samples(),
                t.accuracy(0), t.accuracy(1), t.accuracy(2), t.accuracy(3), t.accuracy(4), t.meanIou(), t.centreAccuracy(),
                t.count(Outcome.SCORED), t.count(Outcome.UNPARSED), t.count(Outcome.ERROR), t.count(Outcome.MISSING), t.count(Outcome.BAD_TRUTH));
    }

    private static void maskLine(PrintWriter out, String split, MaskTotals t) {
        out.printf(Locale.ROOT, "  %-12s %7d %7.4f %7.4f %7d %8d %6d %7d %9d%n", split, t.samples(), t.gIou(), t.cIou(),
                t.count(Outcome.SCORED), t.count(Outcome.UNPARSED), t.count(Outcome.ERROR), t.count(Outcome.MISSING), t.count(Outcome.BAD_TRUTH));
    }

    String toJson(Instant finished) {
        ObjectNode root = JSON.createObjectNode();
        root.put("finished", finished.toString());
        settings.forEach(root::put);
        Scoreboard s = scoreboard;
        if (s.boxes().samples() + s.boxes().count(Outcome.BAD_TRUTH) > 0) {
            ObjectNode rec = root.putObject("rec");
            boxJson(rec.putObject("overall"), s.boxes());
            ObjectNode splits = rec.putObject("splits");
            s.boxesBySplit().forEach((split, t) -> boxJson(splits.putObject(split), t));
        }
        if (s.masks().samples() + s.masks().count(Outcome.BAD_TRUTH) > 0) {
            ObjectNode res = root.putObject("res");
            maskJson(res.putObject("overall"), s.masks());
            ObjectNode splits = res.putObject("splits");
            s.masksBySplit().forEach((split, t) -> maskJson(splits.putObject(split), t));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void boxJson(ObjectNode n, BoxTotals t) {
        n.put("samples", t.samples());
        for (int i = 0; i < ACC.length; i++) n.put(ACC[i], t.accuracy(i));
        n.put("mean_iou", t.meanIou());
        n.put("centre_accuracy", t.centreAccuracy());
        outcomes(n, t::count);
    }

    private static void maskJson(ObjectNode n, MaskTotals t) {
        n.put("samples", t.samples());
        n.put("giou", t.gIou());
        n.put("ciou", t.cIou());
        n.put("intersection", t.intersection());
        n.put("union", t.union());
        outcomes(n, t::count);
    }

    private static void outcomes(ObjectNode n, java.util.function.ToLongFunction<Outcome> count) {
        ObjectNode o = n.putObject("outcomes");
        for (Outcome k : Outcome.values()) o.put(k.id(), count.applyAsLong(k));
    }

    void write(String output, Configuration hadoop) {
        Path file = new Path(output, SUMMARY);
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            try (OutputStream out = fs.create(file, true)) {
                out.write(toJson(Instant.now()).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
