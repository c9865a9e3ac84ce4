package dev.loupe.job.eval;

import dev.loupe.engine.eval.BoxResult;
import dev.loupe.engine.eval.CocoPolygons;
import dev.loupe.engine.eval.MaskResult;
import dev.loupe.engine.eval.Outcome;
import dev.loupe.engine.eval.PixelBox;
import dev.loupe.engine.eval.RleMasks;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.udf.ImageFiles;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;

/**
 * Scores one sample: its ground truth (a row of {@link ReferringSamples}) against the prediction
 * rows joined to it ({@link PredictionTable}), into a row of schemas/evaluation.avsc. Each
 * problem — a malformed ground truth, no prediction, a failed row, an answer without a box, a
 * mask of the wrong size — is that sample's outcome, with the reason in {@code box_problem} or
 * {@code mask_problem}; nothing here fails the job.
 */
final class SampleScorer implements MapFunction<Row, Row> {
    static final String BOX_PREDICTIONS = "box_predictions";
    static final String MASK_PREDICTIONS = "mask_predictions";
    private static final StructType OUT = EvaluationSchema.rowType();
    private static final StructType BOX = (StructType) OUT.apply("truth_box").dataType();
    private static final StructType MASK = (StructType) OUT.apply("truth_mask").dataType();

    private final boolean boxes;
    private final boolean masks;

    /** Scores boxes and/or masks; the input carries {@link #BOX_PREDICTIONS} and/or {@link #MASK_PREDICTIONS} accordingly. */
    SampleScorer(boolean boxes, boolean masks) {
        this.boxes = boxes;
        this.masks = masks;
    }

    @Override
    public Row call(Row r) {
        Object[] v = new Object[OUT.size()];
        set(v, "sample_id", r.getAs(ReferringSamples.SAMPLE_ID));
        set(v, "image_id", r.getAs(ReferringSamples.IMAGE_ID));
        set(v, "split", r.getAs(ReferringSamples.SPLIT));
        set(v, "expression", r.getAs(ReferringSamples.EXPRESSION));
        if (boxes) scoreBox(r, v);
        if (masks && hasMask(r)) scoreMask(r, v);
        return new GenericRowWithSchema(v, OUT);
    }

    private void scoreBox(Row r, Object[] v) {
        PixelBox truth = null;
        String bad = null;
        List<Double> bbox = listOrNull(r, ReferringSamples.BBOX);
        if (bbox == null) {
            bad = "no ground-truth box";
        } else if (bbox.size() != 4 || bbox.contains(null)) {
            bad = "ground-truth bbox " + bbox + " is not four numbers [x, y, width, height]";
        } else {
            truth = PixelBox.fromXywh(bbox.get(0), bbox.get(1), bbox.get(2), bbox.get(3));
            if (!truth.isFinite()) bad = "ground-truth bbox " + bbox + " has a coordinate that is not a number";
            else if (bbox.get(2) < 0 || bbox.get(3) < 0) bad = "ground-truth bbox " + bbox + " has a negative width or height";
        }
        BoxResult result;
        PixelBox predicted = null;
        Row prediction = null;
        if (bad != null) {
            result = BoxResult.miss(Outcome.BAD_TRUTH, bad);
        } else {
            List<Row> rows = listOrNull(r, BOX_PREDICTIONS);
            String problem = predictionProblem(rows);
            if (problem != null) {
                result = BoxResult.miss(rows == null ? Outcome.MISSING : Outcome.ERROR, problem);
            } else {
                prediction = rows.getFirst();
                List<Double> box = listOrNull(prediction, "box");
                if (prediction.getAs("error") != null) {
                    result = BoxResult.miss(Outcome.ERROR, prediction.getAs("error"));
                } else if (box == null) {
                    String parse = prediction.getAs("parse_error");
                    result = BoxResult.miss(Outcome.UNPARSED, parse != null ? parse : "no box in the prediction");
                } else if (box.size() != 4 || box.contains(null) || !new PixelBox(box.get(0), box.get(1), box.get(2), box.get(3)).isFinite()) {
                    result = BoxResult.miss(Outcome.UNPARSED, "predicted box " + box + " is not four numbers");
                } else {
                    predicted = new PixelBox(box.get(0), box.get(1), box.get(2), box.get(3));
                    result = BoxResult.scored(truth, predicted);
                }
            }
        }
        set(v, "truth_box", truth == null ? null : box(truth));
        set(v, "predicted_box", predicted == null ? null : box(predicted));
        set(v, "box_outcome", result.outcome().id());
        set(v, "box_iou", result.iou());
        String[] hits = {"hit_0_1", "hit_0_3", "hit_0_5", "hit_0_7", "hit_0_9"};
        for (int i = 0; i < hits.length; i++) set(v, hits[i], result.hitAt(BoxResult.THRESHOLDS[i]));
        set(v, "centre_hit", result.centreHit());
        set(v, "box_problem", result.problem());
        set(v, "answer", prediction == null ? null : prediction.getAs("text"));
    }

    private void scoreMask(Row r, Object[] v) {
        List<Row> rows = listOrNull(r, MASK_PREDICTIONS);
        Row prediction = rows != null && rows.size() == 1 ? rows.getFirst() : null;
        int[] truth;
        int height, width;
        MaskResult result;
        int[] predicted = null;
        try {
            Row rle = r.getAs(ReferringSamples.TRUTH_RLE);
            if (rle != null) {
                height = rle.<Integer>getAs("height");
                width = rle.<Integer>getAs("width");
                truth = CocoRle.parse(rle.getAs("counts"));
                if (RleMasks.pixels(truth) != (long) height * width) {
                    throw new IllegalArgumentException("ground-truth RLE covers " + RleMasks.pixels(truth) + " pixels, not " + width + "x" + height);
                }
            } else {
                int[] size = imageSize(r, prediction);
                width = size[0];
                height = size[1];
                List<Object> polygons = listOrNull(r, ReferringSamples.POLYGONS);
                List<double[]> xy = new ArrayList<>();
                for (Object element : polygons) {
                    List<Double> p = element == null ? null : asList(element);
                    if (p == null || p.contains(null)) throw new IllegalArgumentException("ground-truth polygon " + p + " is not a list of numbers");
                    xy.add(p.stream().mapToDouble(Double::doubleValue).toArray());
                }
                truth = CocoPolygons.toRle(xy, height, width);
            }
        } catch (IllegalArgumentException e) {
            result = MaskResult.miss(Outcome.BAD_TRUTH, null, "ground-truth mask: " + e.getMessage());
            writeMask(v, null, 0, 0, null, result, prediction);
            return;
        }
        String problem = predictionProblem(rows);
        if (problem != null) {
            result = MaskResult.miss(rows == null ? Outcome.MISSING : Outcome.ERROR, truth, problem);
        } else if (prediction.getAs("error") != null) {
            result = MaskResult.miss(Outcome.ERROR, truth, prediction.getAs("error"));
        } else {
            List<Row> masks = listOrNull(prediction, "masks");
            if (masks == null || masks.isEmpty()) {
                String parse = prediction.getAs("parse_error");
                result = MaskResult.miss(Outcome.UNPARSED, truth, parse != null ? parse : "no mask in the prediction");
            } else {
                try {
                    predicted = union(masks, height, width);
                    result = MaskResult.scored(truth, predicted);
                } catch (IllegalArgumentException e) {
                    result = MaskResult.miss(Outcome.ERROR, truth, "predicted mask: " + e.getMessage());
                    predicted = null;
                }
            }
        }
        writeMask(v, truth, height, width, predicted, result, prediction);
    }

    private static void writeMask(Object[] v, int[] truth, int height, int width, int[] predicted, MaskResult result, Row prediction) {
        set(v, "truth_mask", truth == null ? null : new GenericRowWithSchema(new Object[] {height, width, CocoRle.toString(truth)}, MASK));
        set(v, "predicted_mask", predicted == null ? null : new GenericRowWithSchema(new Object[] {height, width, CocoRle.toString(predicted)}, MASK));
        set(v, "mask_outcome", result.outcome().id());
        set(v, "mask_iou", result.outcome() == Outcome.BAD_TRUTH ? null : result.iou());
        set(v, "mask_intersection", result.overlap() == null ? null : result.overlap().intersection());
        set(v, "mask_union", result.overlap() == null ? null : result.overlap().union());
        set(v, "mask_problem", result.problem());
        set(v, "mask_answer", prediction == null ? null : prediction.getAs("text"));
    }

    /** The union of a prediction's masks, each of which must be of the image's size. */
    private static int[] union(List<Row> masks, int height, int width) {
        int[][] counts = new int[masks.size()][];
        for (int i = 0; i < counts.length; i++) {
            Row m = masks.get(i);
            Integer h = m.getAs("height"), w = m.getAs("width");
            String c = m.getAs("counts");
            if (h == null || w == null || c == null) throw new IllegalArgumentException("a mask without height, width or counts");
            if (h != height || w != width) throw new IllegalArgumentException("a " + w + "x" + h + " mask for a " + width + "x" + height + " image");
            counts[i] = CocoRle.parse(c);
            if (RleMasks.pixels(counts[i]) != (long) height * width) {
                throw new IllegalArgumentException("RLE of " + RleMasks.pixels(counts[i]) + " pixels for a " + width + "x" + height + " image");
            }
        }
        return counts.length == 1 ? counts[0] : RleMasks.union(counts, height, width);
    }

    /**
     * The image's width and height for rasterizing ground-truth polygons: the dataset's (or, for
     * images held as bytes, their header's, read before the join), else the prediction's (the
     * model decoded the image), else the header of the image file.
     */
    private static int[] imageSize(Row r, Row prediction) {
        Integer w = r.getAs(ReferringSamples.WIDTH), h = r.getAs(ReferringSamples.HEIGHT);
        if (w != null && h != null) return new int[] {w, h};
        if (prediction != null && prediction.getAs("image_width") != null && prediction.getAs("image_height") != null) {
            return new int[] {prediction.<Integer>getAs("image_width"), prediction.<Integer>getAs("image_height")};
        }
        String path = r.getAs(ReferringSamples.IMAGE_PATH);
        int[] size = path == null ? null : ImageHeaders.size(ImageFiles.read(path));
        if (size == null) throw new IllegalArgumentException("the image's size is unknown: its header does not read as an image");
        return size;
    }

    /** Why the joined prediction rows cannot be scored as one prediction, or null. */
    private static String predictionProblem(List<Row> rows) {
        if (rows == null || rows.isEmpty()) return "no prediction for this sample";
        if (rows.size() > 1) return rows.size() + " predictions for this sample; one expected";
        return null;
    }

    private static boolean hasMask(Row r) {
        return r.getAs(ReferringSamples.POLYGONS) != null || r.getAs(ReferringSamples.TRUTH_RLE) != null;
    }

    private static Row box(PixelBox b) {
        return new GenericRowWithSchema(new Object[] {b.x0(), b.y0(), b.x1(), b.y1()}, BOX);
    }

    private static <T> List<T> listOrNull(Row r, String field) {
        int i = r.fieldIndex(field);
        return r.isNullAt(i) ? null : asList(r.get(i));
    }

    /** A Spark array value (a Scala sequence in rows Spark made, a Java list in rows made by hand) as a Java list. */
    @SuppressWarnings("unchecked")
    private static <T> List<T> asList(Object value) {
        if (value instanceof scala.collection.Seq<?> s) return (List<T>) scala.jdk.javaapi.CollectionConverters.asJava(s);
        return (List<T>) value;
    }

    private static void set(Object[] v, String field, Object value) {
        v[OUT.fieldIndex(field)] = value;
    }
}
