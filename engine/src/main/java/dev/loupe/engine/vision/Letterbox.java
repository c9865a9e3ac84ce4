package dev.loupe.engine.vision;

/**
 * llama.cpp's {@code PAD_CEIL} letterbox: scale the image to fit inside the target keeping
 * its aspect ratio, rounding the scaled size up (never past the target), and paste it centred
 * on a black canvas. The scale and the rounding are done in float32 because llama.cpp does,
 * and a double here would round some sizes differently.
 */
public final class Letterbox {
    private Letterbox() {
    }

    /** The size the image content gets inside a {@code targetW x targetH} canvas: {width, height}. */
    public static int[] fittedSize(int w, int h, int targetW, int targetH) {
        float scale = Math.min((float) targetW / (float) w, (float) targetH / (float) h);
        int nw = Math.min((int) Math.ceil((float) w * scale), targetW);
        int nh = Math.min((int) Math.ceil((float) h * scale), targetH);
        return new int[] {nw, nh};
    }

    public static RgbImage apply(RgbImage src, int targetW, int targetH, ResizeFilter filter) {
        if (src.width() == targetW && src.height() == targetH) {
            return src;
        }
        int[] fit = fittedSize(src.width(), src.height(), targetW, targetH);
        RgbImage content = PillowResampler.resize(src, fit[0], fit[1], filter);
        RgbImage canvas = RgbImage.black(targetW, targetH);
        int offX = (targetW - fit[0]) / 2;
        int offY = (targetH - fit[1]) / 2;
        int rowBytes = 3 * fit[0];
        for (int y = 0; y < fit[1]; y++) {
            System.arraycopy(content.rgb(), y * rowBytes, canvas.rgb(), 3 * ((offY + y) * targetW + offX), rowBytes);
        }
        return canvas;
    }
}
