package dev.loupe.job.coco;

/**
 * COCO's keypoint visibility flag for a model's visibility: 2 (labelled and visible) at 0.5 or
 * more — the threshold the Youtu-VL demo draws with — or when the model gave none (it placed the
 * joint, nothing says it is hidden); 1 (labelled, not visible) below 0.5. COCO's 0 (not labelled)
 * never occurs: every keypoint a model writes has a place.
 */
final class CocoKeypoints {
    static final float VISIBLE = 0.5f;

    private CocoKeypoints() {}

    static int visibility(Float modelVisibility) {
        return modelVisibility == null || modelVisibility >= VISIBLE ? 2 : 1;
    }
}
