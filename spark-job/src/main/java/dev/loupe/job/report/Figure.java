package dev.loupe.job.report;

import java.util.List;

/**
 * An image with overlays drawn over it, in the image's original pixel frame.
 *
 * @param image    the embedded image, or null when it could not be shown ({@code missing} says why)
 * @param missing  why there is no image, or null
 * @param width    width of the frame the overlays' coordinates are in (the original image's)
 * @param height   height of that frame
 * @param overlays layers drawn in order, e.g. ground truth, then the prediction over it
 */
public record Figure(EmbeddedImage image, String missing, int width, int height, List<Overlay> overlays) {
    public Figure {
        overlays = List.copyOf(overlays);
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("a figure needs a frame, got " + width + "x" + height);
        if (image == null && missing == null) throw new IllegalArgumentException("a figure without an image must say why");
    }
}
