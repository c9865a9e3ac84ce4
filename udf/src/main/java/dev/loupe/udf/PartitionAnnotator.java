package dev.loupe.udf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The annotate job's path through one partition: requests in ({@code image_id}, {@code image}
 * bytes or {@code image_path}, {@code task}, {@code prompt}, optionally per-row limits,
 * {@code categories} and candidate {@code labels}), each row's columns read into one
 * {@link RowRequest}; rows of {@link AnnotationSchema#rowType()} out, one per request, in order.
 * The ML stage's rows take the same path ({@link #appending}): the caller's columns, the request
 * in a struct among them, and the result struct in its place out.
 *
 * <p>Why a partition function rather than the SQL UDF: it sees the row's id (sampling is seeded
 * from it), updates the run's {@link LoupeMetrics} and keeps several rows of a task in flight on
 * the executor's batch scheduler ({@code spark.loupe.maxBatch}, batching by default where the
 * model's batched rows equal rows decoded alone). Rows are produced lazily, so a partition holds
 * at most that many images in memory.
 */
public final class PartitionAnnotator implements MapPartitionsFunction<Row, Row> {
    public static final String IMAGE = "image";
    public static final String IMAGE_PATH = "image_path";
    /** Optional request column: the row's idefics3 resolution cap in pixels (null or 0: none). */
    public static final String MAX_LONGEST_EDGE = "max_longest_edge";
    /** Optional request column: the row's image-token cap for dynamic-resolution models (null or 0: none). */
    public static final String MAX_IMAGE_TOKENS = "max_image_tokens";
    /** Optional request column: the categories the row names (array of strings; null: none), read when the requests have it. */
    public static final String CATEGORIES = "categories";
    /**
     * Optional request column: the classify task's candidate labels for the row (array of strings;
     * null: none). Read when the requests have it, whatever the flags.
     */
    public static final String LABELS = "labels";

    private final AnnotatorSpec spec;
    private final LoupeMetrics metrics;
    private final boolean byPath;
    private final boolean withLimits;
    private final RowLayout layout;

    public PartitionAnnotator(AnnotatorSpec spec, LoupeMetrics metrics, boolean byPath) {
        this(spec, metrics, byPath, false);
    }

    /**
     * @param byPath     true when requests carry {@code image_path} (read through Hadoop's FileSystem
     *                   on the executor), false when they carry the bytes in {@code image}
     * @param withLimits true when requests carry {@link #MAX_LONGEST_EDGE} and {@link #MAX_IMAGE_TOKENS}
     */
    public PartitionAnnotator(AnnotatorSpec spec, LoupeMetrics metrics, boolean byPath, boolean withLimits) {
        this(spec, metrics, byPath, withLimits, new RowLayout.JobRows());
    }

    private PartitionAnnotator(AnnotatorSpec spec, LoupeMetrics metrics, boolean byPath, boolean withLimits, RowLayout layout) {
        this.spec = spec;
        this.metrics = metrics;
        this.byPath = byPath;
        this.withLimits = withLimits;
        this.layout = layout;
    }

    /**
     * The same path for rows of the caller's own table (the ML {@code LoupeAnnotator}): each row
     * keeps its request as a struct in column {@code requestColumn} of {@code input} (the request
     * columns above, without per-row limits), and comes out as its own columns, that one replaced by
     * the result struct ({@link AnnotationSchema#resultType()}) named {@code outputColumn}. No
     * accumulators: like the SQL functions, such a run writes no job summary.
     */
    public static PartitionAnnotator appending(AnnotatorSpec spec, boolean byPath, StructType input, String requestColumn,
                                               String outputColumn) {
        return new PartitionAnnotator(spec, null, byPath, false, new RowLayout.AppendedResult(input, requestColumn, outputColumn));
    }

    /** The rows this function writes for {@link #appending} rows of {@code input}: the caller's encoder takes it. */
    public static StructType appendedSchema(StructType input, String requestColumn, String outputColumn) {
        return new RowLayout.AppendedResult(input, requestColumn, outputColumn).schema();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> requests) {
        return windowed(new RowAnnotator(spec), requests, spec.window());
    }

    /**
     * Keeps up to {@code window} rows of this task in flight — on the executor's batch
     * scheduler when batching is on, where rows of other tasks share its decode steps — and
     * emits results in input order. A window of 1 annotates one row at a time. Consecutive rows
     * of one image (same id, same image, same limits: the job's {@code --tasks} writes one row per
     * image and task, side by side) start together, so the image is read and encoded once for them.
     */
    private Iterator<Row> windowed(RowAnnotator annotator, Iterator<Row> requests, int window) {
        ArrayDeque<Row> inputs = new ArrayDeque<>();
        ArrayDeque<RowAnnotator.Pending> inFlight = new ArrayDeque<>();
        return new Iterator<>() {
            private boolean reported;
            private Row lookahead;

            private Row nextRequest() {
                if (lookahead != null) {
                    Row r = lookahead;
                    lookahead = null;
                    return r;
                }
                return requests.hasNext() ? requests.next() : null;
            }

            private void fill() {
                while (inFlight.size() < window) {
                    Row first = nextRequest();
                    if (first == null) return;
                    List<Row> group = new ArrayList<>(List.of(layout.request(first)));
                    inputs.add(first);
                    for (Row r; (r = nextRequest()) != null; ) {
                        if (!sameImage(group.getFirst(), layout.request(r))) {
                            lookahead = r;
                            break;
                        }
                        group.add(layout.request(r));
                        inputs.add(r);
                    }
                    inFlight.addAll(start(annotator, group));
                }
            }

            @Override
            public boolean hasNext() {
                fill();
                boolean more = !inFlight.isEmpty();
                if (!more && !reported) {
                    reported = true;
                    reportModelLoads();
                }
                return more;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                Row result = inFlight.poll().row();
                if (metrics != null) metrics.recordRow(result);
                return layout.output(inputs.poll(), result);
            }
        };
    }

    /** Whether two requests ask about the same image, seen within the same limits: they may share one encode. */
    private boolean sameImage(Row a, Row b) {
        String id = a.getAs(AnnotationSchema.IMAGE_ID);
        if (id == null || !id.equals(b.getAs(AnnotationSchema.IMAGE_ID))) return false;
        if (withLimits && !(Objects.equals(a.getAs(MAX_LONGEST_EDGE), b.getAs(MAX_LONGEST_EDGE))
                && Objects.equals(a.getAs(MAX_IMAGE_TOKENS), b.getAs(MAX_IMAGE_TOKENS)))) {
            return false;
        }
        if (byPath) return Objects.equals(a.getAs(IMAGE_PATH), b.getAs(IMAGE_PATH));
        byte[] x = a.getAs(IMAGE), y = b.getAs(IMAGE);
        return x == y || x != null && Arrays.equals(x, y);
    }

    /** Starts the requests of one image: read (and, where the model can, encoded) once for all of them. */
    private List<RowAnnotator.Pending> start(RowAnnotator annotator, List<Row> group) {
        Row first = group.getFirst();
        String id = first.getAs(AnnotationSchema.IMAGE_ID);
        List<RowRequest> asked = new ArrayList<>();
        for (Row request : group) asked.add(rowRequest(request));
        if (byPath) {
            String path = first.getAs(IMAGE_PATH);
            return annotator.startAll(id, () -> ImageFiles.read(path), asked, true);
        }
        byte[] image = first.getAs(IMAGE);
        return annotator.startAll(id, () -> image, asked, true);
    }

    private RowRequest rowRequest(Row request) {
        String task = request.getAs("task");
        String prompt = request.getAs("prompt");
        Integer maxLongestEdge = withLimits ? request.getAs(MAX_LONGEST_EDGE) : null;
        Integer maxImageTokens = withLimits ? request.getAs(MAX_IMAGE_TOKENS) : null;
        return new RowRequest(task, prompt, strings(request, CATEGORIES), strings(request, LABELS), maxLongestEdge, maxImageTokens);
    }

    /**
     * A request column of strings ({@link #CATEGORIES}, {@link #LABELS}), when the requests have
     * it (the eval job's have neither); null for a row without.
     */
    private static List<String> strings(Row request, String column) {
        if (request.schema() == null || request.schema().getFieldIndex(column).isEmpty()) return null;
        int i = request.fieldIndex(column);
        return request.isNullAt(i) ? null : request.getList(i);
    }

    private void reportModelLoads() {
        SparkEnv env = SparkEnv.get();
        if (env != null && metrics != null) metrics.recordModelLoads(env.executorId(), ModelCache.shared().loadCount(spec.key()));
    }
}
