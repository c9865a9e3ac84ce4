package dev.loupe.udf.ml;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import dev.loupe.engine.task.Task;
import dev.loupe.udf.AnnotationSchema;
import dev.loupe.udf.PartitionAnnotator;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * What a {@link LoupeAnnotator} asks of every row, as the annotate job asks it: the tasks of its
 * {@code tasks} param (one request per image and task, side by side, so the image is encoded once
 * for them), its prompt, categories and candidate labels; built as the request struct
 * {@link PartitionAnnotator#appending} reads.
 *
 * @param tasks      task names, trimmed, lower-cased and known (the engine's ids), at least one
 * @param prompt     the prompt of every row, or null for each task's own
 * @param categories categories for detect, count, point and semantic; empty for none
 * @param labels     classify's candidate labels; empty for none
 */
record AnnotationRequests(List<String> tasks, String prompt, List<String> categories, List<String> labels) {

    AnnotationRequests {
        tasks = List.copyOf(tasks);
        categories = cleaned(categories).toList();
        labels = cleaned(labels).distinct().toList();
    }

    /**
     * The {@code tasks} param's names, as the job reads {@code --tasks}: comma-separated, trimmed and
     * lower-cased, blank ones and repeats dropped, none left meaning caption. Unlike the job, where a
     * row's unknown task is that row's error, an unknown name here is a setting of the stage and
     * fails at once, naming it.
     */
    static List<String> parseTasks(String tasks) {
        List<String> names = Arrays.stream(tasks == null ? new String[0] : tasks.split(","))
                .map(t -> t.strip().toLowerCase(Locale.ROOT)).filter(t -> !t.isEmpty()).distinct().toList();
        for (String name : names) Task.parse(name);
        return names.isEmpty() ? List.of(Task.CAPTION.id) : names;
    }

    /**
     * The request struct of each row: one of them for one task, else an explode of one per task
     * (the caller's row repeated, once per task, in the order given).
     *
     * @param id     the row's id, which seeds its sampling as the job's {@code image_id} does
     * @param image  the image bytes, or a path to them when {@code byPath}
     */
    Column column(Column id, Column image, boolean byPath) {
        Column[] perTask = tasks.stream().map(t -> request(id, image, byPath, t)).toArray(Column[]::new);
        return perTask.length == 1 ? perTask[0] : explode(array(perTask));
    }

    private Column request(Column id, Column image, boolean byPath, String task) {
        return struct(id.cast(DataTypes.StringType).as(AnnotationSchema.IMAGE_ID),
                image.as(byPath ? PartitionAnnotator.IMAGE_PATH : PartitionAnnotator.IMAGE),
                lit(task).as("task"),
                lit(prompt).cast(DataTypes.StringType).as("prompt"),
                strings(categoriesFor(task)).as(PartitionAnnotator.CATEGORIES),
                strings(labels).as(PartitionAnnotator.LABELS));
    }

    /**
     * The job's rule: categories go to every task when there is one (a task that takes none then
     * refuses them in its row's error), and only to the tasks that take them among several.
     */
    private List<String> categoriesFor(String task) {
        return tasks.size() <= 1 || Task.parse(task).takesCategories() ? categories : List.of();
    }

    private static Column strings(List<String> values) {
        if (values.isEmpty()) return lit(null).cast(DataTypes.createArrayType(DataTypes.StringType));
        return array(values.stream().map(functions::lit).toArray(Column[]::new));
    }

    /** As the job's --categories and --labels: stripped, blank ones dropped (and repeated labels, by the caller). */
    private static java.util.stream.Stream<String> cleaned(List<String> values) {
        return values == null ? java.util.stream.Stream.empty() : values.stream().map(String::strip).filter(v -> !v.isEmpty());
    }
}
