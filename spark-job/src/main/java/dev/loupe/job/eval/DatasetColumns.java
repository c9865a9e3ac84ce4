package dev.loupe.job.eval;

/**
 * Column names of a referring-expression table in the layout of lmms-eval's RefCOCO, RefCOCO+
 * and RefCOCOg datasets (Hugging Face {@code lmms-lab/RefCOCO}, {@code lmms-lab/RefCOCOplus},
 * {@code lmms-lab/RefCOCOg}), which are the defaults: {@code question_id}, {@code image} (the
 * Hugging Face Image feature: a struct of {@code bytes} and {@code path}), {@code answer} (the
 * referring expressions of the object, a list: one sample each, as lmms-eval explodes them),
 * {@code bbox} (COCO {@code [x, y, w, h]} pixels), {@code segmentation} (one flat polygon
 * {@code [x1, y1, x2, y2, ...]}) and {@code file_name}. The split is the Parquet file's name
 * prefix ({@code val-00000-of-00004.parquet} is {@code val}) unless a split column exists.
 * ({@code question} is the instruction of lmms-eval's region-captioning task, not an expression.)
 *
 * @param image        image bytes (binary), a Hugging Face Image struct with {@code bytes}, or a path
 * @param expression   the referring expression: a string, or a list of them
 * @param bbox         the ground-truth box, {@code [x, y, w, h]} in pixels
 * @param segmentation the ground-truth mask: one flat polygon, or a list of them; optional
 * @param sampleId     the row's id; with a list of expressions the k-th sample is {@code id#k}
 * @param imageId      the image's id; when absent, the image path or the sha256 of its bytes
 * @param split        the split; when absent, taken from the file name
 */
public record DatasetColumns(String image, String expression, String bbox, String segmentation, String sampleId, String imageId,
                             String split) {
    public static final DatasetColumns LMMS_EVAL = new DatasetColumns("image", "answer", "bbox", "segmentation", "question_id", "file_name", "split");

    public DatasetColumns {
        image = orDefault(image, "image");
        expression = orDefault(expression, "answer");
        bbox = orDefault(bbox, "bbox");
        segmentation = orDefault(segmentation, "segmentation");
        sampleId = orDefault(sampleId, "question_id");
        imageId = orDefault(imageId, "file_name");
        split = orDefault(split, "split");
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
