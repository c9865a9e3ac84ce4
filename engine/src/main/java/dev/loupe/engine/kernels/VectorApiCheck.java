package dev.loupe.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Detects a Vector API that is not compiled to SIMD instructions (some JVMs, e.g. certain
 * GraalVM builds, run it as plain Java objects, 40x slower than scalar code) by timing a short
 * vector loop against its scalar twin. Loupe still works there, just far slower: say so once.
 */
public final class VectorApiCheck {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static volatile String verdict;
    /** Keeps the timed loops' results alive so the JIT cannot drop them. */
    private static volatile float blackhole;

    private VectorApiCheck() {}

    /** A one-line description of the species in use, and a warning when vectors look emulated. */
    public static String describe() {
        String v = verdict;
        if (v == null) {
            synchronized (VectorApiCheck.class) {
                if (verdict == null) verdict = measure();
                v = verdict;
            }
        }
        return v;
    }

    /** True when the last check found vector code slower than scalar code. */
    public static boolean looksEmulated() {
        return describe().startsWith("WARNING");
    }

    private static String measure() {
        float[] a = new float[4096], b = new float[4096];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.001f;
            b[i] = 1f - i * 0.0001f;
        }
        long vector = Long.MAX_VALUE, scalar = Long.MAX_VALUE;
        float sink = 0;
        // Enough rounds for the JIT to compile both loops (up to 1 s on a busy machine); the best
        // times are compared, and only a gap no compiled vector loop shows (20x) counts.
        long deadline = System.nanoTime() + 1_000_000_000L;
        for (int round = 0; round < 20_000 && (round < 500 || System.nanoTime() < deadline); round++) {
            long t0 = System.nanoTime();
            sink += vectorDot(a, b);
            long t1 = System.nanoTime();
            sink += scalarDot(a, b);
            long t2 = System.nanoTime();
            vector = Math.min(vector, t1 - t0);
            scalar = Math.min(scalar, t2 - t1);
        }
        blackhole = sink;
        String species = "vector species " + S;
        if (vector > 20 * scalar) {
            return "WARNING: the Vector API runs " + (vector / Math.max(1, scalar)) + "x slower than scalar code on this JVM ("
                    + System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
                    + "): it is not compiled to SIMD; use a HotSpot JDK 25 (e.g. Temurin) for full speed; " + species;
        }
        return species;
    }

    private static float vectorDot(float[] a, float[] b) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < S.loopBound(a.length); i += S.length()) {
            acc = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static float scalarDot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
