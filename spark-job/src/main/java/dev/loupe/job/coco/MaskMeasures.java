package dev.loupe.job.coco;

import dev.loupe.engine.task.CocoRle;

/**
 * What COCO stores beside a mask's RLE, as pycocotools computes it: {@code area}, the number of
 * mask pixels ({@code mask.area}), and {@code bbox}, the tightest box around them in whole pixels
 * as [x, y, width, height] with inclusive ends, so one pixel is 1 x 1 ({@code mask.toBbox}; an
 * empty mask is [0, 0, 0, 0]). Computed from the runs, without decoding the mask.
 */
record MaskMeasures(long area, int x, int y, int width, int height) {

    /** The measures of a compressed RLE string over a {@code height x width} image, checked to cover it exactly. */
    static MaskMeasures of(String counts, int height, int width) {
        int[] runs = CocoRle.parse(counts);
        long total = 0;
        for (int r : runs) total += r;
        if (total != (long) height * width) {
            throw new IllegalArgumentException("its RLE covers " + total + " pixels, not " + width + "x" + height);
        }
        long area = 0;
        int xs = width, ys = height, xe = -1, ye = -1;
        long start = 0;
        for (int i = 0; i < runs.length; i++) {
            long end = start + runs[i]; // [start, end) in column-major order
            if (i % 2 == 1 && runs[i] > 0) {
                area += runs[i];
                int firstColumn = (int) (start / height), lastColumn = (int) ((end - 1) / height);
                xs = Math.min(xs, firstColumn);
                xe = Math.max(xe, lastColumn);
                if (firstColumn != lastColumn) {
                    // A run over a column boundary covers the bottom of one column and the top of the next.
                    ys = 0;
                    ye = height - 1;
                } else {
                    ys = Math.min(ys, (int) (start % height));
                    ye = Math.max(ye, (int) ((end - 1) % height));
                }
            }
            start = end;
        }
        if (area == 0) return new MaskMeasures(0, 0, 0, 0, 0);
        return new MaskMeasures(area, xs, ys, xe - xs + 1, ye - ys + 1);
    }
}
