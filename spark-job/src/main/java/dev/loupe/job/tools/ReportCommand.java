package dev.loupe.job.tools;

import dev.loupe.job.report.AnnotationReport;
import dev.loupe.job.report.ReportOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write an HTML page of a sample of annotated rows, drawn over their images.", "",
                "One self-contained file (images embedded, scaled down): each image with its boxes, labels, points, "
                        + "keypoints and masks drawn over it, the prompt and the model's raw answer, confidences, errors "
                        + "highlighted; the job's summary (images, errors, tokens, throughput, stage times) at the top."})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "TABLE",
            description = "The annotate job's --output directory, or one of its Parquet files (any Hadoop path).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE.html", description = "The HTML file to write.")
    Path output;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "24", description = "Rows to show, drawn at random. Default: ${DEFAULT-VALUE}.")
    int sample;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Sampling seed: the same seed shows the same rows. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--only-errors", description = "Sample only rows with an error or an answer that did not parse.")
    boolean onlyErrors;

    @Option(names = "--summary", paramLabel = "FILE.json",
            description = "The job summary to show. Default: _loupe_summary.json in the table's directory, when there is one.")
    String summary;

    @Option(names = "--image-root", paramLabel = "DIR",
            description = "Where image ids that are file names (e.g. from --id-column) are found. Default: ids must be paths.")
    Path imageRoot;

    @Option(names = "--max-edge", paramLabel = "PIXELS", defaultValue = "640",
            description = "Embedded images are scaled down to at most this longest side. Default: ${DEFAULT-VALUE}.")
    int maxEdge;

    @Option(names = "--overwrite", description = "Replace --output if it exists.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AnnotationReport.Counts c = AnnotationReport.run(new ReportOptions(input, output, summary, sample, seed, onlyErrors,
                imageRoot, maxEdge, overwrite));
        spec.commandLine().getOut().printf("loupe report: wrote %s: %d of %d rows%s%s%n", output, c.shown(), c.rows(),
                c.withSummary() ? ", with the job summary" : ", no job summary found",
                c.missingImages() > 0 ? "; " + c.missingImages() + " images could not be shown (see the page)" : "");
        return 0;
    }
}
