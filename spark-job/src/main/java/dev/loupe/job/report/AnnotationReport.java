package dev.loupe.job.report;

import dev.loupe.job.annotations.AnnotationRow;
import dev.loupe.job.annotations.AnnotationTable;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * {@code loupe report}: samples an annotation table in one streaming pass and writes the page —
 * the job's summary when the table has one, then the sampled rows.
 */
public final class AnnotationReport {
    /** What the page shows. */
    public record Counts(int shown, long rows, int missingImages, boolean withSummary) {}

    private AnnotationReport() {}

    public static Counts run(ReportOptions o) {
        AnnotationTable table = AnnotationTable.open(o.input());
        if (Files.exists(o.output()) && !o.overwrite()) throw new IllegalArgumentException(o.output() + " exists; pass --overwrite to replace it");
        JobSummarySection summary = o.summary() != null
                ? JobSummarySection.read(new Path(o.summary()), table.hadoop(), true)
                : JobSummarySection.read(new Path(table.directory(), JobSummarySection.FILE_NAME), table.hadoop(), false);

        TableTally tally = new TableTally();
        RowSampler<AnnotationRow> sampler = new RowSampler<>(o.sample(), o.seed());
        table.read(row -> {
            tally.add(row);
            if (!o.onlyErrors() || row.error() != null || row.parseError() != null) sampler.offer(row);
        });
        String selection = (o.onlyErrors() ? "rows with an error or a parse error, " : "")
                + (sampler.seen() <= o.sample() ? "all of them" : "a random sample (seed " + o.seed() + ")");
        SampleSection rows = new SampleSection(sampler.sample(), tally, selection,
                new ImageEmbedder(table.hadoop(), o.imageRoot(), o.maxEdge()));

        List<ReportSection> sections = new ArrayList<>();
        if (summary != null) sections.add(summary);
        sections.add(rows);
        ReportPage.write(o.output(), "Loupe report", table.location(), sections);
        return new Counts(sampler.sample().size(), tally.rows, rows.missingImages(), summary != null);
    }
}
