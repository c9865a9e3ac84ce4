package dev.loupe.engine.eval;

/**
 * An axis-aligned box in image pixels with continuous coordinates: {@code x0,y0} the top-left
 * corner, {@code x1,y1} the bottom-right one, exclusive, so that a box covers
 * {@code (x1 - x0) x (y1 - y0)} pixels of area.
 *
 * <p>That is COCO's convention — a ground-truth {@code [x, y, w, h]} spans {@code [x, x + w)} and
 * its area is {@code w * h} — and the one lmms-eval computes RefCOCO's IoU with (its
 * {@code compute_iou} takes {@code x + w} as the right edge and {@code (x1 - x0) * (y1 - y0)} as
 * the area, with no "+1"). The "+1" convention of PASCAL VOC and the original refer toolkit
 * (inclusive integer pixel ends) would make a 10-pixel-wide box 11 wide and lower the IoU of
 * small boxes; Loupe's predicted boxes are continuous too (fractions of the image size), so the
 * continuous convention compares like with like.
 */
public record PixelBox(double x0, double y0, double x1, double y1) {

    /** A COCO box {@code [x, y, width, height]}: right edge {@code x + width}, bottom edge {@code y + height}. */
    public static PixelBox fromXywh(double x, double y, double width, double height) {
        return new PixelBox(x, y, x + width, y + height);
    }

    /** Whether every coordinate is a finite number. */
    public boolean isFinite() {
        return Double.isFinite(x0) && Double.isFinite(y0) && Double.isFinite(x1) && Double.isFinite(y1);
    }

    /** Width times height; 0 for a box with no extent on either axis, or an inverted one (x1 < x0 or y1 < y0). */
    public double area() {
        return Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
    }

    /** The area this box shares with {@code other}. */
    public double intersection(PixelBox other) {
        double w = Math.min(x1, other.x1) - Math.max(x0, other.x0);
        double h = Math.min(y1, other.y1) - Math.max(y0, other.y0);
        return Math.max(0, w) * Math.max(0, h);
    }

    /**
     * Intersection over union, as lmms-eval's {@code compute_iou}. Where that divides by zero
     * (both boxes without area) this gives 0: nothing was found. An inverted box has no area and
     * no intersection, as in lmms-eval, where its negative "area" only shrinks a union that then
     * divides a zero intersection.
     */
    public double iou(PixelBox other) {
        double inter = intersection(other);
        double union = area() + other.area() - inter;
        return union > 0 ? inter / union : 0;
    }

    /**
     * Whether the centre of {@code other} lies in this box, edges included: lmms-eval's
     * {@code compute_center_accuracy(gt, pred)}, called on the ground truth with the prediction.
     */
    public boolean containsCentreOf(PixelBox other) {
        double cx = (other.x0 + other.x1) / 2, cy = (other.y0 + other.y1) / 2;
        return x0 <= cx && cx <= x1 && y0 <= cy && cy <= y1;
    }
}
