package dev.loupe.engine.task;

import java.util.List;

/**
 * What Loupe writes for one image: the model's text and, for tasks that produce them, boxes,
 * points, a count and masks (fields a task does not produce are null). Box and point
 * coordinates are pixels of the original image. Mirrors schemas/annotation.avsc.
 *
 * @param task            the task that was run
 * @param prompt          the prompt that was sent (after defaults)
 * @param text            the model's answer, special tokens removed
 * @param boxes           detected or grounded boxes, or null
 * @param points          points, or null
 * @param count           object count, or null
 * @param masks           masks as COCO RLE, or null
 * @param imageWidth      width of the decoded image
 * @param imageHeight     height of the decoded image
 * @param promptTokens    tokens in the prompt, image embeddings included
 * @param generatedTokens tokens generated
 * @param finishReason    "stop" (end-of-generation token), "grammar" (constrained decoding: a whole answer of its grammar) or "length" (token limit)
 * @param stages          where the engine spent its time on this image, or null when unknown
 * @param parseError      what in the answer did not parse into boxes, masks or keypoints (tasks that parse it), or null
 * @param keypoints       persons with their keypoints (the pose task), or null
 * @param depth           a depth map (the depth task), or null
 * @param confidence      how sure the model was of its answer's tokens, or null when unknown
 * @param labels          the classify task's candidate labels with their probabilities, most probable first; null for other tasks
 */
public record Annotation(
        String task,
        String prompt,
        String text,
        List<Box> boxes,
        List<Point> points,
        Integer count,
        List<Mask> masks,
        int imageWidth,
        int imageHeight,
        int promptTokens,
        int generatedTokens,
        String finishReason,
        Stages stages,
        String parseError,
        List<Person> keypoints,
        Depth depth,
        Confidence confidence,
        List<Label> labels) {

    /** An annotation without candidate labels (every task but classify). */
    public Annotation(String task, String prompt, String text, List<Box> boxes, List<Point> points, Integer count,
                      List<Mask> masks, int imageWidth, int imageHeight, int promptTokens, int generatedTokens,
                      String finishReason, Stages stages, String parseError, List<Person> keypoints, Depth depth,
                      Confidence confidence) {
        this(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, stages, parseError, keypoints, depth, confidence, null);
    }

    /** An annotation without a known confidence. */
    public Annotation(String task, String prompt, String text, List<Box> boxes, List<Point> points, Integer count,
                      List<Mask> masks, int imageWidth, int imageHeight, int promptTokens, int generatedTokens,
                      String finishReason, Stages stages, String parseError, List<Person> keypoints, Depth depth) {
        this(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, stages, parseError, keypoints, depth, null);
    }

    /** This annotation with {@code confidence}. */
    public Annotation withConfidence(Confidence confidence) {
        return new Annotation(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, stages, parseError, keypoints, depth, confidence, labels);
    }

    /** This annotation with the classify task's {@code labels}. */
    public Annotation withLabels(List<Label> labels) {
        return new Annotation(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, stages, parseError, keypoints, depth, confidence, labels);
    }

    /** An annotation of a task without keypoints or depth. */
    public Annotation(String task, String prompt, String text, List<Box> boxes, List<Point> points, Integer count,
                      List<Mask> masks, int imageWidth, int imageHeight, int promptTokens, int generatedTokens,
                      String finishReason, Stages stages, String parseError) {
        this(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, stages, parseError, null, null);
    }

    /** An annotation whose answer parsed in full, or was not parsed (free-text tasks). */
    public Annotation(String task, String prompt, String text, List<Box> boxes, List<Point> points, Integer count,
                      List<Mask> masks, int imageWidth, int imageHeight, int promptTokens, int generatedTokens,
                      String finishReason, Stages stages) {
        this(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, stages, null);
    }

    /** An annotation without stage times (annotators that do not measure them). */
    public Annotation(String task, String prompt, String text, List<Box> boxes, List<Point> points, Integer count,
                      List<Mask> masks, int imageWidth, int imageHeight, int promptTokens, int generatedTokens,
                      String finishReason) {
        this(task, prompt, text, boxes, points, count, masks, imageWidth, imageHeight, promptTokens, generatedTokens,
                finishReason, null);
    }

    /**
     * The engine's work on one image, by stage.
     *
     * @param imagePositions prompt positions taken by image embeddings
     * @param encodeSeconds  image decoding, preprocessing, vision encoder and projector
     * @param prefillSeconds the prompt through the text model, up to the first token
     * @param decodeSeconds  the decode steps (this image's share of steps batched with others)
     */
    public record Stages(int imagePositions, double encodeSeconds, double prefillSeconds, double decodeSeconds) {}

    /** An axis-aligned box in original-image pixels, x0,y0 top-left, x1,y1 bottom-right. */
    public record Box(String label, float x0, float y0, float x1, float y1, Float score) {}

    /** A point in original-image pixels. */
    public record Point(String label, float x, float y) {}

    /** A person's box and keypoints in original-image pixels. */
    public record Person(float x0, float y0, float x1, float y1, List<Keypoint> points) {}

    /** A named keypoint in original-image pixels; {@code visibility} as the model gives it, or null. */
    public record Keypoint(String name, float x, float y, Float visibility) {}

    /**
     * The answer's token log-probabilities (natural log) summed up: their mean, and the least
     * (the model's least sure step). Either is null for an empty answer.
     */
    public record Confidence(Float meanLogprob, Float minLogprob) {}

    /**
     * A depth map: one unsigned 16-bit code (0..65535) per cell of a {@code gridHeight x gridWidth}
     * grid over the original image, row-major, as the model gives it (Youtu-VL: 16x16-pixel cells).
     */
    public record Depth(int gridHeight, int gridWidth, int[] codes) {
        public Depth {
            if (codes.length != gridHeight * gridWidth) {
                throw new IllegalArgumentException(codes.length + " depth codes for a " + gridWidth + "x" + gridHeight + " grid");
            }
        }
    }

    /** A candidate label of the classify task and its probability among the candidates (they add up to 1). */
    public record Label(String label, float probability) {}

    /** A binary mask as COCO compressed RLE (column-major run lengths, "counts" string). */
    public record Mask(String label, int height, int width, String counts) {}
}
