package dev.loupe.engine.vision;

/**
 * Baseline and progressive Huffman JPEG decoding that reproduces stb_image's output byte for
 * byte (stb is what llama.cpp decodes with): exact entropy decoding, dequantisation in 16-bit
 * like stb ({@code short} products), stb's integer IDCT ({@link JpegIdct}), then stb's
 * upsampling and colour conversion ({@link JpegColorConverter}). The colour transform is chosen
 * as stb chooses it: component ids 'R','G','B', or an Adobe marker with transform 0 and no
 * JFIF marker, mean RGB; 4 components are CMYK (Adobe transform 0) or YCCK (transform 2).
 *
 * <p>Refused with {@link IllegalArgumentException}: arithmetic-coded, lossless, hierarchical
 * and 12-bit files (stb refuses them too), damaged tables or headers, sizes over the decoder's
 * limit (checked from the frame header before any plane is allocated), and files that end
 * before the image is complete (stb would return grey or uninitialised rows there).
 *
 * <p>One instance decodes one file; not thread-safe, cheap to create.
 */
final class JpegDecoder {
    private static final int[] DEZIGZAG = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        // Corrupt run lengths may step past 63; stb parks them on the last coefficient.
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63
    };

    private final JpegBitReader in;
    private final ImageDecoder.SizeCheck sizeCheck;

    private final int[][] quant = new int[4][];
    private final JpegHuffmanTable[] dcTables = new JpegHuffmanTable[4];
    private final JpegHuffmanTable[] acTables = new JpegHuffmanTable[4];
    private JpegComponent[] comps;
    private int width;
    private int height;
    private int hMax;
    private int vMax;
    private int mcusX;
    private int mcusY;
    private boolean progressive;
    private boolean jfif;
    private int adobeTransform = -1;
    private int restartInterval;
    private int scanCount;

    // per-scan state
    private JpegComponent[] scanComps;
    private int specStart;
    private int specEnd;
    private int succHigh;
    private int succLow;
    private int eobRun;
    private int todo;

    private final short[] block = new short[64];
    private final int[] idctWork = new int[64];

    JpegDecoder(byte[] data, ImageDecoder.SizeCheck sizeCheck) {
        this.in = new JpegBitReader(data);
        this.sizeCheck = sizeCheck;
    }

    RgbImage decode() {
        if (in.get8() != 0xFF || in.get8() != 0xD8) throw corrupt("no SOI marker");
        readUntilFrame();
        boolean sawEoi = false;
        int m = in.nextMarker();
        while (true) {
            if (m == 0xD9) {
                sawEoi = true;
                break;
            }
            if (m == JpegBitReader.NO_MARKER) {
                if (in.atEnd() || in.pastEnd) break;
                m = in.nextMarker(); // stray bytes between segments: stb skips them too
                continue;
            }
            if (m == 0xDA) {
                readScanHeader();
                decodeScan();
                if (in.marker == JpegBitReader.NO_MARKER) in.marker = skipJunk();
                m = in.nextMarker();
                if (m >= 0xD0 && m <= 0xD7) m = in.nextMarker();
            } else if (m == 0xDC) {
                int len = in.get16();
                int lines = in.get16();
                if (len != 4 || lines != height) throw corrupt("bad DNL marker");
                m = in.nextMarker();
            } else {
                readTableOrSkip(m);
                m = in.nextMarker();
            }
        }
        if (!sawEoi && !complete()) {
            throw truncated("the file ends after " + scanCount + " scan(s), before the image is complete");
        }
        if (progressive) finishProgressive();
        return JpegColorConverter.convert(comps, width, height, hMax, vMax, transform());
    }

    /** Without EOI, only a baseline file whose every component was decoded counts as whole. */
    private boolean complete() {
        if (progressive || scanCount == 0) return false;
        for (JpegComponent c : comps) if (!c.scanned) return false;
        return true;
    }

    private JpegColorConverter.Transform transform() {
        return switch (comps.length) {
            case 1 -> JpegColorConverter.Transform.GRAY;
            case 3 -> {
                boolean rgbIds = comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B';
                yield rgbIds || (adobeTransform == 0 && !jfif)
                        ? JpegColorConverter.Transform.RGB : JpegColorConverter.Transform.YCBCR;
            }
            default -> adobeTransform == 0 ? JpegColorConverter.Transform.CMYK
                    : adobeTransform == 2 ? JpegColorConverter.Transform.YCCK
                    : JpegColorConverter.Transform.YCBCR; // stb ignores the 4th channel then
        };
    }

    // ---------------------------------------------------------------- markers

    private void readUntilFrame() {
        int m = in.nextMarker();
        while (!(m == 0xC0 || m == 0xC1 || m == 0xC2)) {
            if (m == JpegBitReader.NO_MARKER) {
                if (in.atEnd()) throw truncated("no frame header (SOF) before the end of the file");
                m = in.nextMarker();
                continue;
            }
            if (m == 0xD9) throw corrupt("end of image before any frame header");
            if ((m >= 0xC3 && m <= 0xCF) && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                throw new IllegalArgumentException("unsupported JPEG process (SOF" + (m - 0xC0)
                        + ": lossless, hierarchical or arithmetic-coded); only baseline and progressive Huffman JPEGs are supported");
            }
            readTableOrSkip(m);
            m = in.nextMarker();
        }
        progressive = m == 0xC2;
        readFrameHeader();
    }

    private void readTableOrSkip(int m) {
        switch (m) {
            case 0xDD -> {
                if (in.get16() != 4) throw corrupt("bad DRI length");
                restartInterval = in.get16();
            }
            case 0xDB -> readQuantTables();
            case 0xC4 -> readHuffmanTables();
            default -> {
                if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE) {
                    readApp(m);
                } else {
                    throw corrupt(String.format("unknown marker 0x%02X", m));
                }
            }
        }
        if (in.pastEnd) throw truncated(String.format("marker segment 0x%02X is cut off", m));
    }

    private void readApp(int m) {
        int len = in.get16();
        if (len < 2) throw corrupt("bad APP/COM segment length");
        len -= 2;
        if (m == 0xE0 && len >= 5) {
            boolean ok = in.get8() == 'J' & in.get8() == 'F' & in.get8() == 'I' & in.get8() == 'F' & in.get8() == 0;
            len -= 5;
            if (ok) jfif = true;
        } else if (m == 0xEE && len >= 12) {
            boolean ok = in.get8() == 'A' & in.get8() == 'd' & in.get8() == 'o' & in.get8() == 'b' & in.get8() == 'e' & in.get8() == 0;
            len -= 6;
            if (ok) {
                in.get8();
                in.get16();
                in.get16();
                adobeTransform = in.get8();
                len -= 6;
            }
        }
        in.skip(len);
    }

    private void readQuantTables() {
        int len = in.get16() - 2;
        while (len > 0) {
            int q = in.get8();
            int precision = q >> 4;
            int t = q & 15;
            if (precision > 1) throw corrupt("bad quantisation table precision");
            if (t > 3) throw corrupt("bad quantisation table id " + t);
            int[] table = new int[64];
            for (int i = 0; i < 64; i++) table[DEZIGZAG[i]] = precision == 1 ? in.get16() : in.get8();
            quant[t] = table;
            len -= precision == 1 ? 129 : 65;
            if (in.pastEnd) return;
        }
        if (len != 0) throw corrupt("bad DQT length");
    }

    private void readHuffmanTables() {
        int len = in.get16() - 2;
        while (len > 0) {
            int q = in.get8();
            int tc = q >> 4, th = q & 15;
            if (tc > 1 || th > 3) throw corrupt("bad Huffman table header");
            int[] counts = new int[16];
            int n = 0;
            for (int i = 0; i < 16; i++) {
                counts[i] = in.get8();
                n += counts[i];
            }
            if (n > 256) throw corrupt("Huffman table with more than 256 symbols");
            int[] symbols = new int[n];
            for (int i = 0; i < n; i++) symbols[i] = in.get8();
            if (in.pastEnd) return;
            JpegHuffmanTable table = new JpegHuffmanTable(counts, symbols);
            if (tc == 0) dcTables[th] = table;
            else acTables[th] = table;
            len -= 17 + n;
        }
        if (len != 0) throw corrupt("bad DHT length");
    }

    private void readFrameHeader() {
        int len = in.get16();
        if (len < 11) throw corrupt("bad frame header length");
        int precision = in.get8();
        if (precision != 8) throw new IllegalArgumentException("unsupported JPEG sample precision " + precision + " bits (only 8-bit)");
        height = in.get16();
        width = in.get16();
        if (height == 0) throw new IllegalArgumentException("unsupported JPEG: height deferred to a DNL marker");
        if (width == 0) throw corrupt("frame width 0");
        int n = in.get8();
        if (n != 1 && n != 3 && n != 4) throw corrupt("unsupported component count " + n);
        if (len != 8 + 3 * n) throw corrupt("bad frame header length");
        comps = new JpegComponent[n];
        for (int i = 0; i < n; i++) {
            int id = in.get8();
            int hv = in.get8();
            int tq = in.get8();
            int h = hv >> 4, v = hv & 15;
            if (h < 1 || h > 4 || v < 1 || v > 4) throw corrupt("bad sampling factors");
            if (tq > 3) throw corrupt("bad quantisation table id");
            comps[i] = new JpegComponent(id, h, v, tq);
        }
        if (in.pastEnd) throw truncated("frame header is cut off");
        // The caller's pixel limit is applied before any plane exists.
        sizeCheck.check(width, height);
        hMax = 1;
        vMax = 1;
        for (JpegComponent c : comps) {
            hMax = Math.max(hMax, c.h);
            vMax = Math.max(vMax, c.v);
        }
        for (JpegComponent c : comps) {
            if (hMax % c.h != 0 || vMax % c.v != 0) throw corrupt("unsupported fractional chroma sampling");
        }
        mcusX = (width + hMax * 8 - 1) / (hMax * 8);
        mcusY = (height + vMax * 8 - 1) / (vMax * 8);
        for (JpegComponent c : comps) {
            c.x = (width * c.h + hMax - 1) / hMax;
            c.y = (height * c.v + vMax - 1) / vMax;
            c.w2 = mcusX * c.h * 8;
            c.h2 = mcusY * c.v * 8;
            c.samples = new byte[Math.multiplyExact(c.w2, c.h2)];
            if (progressive) {
                c.coeffW = c.w2 / 8;
                c.coeff = new short[Math.multiplyExact(Math.multiplyExact(c.coeffW, c.h2 / 8), 64)];
            }
        }
    }

    private void readScanHeader() {
        int len = in.get16();
        int n = in.get8();
        if (n < 1 || n > 4 || n > comps.length) throw corrupt("bad scan component count");
        if (len != 6 + 2 * n) throw corrupt("bad scan header length");
        scanComps = new JpegComponent[n];
        for (int i = 0; i < n; i++) {
            int id = in.get8();
            int q = in.get8();
            JpegComponent c = null;
            for (JpegComponent k : comps) if (k.id == id) c = k;
            if (c == null) throw corrupt("scan refers to unknown component " + id);
            c.dcTable = q >> 4;
            c.acTable = q & 15;
            if (c.dcTable > 3 || c.acTable > 3) throw corrupt("bad Huffman table selector");
            scanComps[i] = c;
        }
        specStart = in.get8();
        specEnd = in.get8();
        int a = in.get8();
        succHigh = a >> 4;
        succLow = a & 15;
        if (in.pastEnd) throw truncated("scan header is cut off");
        if (progressive) {
            if (specStart > 63 || specEnd > 63 || specStart > specEnd || succHigh > 13 || succLow > 13) {
                throw corrupt("bad progressive scan parameters");
            }
        } else {
            if (specStart != 0 || succHigh != 0 || succLow != 0) throw corrupt("bad baseline scan parameters");
            specEnd = 63;
        }
    }

    /** After a scan without a trailing marker: skip junk bytes up to something that looks like one. */
    private int skipJunk() {
        while (!in.atEnd()) {
            int x = in.get8();
            while (x == 0xFF) {
                if (in.atEnd()) return JpegBitReader.NO_MARKER;
                x = in.get8();
                if (x != 0x00 && x != 0xFF) return x;
            }
        }
        return JpegBitReader.NO_MARKER;
    }

    // ---------------------------------------------------------------- scans

    private void resetEntropy() {
        if (in.usedPhantomBits()) throw truncated("entropy-coded data ends inside scan " + (scanCount + 1));
        in.resetBits();
        for (JpegComponent c : comps) c.dcPred = 0;
        todo = restartInterval != 0 ? restartInterval : Integer.MAX_VALUE;
        eobRun = 0;
    }

    private void decodeScan() {
        for (JpegComponent c : scanComps) {
            requireTables(c);
        }
        resetEntropy();
        if (scanComps.length == 1) {
            JpegComponent c = scanComps[0];
            int w = (c.x + 7) >> 3;
            int h = (c.y + 7) >> 3;
            scan:
            for (int j = 0; j < h; j++) {
                for (int i = 0; i < w; i++) {
                    decodeBlockAt(c, i, j);
                    if (!countdownRestart()) break scan;
                }
            }
        } else {
            scan:
            for (int j = 0; j < mcusY; j++) {
                for (int i = 0; i < mcusX; i++) {
                    for (JpegComponent c : scanComps) {
                        for (int y = 0; y < c.v; y++) {
                            for (int x = 0; x < c.h; x++) {
                                decodeBlockAt(c, i * c.h + x, j * c.v + y);
                            }
                        }
                    }
                    if (!countdownRestart()) break scan;
                }
            }
        }
        if (in.usedPhantomBits()) throw truncated("entropy-coded data ends inside scan " + (scanCount + 1));
        for (JpegComponent c : scanComps) c.scanned = true;
        scanCount++;
    }

    private void requireTables(JpegComponent c) {
        boolean needDc = !progressive || specStart == 0;
        boolean needAc = !progressive || specStart != 0;
        if (needDc && succHigh == 0 && dcTables[c.dcTable] == null) throw corrupt("scan uses undefined DC Huffman table " + c.dcTable);
        if (needAc && acTables[c.acTable] == null) throw corrupt("scan uses undefined AC Huffman table " + c.acTable);
        if (!progressive && quant[c.quantTable] == null) throw corrupt("component uses undefined quantisation table " + c.quantTable);
    }

    /** stb's restart handling: false ends the scan early (no RST where one was due). */
    private boolean countdownRestart() {
        if (--todo > 0) return true;
        if (in.codeBits < 24) in.fill();
        if (in.marker < 0xD0 || in.marker > 0xD7) return false;
        resetEntropy();
        return true;
    }

    private void decodeBlockAt(JpegComponent c, int bx, int by) {
        if (!progressive) {
            decodeBaselineBlock(c);
            JpegIdct.transform(block, 0, c.samples, by * 8 * c.w2 + bx * 8, c.w2, idctWork);
        } else {
            int off = 64 * (bx + by * c.coeffW);
            if (specStart == 0) decodeDc(c, off);
            else decodeAc(c, off);
        }
    }

    private void decodeBaselineBlock(JpegComponent c) {
        int[] dq = quant[c.quantTable];
        JpegHuffmanTable hac = acTables[c.acTable];
        int t = in.decode(dcTables[c.dcTable]);
        if (t < 0 || t > 15) throw corruptData("bad Huffman code");
        java.util.Arrays.fill(block, (short) 0);
        int diff = t != 0 ? in.receiveExtend(t) : 0;
        long dc = (long) c.dcPred + diff;
        if (dc != (int) dc) throw corruptData("DC coefficient overflow");
        c.dcPred = (int) dc;
        long dcq = dc * dq[0];
        if (dcq < Short.MIN_VALUE || dcq > Short.MAX_VALUE) throw corruptData("DC coefficient out of range");
        block[0] = (short) dcq;
        int k = 1;
        do {
            int rs = in.decode(hac);
            if (rs < 0) throw corruptData("bad Huffman code");
            int s = rs & 15;
            int r = rs >> 4;
            if (s == 0) {
                if (rs != 0xF0) break;
                k += 16;
            } else {
                k += r;
                int zig = DEZIGZAG[k++];
                block[zig] = (short) (in.receiveExtend(s) * dq[zig]);
            }
        } while (k < 64);
    }

    private void decodeDc(JpegComponent c, int off) {
        if (specEnd != 0) throw corruptData("progressive scan mixes DC and AC");
        short[] coef = c.coeff;
        if (succHigh == 0) {
            for (int i = 0; i < 64; i++) coef[off + i] = 0;
            int t = in.decode(dcTables[c.dcTable]);
            if (t < 0 || t > 15) throw corruptData("bad Huffman code");
            int diff = t != 0 ? in.receiveExtend(t) : 0;
            long dc = (long) c.dcPred + diff;
            if (dc != (int) dc) throw corruptData("DC coefficient overflow");
            c.dcPred = (int) dc;
            long scaled = dc * (1L << succLow);
            if (scaled < Short.MIN_VALUE || scaled > Short.MAX_VALUE) throw corruptData("DC coefficient out of range");
            coef[off] = (short) scaled;
        } else if (in.bit()) {
            coef[off] += (short) (1 << succLow);
        }
    }

    private void decodeAc(JpegComponent c, int off) {
        short[] coef = c.coeff;
        JpegHuffmanTable hac = acTables[c.acTable];
        if (succHigh == 0) {
            if (eobRun > 0) {
                eobRun--;
                return;
            }
            int shift = succLow;
            int k = specStart;
            do {
                int rs = in.decode(hac);
                if (rs < 0) throw corruptData("bad Huffman code");
                int s = rs & 15;
                int r = rs >> 4;
                if (s == 0) {
                    if (r < 15) {
                        eobRun = (1 << r);
                        if (r != 0) eobRun += in.bits(r);
                        eobRun--;
                        break;
                    }
                    k += 16;
                } else {
                    k += r;
                    int zig = DEZIGZAG[k++];
                    coef[off + zig] = (short) (in.receiveExtend(s) * (1 << shift));
                }
            } while (k <= specEnd);
            return;
        }
        // Refinement: one correction bit per already-nonzero coefficient, new ones are +-1.
        short bit = (short) (1 << succLow);
        if (eobRun > 0) {
            eobRun--;
            for (int k = specStart; k <= specEnd; k++) refine(coef, off + DEZIGZAG[k], bit);
            return;
        }
        int k = specStart;
        do {
            int rs = in.decode(hac);
            if (rs < 0) throw corruptData("bad Huffman code");
            int s = rs & 15;
            int r = rs >> 4;
            if (s == 0) {
                if (r < 15) {
                    eobRun = (1 << r) - 1;
                    if (r != 0) eobRun += in.bits(r);
                    r = 64;
                }
            } else {
                if (s != 1) throw corruptData("bad Huffman code in refinement scan");
                s = in.bit() ? bit : -bit;
            }
            while (k <= specEnd) {
                int p = off + DEZIGZAG[k++];
                if (coef[p] != 0) {
                    refine(coef, p, bit);
                } else {
                    if (r == 0) {
                        coef[p] = (short) s;
                        break;
                    }
                    r--;
                }
            }
        } while (k <= specEnd);
    }

    private void refine(short[] coef, int p, short bit) {
        if (coef[p] != 0 && in.bit() && (coef[p] & bit) == 0) {
            coef[p] += coef[p] > 0 ? bit : (short) -bit;
        }
    }

    private void finishProgressive() {
        for (JpegComponent c : comps) {
            int[] dq = quant[c.quantTable];
            if (dq == null) throw corrupt("component uses undefined quantisation table " + c.quantTable);
            int w = (c.x + 7) >> 3;
            int h = (c.y + 7) >> 3;
            for (int j = 0; j < h; j++) {
                for (int i = 0; i < w; i++) {
                    int off = 64 * (i + j * c.coeffW);
                    for (int z = 0; z < 64; z++) c.coeff[off + z] = (short) (c.coeff[off + z] * dq[z]);
                    JpegIdct.transform(c.coeff, off, c.samples, j * 8 * c.w2 + i * 8, c.w2, idctWork);
                }
            }
        }
    }

    // ---------------------------------------------------------------- errors

    private IllegalArgumentException corrupt(String what) {
        return new IllegalArgumentException("corrupt JPEG: " + what);
    }

    /** A decoding error inside entropy data; past the end of the file it means truncation. */
    private IllegalArgumentException corruptData(String what) {
        if (in.pastEnd) return truncated("entropy-coded data ends inside scan " + (scanCount + 1));
        return corrupt(what + " in scan " + (scanCount + 1));
    }

    private IllegalArgumentException truncated(String what) {
        return new IllegalArgumentException("truncated JPEG: " + what);
    }
}
