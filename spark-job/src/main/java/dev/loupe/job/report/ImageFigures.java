package dev.loupe.job.report;

import java.util.List;

/**
 * Figures of images found by their id, for any section that draws over images: the image is
 * embedded when it can be found and decoded; when not, the overlays are still drawn, on a
 * placeholder of the image's size if the table knows that size, and the figure says why the
 * image is missing. Without image and size there is no frame to draw in: only the reason shows.
 */
final class ImageFigures {
    private final ImageEmbedder images;
    private final LabelColors colors;
    private int missing;

    ImageFigures(ImageEmbedder images, LabelColors colors) {
        this.images = images;
        this.colors = colors;
    }

    /**
     * Writes the figure of {@code imageId} with {@code overlays}.
     *
     * @param width  the image's width as the table knows it (the frame of the overlays), 0 when unknown
     * @param height its height, 0 when unknown; without both the decoded image's own size is the frame
     */
    void write(Html html, String imageId, int width, int height, List<Overlay> overlays) {
        EmbeddedImage image = null;
        String why = null;
        try {
            image = images.embed(imageId);
        } catch (IllegalArgumentException e) {
            why = "image not shown: " + e.getMessage();
            missing++;
        }
        boolean known = width > 0 && height > 0;
        int w = known ? width : image != null ? image.originalWidth() : 0;
        int h = known ? height : image != null ? image.originalHeight() : 0;
        if (w <= 0 || h <= 0) {
            html.raw("<figure class=\"loupe-figure\"><div class=\"stage placeholder\">").element("div", "missing", why).raw("</div></figure>");
            return;
        }
        FigureHtml.write(html, new Figure(image, why, w, h, overlays), colors);
    }

    /** Figures written so far whose image could not be shown. */
    int missing() {
        return missing;
    }
}
