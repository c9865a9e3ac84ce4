package dev.loupe.job.tools;

import dev.loupe.job.report.AnnotationReport;
import dev.loupe.job.report.EvaluationReport;
import dev.loupe.job.report.EvaluationReportOptions;
import dev.loupe.job.report.ReportOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code loupe report}: one command for both pages, an annotation table's ({@code --input}) or an
 * evaluation's ({@code --evaluation}), since they share the drawing, the image options and the
 * output; the options that only make sense for one are refused with the other.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write an HTML page of a sample of annotated rows, or of an evaluation's metrics and worst misses, drawn over their images.", "",
                "One self-contained file (images embedded, scaled down). With --input: each image with its boxes, labels, points, "
                        + "keypoints and masks drawn over it, the prompt and the model's raw answer, confidences, errors "
                        + "highlighted; the job's summary (images, errors, tokens, throughput, stage times) at the top. "
                        + "With --evaluation: the eval job's metrics per split and overall, then the samples with the lowest IoU, "
                        + "ground truth in green and the prediction in red, with the expression, the raw answer and what went wrong."})
final class ReportCommand implements Callable<Integer> {
    /** Exactly one of the two inputs. */
    static final class Source {
        @Option(names = "--input", required = true, paramLabel = "TABLE",
                description = "The annotate job's --output directory, or one of its Parquet files (any Hadoop path).")
        String input;

        @Option(names = "--evaluation", required = true, paramLabel = "DIR",
                description = "The eval job's --output directory (samples/ and summary.json; any Hadoop path).")
        String evaluation;
    }

    private static final List<String> TABLE_ONLY = List.of("--sample", "--seed", "--only-errors", "--summary");
    private static final List<String> EVALUATION_ONLY = List.of("--worst");

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--output", required = true, paramLabel = "FILE.html", description = "The HTML file to write.")
    Path output;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "24", description = "With --input: rows to show, drawn at random. Default: ${DEFAULT-VALUE}.")
    int sample;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "With --input: sampling seed; the same seed shows the same rows. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--only-errors", description = "With --input: sample only rows with an error or an answer that did not parse.")
    boolean onlyErrors;

    @Option(names = "--summary", paramLabel = "FILE.json",
            description = "With --input: the job summary to show. Default: _loupe_summary.json in the table's directory, when there is one.")
    String summary;

    @Option(names = "--worst", paramLabel = "N", defaultValue = "" + EvaluationReportOptions.DEFAULT_WORST,
            description = "With --evaluation: how many of the samples with the lowest IoU to show. Default: ${DEFAULT-VALUE}.")
    int worst;

    @Option(names = "--image-root", paramLabel = "DIR",
            description = "Where image ids that are file names (e.g. from --id-column, or COCO's file_name) are found. Default: ids must be paths.")
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
        boolean evaluation = source.evaluation != null;
        refuse(evaluation ? TABLE_ONLY : EVALUATION_ONLY, evaluation ? "--input" : "--evaluation");
        if (evaluation) {
            EvaluationReport.Counts c = EvaluationReport.run(new EvaluationReportOptions(source.evaluation, output, worst, imageRoot, maxEdge, overwrite));
            spec.commandLine().getOut().printf("loupe report: wrote %s: metrics and the %d worst of %d samples%s%s%n", output, c.shown(), c.ranked(),
                    c.skipped() > 0 ? " (" + c.skipped() + " left out: bad ground truth or not evaluated)" : "",
                    c.missingImages() > 0 ? "; " + c.missingImages() + " images could not be shown (see the page)" : "");
            return 0;
        }
        AnnotationReport.Counts c = AnnotationReport.run(new ReportOptions(source.input, output, summary, sample, seed, onlyErrors,
                imageRoot, maxEdge, overwrite));
        spec.commandLine().getOut().printf("loupe report: wrote %s: %d of %d rows%s%s%n", output, c.shown(), c.rows(),
                c.withSummary() ? ", with the job summary" : ", no job summary found",
                c.missingImages() > 0 ? "; " + c.missingImages() + " images could not be shown (see the page)" : "");
        return 0;
    }

    /** An option of the other page is a mistake to name, not to ignore: the user expected it to do something. */
    private void refuse(List<String> options, String belongsTo) {
        ParseResult parsed = spec.commandLine().getParseResult();
        for (String name : options) {
            if (parsed.hasMatchedOption(name)) throw new IllegalArgumentException(name + " applies with " + belongsTo + " only");
        }
    }
}
