package dev.loupe.job.report;

import dev.loupe.job.annotations.ParquetTable;
import dev.loupe.job.eval.EvaluationSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code loupe report --evaluation}: the eval job's output as a page — its metrics from
 * {@code summary.json}, then its worst samples from {@code samples/}, found in one streaming pass,
 * each drawn with ground truth and prediction in two colours.
 */
public final class EvaluationReport {
    /** The eval job's per-sample contract; a table without these columns is not its output. */
    static final ParquetTable.Contract CONTRACT = new ParquetTable.Contract(EvaluationSchema.avro(), EvaluationSchema.RESOURCE,
            "an evaluation table", List.of("sample_id", "image_id", "box_outcome", "box_iou"), "the eval job");

    /** What the page shows. */
    public record Counts(int shown, long ranked, long skipped, int missingImages) {}

    private EvaluationReport() {}

    public static Counts run(EvaluationReportOptions o) {
        if (Files.exists(o.output()) && !o.overwrite()) throw new IllegalArgumentException(o.output() + " exists; pass --overwrite to replace it");
        Configuration hadoop = new Configuration();
        Path dir = new Path(o.evaluation());
        requireDirectory(dir, hadoop, "--evaluation " + o.evaluation() + ": no such directory");
        MetricsSection metrics = MetricsSection.read(dir, hadoop);
        Path samplesDir = new Path(dir, "samples");
        requireDirectory(samplesDir, hadoop, o.evaluation() + " has no samples/ directory: is it the eval job's --output?");
        ParquetTable samples = ParquetTable.open(samplesDir.toString(), CONTRACT);

        WorstMisses misses = new WorstMisses(o.worst());
        samples.read(null, r -> misses.offer(EvaluationSample.fromAvro(r)));
        List<EvaluationSample> worst = misses.worst();
        Set<String> unsized = new HashSet<>(); // the masks give the frame; without them the run's annotate rows may
        for (EvaluationSample s : worst) if (s.maskSize() == null && s.sampleId() != null) unsized.add(s.sampleId());
        Map<String, int[]> sizes = ImageSizes.of(dir, hadoop, unsized);

        MissesSection section = new MissesSection(worst, misses.ranked(), sizes,
                new ImageFigures(new ImageEmbedder(hadoop, o.imageRoot(), o.maxEdge()), new LabelColors()));
        ReportPage.write(o.output(), "Loupe evaluation report", o.evaluation(), List.of(metrics, section));
        return new Counts(worst.size(), misses.ranked(), misses.skipped(), section.missingImages());
    }

    private static void requireDirectory(Path dir, Configuration hadoop, String otherwise) {
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) throw new IllegalArgumentException(otherwise);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look into " + dir + ": " + e.getMessage(), e);
        }
    }
}
