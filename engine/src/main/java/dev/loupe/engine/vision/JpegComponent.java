package dev.loupe.engine.vision;

/** One colour component of a JPEG frame and its decoded planes; sizes follow stb_image. */
final class JpegComponent {
    final int id;
    final int h;
    final int v;
    final int quantTable;
    int dcTable;
    int acTable;
    int dcPred;
    /** Sample columns and rows that carry image content. */
    int x;
    int y;
    /** Plane stride and height: whole MCUs. */
    int w2;
    int h2;
    byte[] samples;
    /** Progressive only: coefficients of every block, 64 each, {@code coeffW} blocks a row. */
    short[] coeff;
    int coeffW;
    boolean scanned;

    JpegComponent(int id, int h, int v, int quantTable) {
        this.id = id;
        this.h = h;
        this.v = v;
        this.quantTable = quantTable;
    }
}
