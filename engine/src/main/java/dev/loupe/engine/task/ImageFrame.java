package dev.loupe.engine.task;

/**
 * Where the original image sits in the canvas a model saw: a letterbox puts the image, scaled to
 * {@code contentWidth x contentHeight}, at ({@code contentX}, {@code contentY}) of a
 * {@code canvasWidth x canvasHeight} canvas. Turns coordinates a model gives relative to its
 * canvas back into original-image pixels.
 */
public record ImageFrame(int imageWidth, int imageHeight, int canvasWidth, int canvasHeight,
                         int contentX, int contentY, int contentWidth, int contentHeight) {

    /** Original-image x of a canvas position given as a fraction {@code fx} of the canvas width, clamped to the image. */
    public float imageX(float fx) {
        float x = (fx * canvasWidth - contentX) * imageWidth / contentWidth;
        return Math.clamp(x, 0f, imageWidth);
    }

    /** Original-image y of a canvas position given as a fraction {@code fy} of the canvas height, clamped to the image. */
    public float imageY(float fy) {
        float y = (fy * canvasHeight - contentY) * imageHeight / contentHeight;
        return Math.clamp(y, 0f, imageHeight);
    }
}
