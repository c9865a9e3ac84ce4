package dev.loupe.engine.oracle;

/**
 * How far a computed vector is from the reference: max |a - b|, and that relative to
 * max |reference| (the oracle's tolerances are stated that way).
 */
public record Diff(double maxAbs, double maxAbsReference) {

    public static Diff of(float[] actual, float[] reference) {
        if (actual.length != reference.length) {
            throw new IllegalArgumentException("length " + actual.length + " vs reference " + reference.length);
        }
        double maxAbs = 0, maxRef = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - reference[i]);
            if (!(d <= maxAbs)) maxAbs = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
        }
        return new Diff(maxAbs, maxRef);
    }

    /** max|Δ| / max|reference|. */
    public double relative() {
        return maxAbsReference == 0 ? maxAbs : maxAbs / maxAbsReference;
    }

    public boolean within(double relativeTolerance) {
        return relative() <= relativeTolerance;
    }

    @Override
    public String toString() {
        return String.format("max|Δ| %.3g (%.2e of max|ref| %.3g)", maxAbs, relative(), maxAbsReference);
    }
}
