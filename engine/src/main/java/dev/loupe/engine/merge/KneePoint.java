package dev.loupe.engine.merge;

/**
 * How many singular values of a weight delta to keep: the knee of its spectrum, found as the
 * point farthest from the chord between the first and the last point once the spectrum is
 * normalised to the unit square.
 *
 * <p>With the values σ_1 ≥ … ≥ σ_r, x_i = (i−1)/(r−1), y_i = (σ_i − σ_r)/(σ_1 − σ_r + ε) and
 * d_i = |x_i (y_r − y_1) − (y_i − y_1)|, the method keeps k = max(1, argmax d) values. The argmax
 * is taken as numpy's and torch's are, <b>0-based</b> (first maximum on ties): the {@code max(1, ·)}
 * of the method only does something when argmax can be 0, which says the method was written with
 * a 0-based argmax, and then k counts the values strictly before the knee point — on a spectrum of
 * three large values and a tail, the knee is the first tail value (index 3) and k = 3 keeps the
 * three large ones. A 1-based k would also keep the first tail value.
 */
public final class KneePoint {
    /** The ε of the normalisation: it only matters when σ_1 = σ_r (a flat spectrum, all y = 0). */
    static final double EPSILON = 1e-8;

    private KneePoint() {}

    /** k for singular values in descending order (at least one); r = 1 and r = 2 give 1. */
    public static int keep(double[] descending) {
        int r = descending.length;
        if (r == 0) throw new IllegalArgumentException("no singular values");
        for (int i = 1; i < r; i++) {
            if (descending[i] > descending[i - 1]) throw new IllegalArgumentException("singular values are not in descending order at index " + i);
        }
        if (r == 1) return 1; // x_i = (i-1)/(r-1) is undefined: the one direction is the whole delta
        double first = descending[0], last = descending[r - 1];
        double scale = first - last + EPSILON;
        double y1 = (first - last) / scale, yr = 0; // y_r = (σ_r − σ_r)/… = 0
        int argmax = 0;
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < r; i++) {
            double x = (double) i / (r - 1);
            double y = (descending[i] - last) / scale;
            double d = Math.abs(x * (yr - y1) - (y - y1));
            if (d > best) {
                best = d;
                argmax = i;
            }
        }
        return Math.max(1, argmax);
    }

    /** The share of the delta's energy (squared Frobenius norm) the first k values carry; 1 for a zero delta. */
    public static double energyKept(double[] descending, int k) {
        double kept = 0, total = 0;
        for (int i = 0; i < descending.length; i++) {
            double e = descending[i] * descending[i];
            total += e;
            if (i < k) kept += e;
        }
        return total > 0 ? kept / total : 1.0;
    }
}
