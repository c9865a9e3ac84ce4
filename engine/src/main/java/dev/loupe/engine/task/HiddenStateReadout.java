package dev.loupe.engine.task;

/**
 * Youtu-VL's dense segmentation read from hidden states (spec §1.4, inferred): image token k's
 * score for class c is the dot product of the final-norm hidden state holding k's labels with
 * the output head's row for c's label token (the head is tied to the token embedding, so this
 * is exactly the logit the model gives that token there). The {@code gridX x gridY} score maps
 * cover the resized image the encoder saw, which is the original image stretched, so they are
 * upsampled straight onto the original pixels; each pixel takes the best class (see
 * {@link DenseReadout} for the choices and their defaults).
 */
public final class HiddenStateReadout {
    private HiddenStateReadout() {}

    /**
     * The class of every original-image pixel, row-major: an index into the candidates, or -1
     * for none (a sigmoid readout below its threshold).
     *
     * @param hidden      {@code 1 + gridX * gridY} rows of {@code width} floats: the position before the image, then each image token
     * @param labelRows   one output-head row of {@code width} floats per candidate class
     */
    public static int[] labels(float[] hidden, int gridX, int gridY, int width, float[] labelRows, int classes,
                               DenseReadout readout, int imageWidth, int imageHeight) {
        int cells = gridX * gridY;
        if (hidden.length < (1 + cells) * width) throw new IllegalArgumentException(hidden.length + " hidden values for " + (1 + cells) + " rows of " + width);
        if (labelRows.length != classes * width) throw new IllegalArgumentException(labelRows.length + " label values for " + classes + " classes of " + width);
        if (classes == 0) throw new IllegalArgumentException("no candidate classes to read the hidden states against");
        int offset = readout.alignment() == DenseReadout.Alignment.SHIFTED ? 0 : 1;
        float[][] scores = new float[classes][cells];
        for (int k = 0; k < cells; k++) {
            int row = (k + offset) * width;
            for (int c = 0; c < classes; c++) {
                double dot = 0; // the dot products are few (cells x classes), so accumulate in double: no rounding to argue about
                for (int i = 0; i < width; i++) dot += (double) hidden[row + i] * labelRows[c * width + i];
                scores[c][k] = (float) dot;
            }
        }
        Axis xs = Axis.of(readout.upsampling(), gridX, imageWidth), ys = Axis.of(readout.upsampling(), gridY, imageHeight);
        double minLogit = readout.activation() == DenseReadout.Activation.SIGMOID
                ? Math.log(readout.threshold() / (1.0 - readout.threshold())) : Double.NEGATIVE_INFINITY;
        int[] out = new int[imageWidth * imageHeight];
        for (int y = 0; y < imageHeight; y++) {
            int r0 = ys.lo[y] * gridX, r1 = ys.hi[y] * gridX;
            float fy = ys.frac[y];
            for (int x = 0; x < imageWidth; x++) {
                int c0 = xs.lo[x], c1 = xs.hi[x];
                float fx = xs.frac[x];
                int best = -1;
                float bestScore = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    float[] s = scores[c];
                    float top = s[r0 + c0] + (s[r0 + c1] - s[r0 + c0]) * fx;
                    float bottom = s[r1 + c0] + (s[r1 + c1] - s[r1 + c0]) * fx;
                    float v = top + (bottom - top) * fy;
                    if (v > bestScore) {
                        bestScore = v;
                        best = c;
                    }
                }
                // sigmoid(v) >= t  <=>  v >= logit(t); softmax's argmax is the scores' argmax.
                out[y * imageWidth + x] = bestScore >= minLogit ? best : -1;
            }
        }
        return out;
    }

    /**
     * Where each output pixel along one axis samples the token grid: the two neighbouring token
     * centres and the weight of the second. Bilinear uses half-pixel centres (OpenCV's and
     * PyTorch's align_corners=False), clamped at the edges; nearest takes floor(i * cells / size).
     */
    private record Axis(int[] lo, int[] hi, float[] frac) {
        static Axis of(DenseReadout.Upsampling how, int cells, int size) {
            int[] lo = new int[size], hi = new int[size];
            float[] frac = new float[size];
            for (int i = 0; i < size; i++) {
                if (how == DenseReadout.Upsampling.NEAREST) {
                    lo[i] = hi[i] = Math.min(cells - 1, (int) ((long) i * cells / size));
                    continue;
                }
                double src = (i + 0.5) * cells / size - 0.5;
                if (src <= 0) {
                    lo[i] = hi[i] = 0;
                } else if (src >= cells - 1) {
                    lo[i] = hi[i] = cells - 1;
                } else {
                    lo[i] = (int) Math.floor(src);
                    hi[i] = lo[i] + 1;
                    frac[i] = (float) (src - lo[i]);
                }
            }
            return new Axis(lo, hi, frac);
        }
    }
}
