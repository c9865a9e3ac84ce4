package dev.loupe.job.eval;

import dev.loupe.engine.task.Task;
import dev.loupe.job.ModelSettings;
import dev.loupe.job.WriteMode;
import java.util.List;
import java.util.Set;

/**
 * One run of the eval job, as the command line (or a test) describes it. Either a model runs
 * the benchmark ({@code model} set), or existing predictions are scored ({@code predictions}
 * and/or {@code maskPredictions} set).
 *
 * @param dataset         lmms-eval layout: a Parquet file, directory or glob; null for the refer layout
 * @param instances       refer layout: COCO instances.json (boxes, polygons, image sizes)
 * @param refs            refer layout: the referring expressions, a JSON array (or JSON Lines) of refs
 *                        with ref_id, ann_id, image_id, split and sentences[].sent (sent_id when present)
 * @param images          refer layout: the directory holding the images' file_name
 * @param columns         lmms-eval layout: the table's column names
 * @param splits          evaluate only these splits; empty for all
 * @param limit           evaluate only the first N samples by sample id (a quick look); null for all
 * @param output          directory to write: samples/ (Parquet, schemas/evaluation.avsc), summary.json,
 *                        and for a model run ground/ and segment/ (annotation outputs, schemas/annotation.avsc)
 * @param mode            what to do when the output exists (without {@code resume})
 * @param resume          model run: keep the annotations the output holds and run only the samples not in them
 * @param model           the model; null to score predictions
 * @param tasks           model run: ground and/or segment; empty for auto (ground, and segment where the
 *                        dataset has masks and the model can segment)
 * @param partitions      requests split into this many partitions; null for Spark's split
 * @param predictions     a table of predicted boxes to score instead of running a model
 * @param maskPredictions a table of predicted masks to score instead of running a model
 * @param predictionColumns how to read the predictions tables
 */
public record EvalOptions(String dataset, String instances, String refs, String images, DatasetColumns columns, List<String> splits,
                          Integer limit, String output, WriteMode mode, boolean resume, ModelSettings model, Set<Task> tasks,
                          Integer partitions, String predictions, String maskPredictions, PredictionColumns predictionColumns) {

    public EvalOptions {
        boolean refer = instances != null || refs != null || images != null;
        if (dataset == null && !refer) {
            throw new IllegalArgumentException("no dataset: give --dataset TABLE (lmms-eval layout) or --instances, --refs and --images (refer layout)");
        }
        if (dataset != null && refer) throw new IllegalArgumentException("--dataset and --instances/--refs/--images are two layouts: give one");
        if (refer && (instances == null || refs == null || images == null)) {
            throw new IllegalArgumentException("the refer layout needs all of --instances, --refs and --images");
        }
        if (output == null || output.isBlank()) throw new IllegalArgumentException("--output is required");
        boolean scoring = predictions != null || maskPredictions != null;
        if (scoring && model != null) {
            throw new IllegalArgumentException("--predictions scores existing predictions: give no --model (or run the model without --predictions)");
        }
        if (!scoring && model == null) throw new IllegalArgumentException("give --model and --mmproj to run a model, or --predictions to score a table");
        if (mode == null) mode = WriteMode.ERROR;
        if (resume && mode == WriteMode.OVERWRITE) {
            throw new IllegalArgumentException("--resume keeps what --output holds; it cannot be combined with --mode overwrite, which deletes it");
        }
        if (resume && scoring) throw new IllegalArgumentException("--resume continues a model run; scoring --predictions has nothing to resume");
        if (columns == null) columns = DatasetColumns.LMMS_EVAL;
        splits = splits == null ? List.of() : List.copyOf(splits);
        if (limit != null && limit < 1) throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        if (partitions != null && partitions < 1) throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        tasks = tasks == null ? Set.of() : Set.copyOf(tasks);
        if (scoring && !tasks.isEmpty()) throw new IllegalArgumentException("--tasks chooses what a model run asks; scoring --predictions runs no model");
        for (Task t : tasks) {
            if (t != Task.GROUND && t != Task.SEGMENT) throw new IllegalArgumentException("--tasks takes ground and segment, not " + t.id);
        }
        if (predictionColumns == null) predictionColumns = PredictionColumns.LOUPE;
    }

    boolean runsModel() {
        return model != null;
    }

    boolean referLayout() {
        return dataset == null;
    }
}
