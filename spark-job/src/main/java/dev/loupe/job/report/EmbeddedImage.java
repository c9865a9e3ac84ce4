package dev.loupe.job.report;

/**
 * An image as the page embeds it: a {@code data:} URI of a JPEG scaled down to a screen's size.
 *
 * @param dataUri        {@code data:image/jpeg;base64,...}
 * @param width          the embedded JPEG's width
 * @param height         the embedded JPEG's height
 * @param originalWidth  the decoded original's width: the frame of the overlays' coordinates
 * @param originalHeight the decoded original's height
 */
public record EmbeddedImage(String dataUri, int width, int height, int originalWidth, int originalHeight) {}
