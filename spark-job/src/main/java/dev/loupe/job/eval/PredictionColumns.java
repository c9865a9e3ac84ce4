package dev.loupe.job.eval;

/**
 * How to read a predictions table ({@code --predictions}). The defaults read Loupe's own
 * annotation output (schemas/annotation.avsc) of an eval run, whose {@code image_id} is the
 * sample id; any other table works with its columns named.
 *
 * @param id         the column matched with the sample id, or, with {@code expression}, with the image id
 * @param expression null to match {@code id} with sample ids; else the column matched, with {@code id},
 *                   against each sample's image id and expression
 * @param box        the predicted box: Loupe's list of boxes (the first is scored), a struct of x0, y0, x1, y1,
 *                   or a list of four numbers
 * @param boxFormat  how four numbers are laid out: xyxy (corners) or xywh (COCO)
 * @param mask       the predicted mask: Loupe's list of masks (their union is scored) or one struct of
 *                   height, width and COCO RLE counts
 */
public record PredictionColumns(String id, String expression, String box, BoxFormat boxFormat, String mask) {
    public static final PredictionColumns LOUPE = new PredictionColumns("image_id", null, "boxes", BoxFormat.XYXY, "masks");

    public enum BoxFormat { XYXY, XYWH }

    public PredictionColumns {
        if (id == null || id.isBlank()) id = "image_id";
        if (expression != null && expression.isBlank()) expression = null;
        if (box == null || box.isBlank()) box = "boxes";
        if (boxFormat == null) boxFormat = BoxFormat.XYXY;
        if (mask == null || mask.isBlank()) mask = "masks";
    }
}
