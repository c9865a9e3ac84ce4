package dev.loupe.engine.vision;

/**
 * The last stage of stb_image's JPEG decode: chroma upsampling row by row and conversion to
 * RGB, both in stb's integer arithmetic, which is what fixes llama.cpp's bytes:
 * <ul>
 *   <li>2x upsampling is stb's "fancy" triangle filter (3/4 near + 1/4 far, rounding biases 2
 *       and 8, edges replicated); other factors repeat samples;</li>
 *   <li>YCbCr to RGB uses stb's 20-bit fixed point with a 12-bit rounded constant set, and
 *       masks the low 16 bits of the Cb term of green, as stb does;</li>
 *   <li>Adobe CMYK (transform 0) and YCCK (transform 2) are multiplied by K with stb's rounded
 *       8x8-bit product; RGB-tagged files are copied.</li>
 * </ul>
 */
final class JpegColorConverter {
    private static int fixed(float x) {
        return ((int) (x * 4096.0f + 0.5f)) << 8;
    }

    private static final int CR_R = fixed(1.40200f);
    private static final int CR_G = -fixed(0.71414f);
    private static final int CB_G = -fixed(0.34414f);
    private static final int CB_B = fixed(1.77200f);

    /** How the components combine into RGB. */
    enum Transform { GRAY, YCBCR, RGB, CMYK, YCCK }

    private JpegColorConverter() {
    }

    static RgbImage convert(JpegComponent[] comps, int width, int height, int hMax, int vMax, Transform transform) {
        int n = transform == Transform.GRAY ? 1 : (transform == Transform.CMYK || transform == Transform.YCCK ? 4 : 3);
        Upsampler[] up = new Upsampler[n];
        for (int k = 0; k < n; k++) {
            up[k] = new Upsampler(comps[k], width, hMax / comps[k].h, vMax / comps[k].v);
        }
        byte[] out = new byte[Math.multiplyExact(3, Math.multiplyExact(width, height))];
        byte[][] rows = new byte[n][];
        int[] offs = new int[n];
        for (int y = 0; y < height; y++) {
            for (int k = 0; k < n; k++) {
                up[k].nextRow();
                rows[k] = up[k].rowData;
                offs[k] = up[k].rowOff;
            }
            int o = 3 * width * y;
            switch (transform) {
                case GRAY -> {
                    byte[] g = rows[0];
                    for (int i = 0, p = offs[0]; i < width; i++, p++) {
                        out[o++] = g[p];
                        out[o++] = g[p];
                        out[o++] = g[p];
                    }
                }
                case RGB -> {
                    for (int i = 0; i < width; i++) {
                        out[o++] = rows[0][offs[0] + i];
                        out[o++] = rows[1][offs[1] + i];
                        out[o++] = rows[2][offs[2] + i];
                    }
                }
                case YCBCR -> ycbcrRow(rows, offs, width, out, o);
                case CMYK -> {
                    for (int i = 0; i < width; i++) {
                        int m = rows[3][offs[3] + i] & 0xFF;
                        out[o++] = blinn(rows[0][offs[0] + i] & 0xFF, m);
                        out[o++] = blinn(rows[1][offs[1] + i] & 0xFF, m);
                        out[o++] = blinn(rows[2][offs[2] + i] & 0xFF, m);
                    }
                }
                case YCCK -> {
                    ycbcrRow(rows, offs, width, out, o);
                    for (int i = 0; i < width; i++, o += 3) {
                        int m = rows[3][offs[3] + i] & 0xFF;
                        out[o] = blinn(255 - (out[o] & 0xFF), m);
                        out[o + 1] = blinn(255 - (out[o + 1] & 0xFF), m);
                        out[o + 2] = blinn(255 - (out[o + 2] & 0xFF), m);
                    }
                }
            }
        }
        return new RgbImage(width, height, out);
    }

    private static void ycbcrRow(byte[][] rows, int[] offs, int width, byte[] out, int o) {
        byte[] yr = rows[0], cbr = rows[1], crr = rows[2];
        int yo = offs[0], cbo = offs[1], cro = offs[2];
        for (int i = 0; i < width; i++) {
            int yFixed = ((yr[yo + i] & 0xFF) << 20) + (1 << 19);
            int cr = (crr[cro + i] & 0xFF) - 128;
            int cb = (cbr[cbo + i] & 0xFF) - 128;
            int r = (yFixed + cr * CR_R) >> 20;
            int g = (yFixed + cr * CR_G + ((cb * CB_G) & 0xFFFF0000)) >> 20;
            int b = (yFixed + cb * CB_B) >> 20;
            out[o++] = clamp(r);
            out[o++] = clamp(g);
            out[o++] = clamp(b);
        }
    }

    private static byte clamp(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** x * y / 255, rounded, in stb's integer form. */
    private static byte blinn(int x, int y) {
        int t = x * y + 128;
        return (byte) ((t + (t >>> 8)) >>> 8);
    }

    /**
     * Produces a component's samples at full resolution, one output row at a time, following
     * stb's row state machine: which stored row is "near" and which is "far" alternates with
     * the vertical phase, and the last stored row is reused at the bottom edge.
     */
    private static final class Upsampler {
        private final JpegComponent c;
        private final int hs;
        private final int vs;
        private final int wLores;
        private final byte[] lineBuf;
        private int line0;
        private int line1;
        private int ystep;
        private int ypos;
        byte[] rowData;
        int rowOff;

        Upsampler(JpegComponent c, int width, int hs, int vs) {
            this.c = c;
            this.hs = hs;
            this.vs = vs;
            this.wLores = (width + hs - 1) / hs;
            this.lineBuf = new byte[Math.max(width + 3, wLores * hs)];
            this.ystep = vs >> 1;
        }

        void nextRow() {
            boolean bottom = ystep >= (vs >> 1);
            int near = bottom ? line1 : line0;
            int far = bottom ? line0 : line1;
            byte[] s = c.samples;
            if (hs == 1 && vs == 1) {
                rowData = s;
                rowOff = near;
            } else {
                if (hs == 1 && vs == 2) {
                    for (int i = 0; i < wLores; i++) {
                        lineBuf[i] = (byte) ((3 * (s[near + i] & 0xFF) + (s[far + i] & 0xFF) + 2) >> 2);
                    }
                } else if (hs == 2 && vs == 1) {
                    horizontal2(s, near);
                } else if (hs == 2 && vs == 2) {
                    both2(s, near, far);
                } else {
                    for (int i = 0; i < wLores; i++) {
                        byte v = s[near + i];
                        for (int j = 0; j < hs; j++) lineBuf[i * hs + j] = v;
                    }
                }
                rowData = lineBuf;
                rowOff = 0;
            }
            if (++ystep >= vs) {
                ystep = 0;
                line0 = line1;
                if (++ypos < c.y) line1 += c.w2;
            }
        }

        private void horizontal2(byte[] s, int in) {
            int w = wLores;
            byte[] out = lineBuf;
            if (w == 1) {
                out[0] = out[1] = s[in];
                return;
            }
            out[0] = s[in];
            out[1] = (byte) (((s[in] & 0xFF) * 3 + (s[in + 1] & 0xFF) + 2) >> 2);
            int i;
            for (i = 1; i < w - 1; i++) {
                int n = 3 * (s[in + i] & 0xFF) + 2;
                out[i * 2] = (byte) ((n + (s[in + i - 1] & 0xFF)) >> 2);
                out[i * 2 + 1] = (byte) ((n + (s[in + i + 1] & 0xFF)) >> 2);
            }
            out[i * 2] = (byte) (((s[in + w - 2] & 0xFF) * 3 + (s[in + w - 1] & 0xFF) + 2) >> 2);
            out[i * 2 + 1] = s[in + w - 1];
        }

        private void both2(byte[] s, int near, int far) {
            int w = wLores;
            byte[] out = lineBuf;
            if (w == 1) {
                out[0] = out[1] = (byte) ((3 * (s[near] & 0xFF) + (s[far] & 0xFF) + 2) >> 2);
                return;
            }
            int t1 = 3 * (s[near] & 0xFF) + (s[far] & 0xFF);
            out[0] = (byte) ((t1 + 2) >> 2);
            for (int i = 1; i < w; i++) {
                int t0 = t1;
                t1 = 3 * (s[near + i] & 0xFF) + (s[far + i] & 0xFF);
                out[i * 2 - 1] = (byte) ((3 * t0 + t1 + 8) >> 4);
                out[i * 2] = (byte) ((3 * t1 + t0 + 8) >> 4);
            }
            out[w * 2 - 1] = (byte) ((t1 + 2) >> 2);
        }
    }
}
