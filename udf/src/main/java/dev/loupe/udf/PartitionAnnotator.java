package dev.loupe.udf;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;

/**
 * The annotate job's path through one partition: requests in ({@code image_id}, {@code image}
 * bytes or {@code image_path}, {@code task}, {@code prompt}), rows of
 * {@link AnnotationSchema#rowType()} out, one per request, in order.
 *
 * <p>Why a partition function rather than the SQL UDF: it sees the row's id (sampling is seeded
 * from it), updates the run's {@link LoupeMetrics} and is the place where several rows of a task
 * will be kept in flight once the engine can batch across requests. Rows are produced lazily, one
 * request at a time, so a partition never holds more than one image in memory.
 */
public final class PartitionAnnotator implements MapPartitionsFunction<Row, Row> {
    public static final String IMAGE = "image";
    public static final String IMAGE_PATH = "image_path";

    private static final StructType OUTPUT = AnnotationSchema.rowType();

    private final AnnotatorSpec spec;
    private final LoupeMetrics metrics;
    private final boolean byPath;

    /**
     * @param byPath true when requests carry {@code image_path} (read through Hadoop's FileSystem
     *               on the executor), false when they carry the bytes in {@code image}
     */
    public PartitionAnnotator(AnnotatorSpec spec, LoupeMetrics metrics, boolean byPath) {
        this.spec = spec;
        this.metrics = metrics;
        this.byPath = byPath;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> requests) {
        RowAnnotator annotator = new RowAnnotator(spec);
        if (spec.maxBatch() > 1) return windowed(annotator, requests);
        return new Iterator<>() {
            private boolean reported;

            @Override
            public boolean hasNext() {
                boolean more = requests.hasNext();
                if (!more && !reported) {
                    reported = true;
                    reportModelLoads();
                }
                return more;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return annotate(annotator, requests.next());
            }
        };
    }

    /**
     * With batching on, keeps up to {@code maxBatch} rows of this task in flight on the
     * executor's scheduler (rows of other tasks share its decode steps) and emits results in
     * input order.
     */
    private Iterator<Row> windowed(RowAnnotator annotator, Iterator<Row> requests) {
        java.util.ArrayDeque<String> ids = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<RowAnnotator.Pending> window = new java.util.ArrayDeque<>();
        return new Iterator<>() {
            private boolean reported;

            private void fill() {
                while (window.size() < spec.maxBatch() && requests.hasNext()) {
                    Row request = requests.next();
                    ids.add(request.getAs(AnnotationSchema.IMAGE_ID));
                    window.add(submit(annotator, request));
                }
            }

            @Override
            public boolean hasNext() {
                fill();
                boolean more = !window.isEmpty();
                if (!more && !reported) {
                    reported = true;
                    reportModelLoads();
                }
                return more;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return toOutput(ids.poll(), window.poll().row());
            }
        };
    }

    private RowAnnotator.Pending submit(RowAnnotator annotator, Row request) {
        String id = request.getAs(AnnotationSchema.IMAGE_ID);
        String task = request.getAs("task");
        String prompt = request.getAs("prompt");
        if (byPath) {
            String path = request.getAs(IMAGE_PATH);
            return annotator.submit(id, () -> ImageFiles.read(path), task, prompt);
        }
        byte[] image = request.getAs(IMAGE);
        return annotator.submit(id, () -> image, task, prompt);
    }

    private Row toOutput(String id, Row result) {
        metrics.recordRow(result);
        Object[] values = new Object[OUTPUT.size()];
        values[0] = id;
        for (int i = 0; i < result.size(); i++) values[i + 1] = result.get(i);
        return new GenericRowWithSchema(values, OUTPUT);
    }

    private Row annotate(RowAnnotator annotator, Row request) {
        String id = request.getAs(AnnotationSchema.IMAGE_ID);
        String task = request.getAs("task");
        String prompt = request.getAs("prompt");
        Row result;
        if (byPath) {
            String path = request.getAs(IMAGE_PATH);
            result = annotator.annotate(id, () -> ImageFiles.read(path), task, prompt);
        } else {
            byte[] image = request.getAs(IMAGE);
            result = annotator.annotate(id, () -> image, task, prompt);
        }
        return toOutput(id, result);
    }

    private void reportModelLoads() {
        SparkEnv env = SparkEnv.get();
        if (env != null) metrics.recordModelLoads(env.executorId(), ModelCache.shared().loadCount(spec.key()));
    }
}
