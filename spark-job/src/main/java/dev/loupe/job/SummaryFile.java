package dev.loupe.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loupe.udf.AnnotatorSpec;
import dev.loupe.udf.RunMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code _loupe_summary.json} in the output directory: the run's {@link JobSummary} and settings,
 * for tools and for whoever looks at the output later. The leading underscore keeps Spark and
 * Hadoop readers from taking it for data. Each run replaces it; the output totals in it cover
 * earlier (resumed) runs too.
 */
final class SummaryFile {
    static final String NAME = "_loupe_summary.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SummaryFile() {}

    static String toJson(JobSummary s, AnnotatorSpec spec, Instant finished) {
        ObjectNode root = JSON.createObjectNode();
        root.put("output", s.output());
        root.put("finished", finished.toString());
        root.put("seconds", s.seconds());
        root.put("model", spec.key().model());
        root.put("mmproj", spec.key().mmproj());
        root.put("max_tokens", spec.maxTokens());
        root.put("temperature", spec.temperature());
        root.put("seed", spec.seed());
        ObjectNode totals = root.putObject("output_totals");
        totals.put("images", s.rows());
        totals.put("errors", s.errors());
        totals.put("generated_tokens", s.generatedTokens());
        ArrayNode errors = totals.putArray("common_errors");
        for (JobSummary.ErrorCount e : s.commonErrors()) errors.addObject().put("error", e.error()).put("count", e.count());
        RunMetrics r = s.run();
        ObjectNode run = root.putObject("this_run");
        run.put("images", r.images());
        run.put("errors", r.errors());
        run.put("already_done", s.alreadyDone());
        run.put("prompt_tokens", r.promptTokens());
        run.put("generated_tokens", r.generatedTokens());
        run.put("cores", s.cores());
        run.put("images_per_hour", s.imagesPerHour());
        run.put("core_hours_per_million_images", s.coreHoursPerMillionImages());
        // Each row's wall time, summed over rows that overlap in the batch scheduler: more than the run's wall time.
        run.put("row_seconds_summed", r.annotateSeconds());
        run.put("image_tokens", r.stages().imageTokens());
        run.put("encode_seconds", r.stages().encodeSeconds());
        run.put("prefill_seconds", r.stages().prefillSeconds());
        run.put("decode_seconds", r.stages().decodeSeconds());
        ObjectNode loads = run.putObject("model_loads_by_executor");
        r.modelLoadsByExecutor().forEach(loads::put);
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the file through Hadoop's FileSystem, so an HDFS or S3 output gets it too. */
    static void write(String output, String json, Configuration hadoop) {
        Path file = new Path(output, NAME);
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            try (OutputStream out = fs.create(file, true)) {
                out.write(json.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
