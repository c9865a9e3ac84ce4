package dev.loupe.job.tools;

import dev.loupe.job.coco.CocoExport;
import dev.loupe.job.coco.CocoExportOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export-coco", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write an annotation table as a COCO JSON dataset (boxes, RLE masks, keypoints).", "",
                "The annotate job's Parquet becomes images, categories and an annotation per box (bbox, score), mask "
                        + "(compressed RLE segmentation, area, bbox) and person (keypoints, num_keypoints); each image's task, "
                        + "prompt, answer and errors go in its \"loupe\" object. The file is read back and checked before it "
                        + "replaces --output."})
final class ExportCocoCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "TABLE",
            description = "The annotate job's --output directory, or one of its Parquet files (any Hadoop path).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE.json", description = "The COCO JSON file to write.")
    Path output;

    @Option(names = "--image-root", paramLabel = "DIR",
            description = "Image paths under DIR become file names relative to it, as in COCO datasets. Default: ids as they are.")
    Path imageRoot;

    @Option(names = "--overwrite", description = "Replace --output if it exists.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CocoExport.Counts c = CocoExport.run(new CocoExportOptions(input, output, imageRoot, overwrite));
        spec.commandLine().getOut().printf("loupe export-coco: wrote %s: %d images, %d annotations (%d boxes, %d masks, %d persons), %d categories%n",
                output, c.images(), c.annotations(), c.boxes(), c.masks(), c.persons(), c.categories());
        if (c.pointsLeftOut() > 0) {
            spec.commandLine().getOut().printf("loupe export-coco: %d points left out: COCO has no form for lone points%n", c.pointsLeftOut());
        }
        return 0;
    }
}
