package dev.loupe.job.tools;

import dev.loupe.job.coco.CocoImport;
import dev.loupe.job.coco.CocoImportOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "import-coco", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Turn a COCO dataset into the Parquet table the annotate job reads.", "",
                "One row per image of the JSON's images list: image_id (COCO's file_name), the image's bytes (or its path "
                        + "with --paths), coco_id, width, height (schemas/image-table.avsc). Then annotate it with:",
                "  ./submit.sh --input FILE.parquet --id-column image_id [--image-column image_path] --task ... --output ..."})
final class ImportCocoCommand implements Callable<Integer> {
    @Option(names = "--instances", required = true, paramLabel = "FILE.json",
            description = "COCO JSON with an images list, e.g. annotations/instances_val2017.json.")
    Path instances;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "The directory the file_names are relative to, e.g. val2017/.")
    Path images;

    @Option(names = "--output", required = true, paramLabel = "FILE.parquet", description = "The Parquet file to write.")
    Path output;

    @Option(names = "--paths", description = "Store each image's absolute path (column image_path) instead of its bytes "
            + "(column image): a small table, but the images must stay where they are, readable by every executor.")
    boolean paths;

    @Option(names = "--overwrite", description = "Replace --output if it exists.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CocoImport.Counts c = CocoImport.run(new CocoImportOptions(instances, images, output, paths, overwrite));
        spec.commandLine().getOut().printf("loupe import-coco: wrote %s: %d images%s%n", output, c.images(),
                paths ? " (paths)" : String.format(" (%.1f MB of image bytes)", c.bytes() / 1e6));
        return 0;
    }
}
