package dev.loupe.engine.merge;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.ejml.data.DMatrixRMaj;

/**
 * The merge's double-precision matrix products — Δ's Gram matrix AᵀA, A·B and A·Bᵀ — with the
 * Vector API, where EJML's run at ~4.5 GFLOP/s on one core. Register- and cache-blocked as BLAS
 * does it (GotoBLAS/BLIS): the right-hand side is packed, a block of the shared dimension at a
 * time, into panels of {@link #PANEL} columns, k-major; the left-hand side into micro-panels of
 * 4 rows, k-major; a micro-tile of 4 rows by one panel keeps 12 vector accumulators in registers,
 * fed per k by three panel vectors and four broadcast values — the shape of the float32
 * {@code PackedGemm}, which C2 compiles to FMAs on AVX2 and AVX-512 alike. Packing also turns
 * the strided operands (a column of A for AᵀA, a row of B for A·Bᵀ) into unit-stride streams.
 *
 * <p>Every output element is one sequential FMA chain over the shared dimension, from zero:
 * {@code c = fma(x[i][k], y[k][j], c)} for k = 0, 1, …; blocks of k continue the chain stored
 * in C. Blocking and the vector width decide only which elements are computed side by side,
 * never an element's chain, so the bytes are the same on AVX2 and AVX-512 machines (and
 * whatever the thread), and {@link #chain} reproduces every element bit for bit — what
 * {@code DoubleGemmTest} checks, natively and under {@code -XX:UseAVX=2}. This is a single-thread
 * product: the merge runs one per tensor and parallelises over tensors.
 *
 * <p>The packing buffers are allocated per call (up to ~9 MB, against seconds of work per
 * call in the merge); nothing is allocated inside the loops.
 */
final class DoubleGemm {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Rows per micro-tile. */
    static final int ROWS = 4;
    /** Columns per packed panel: three vectors of the preferred species. */
    static final int PANEL = 3 * L;
    /** Shared-dimension values per packed block: a panel's slice (256 x 24 doubles on AVX-512, 48 KB) sits in L1/L2. */
    static final int DEPTH_BLOCK = 256;
    /** Left-hand rows per packed block: 256 x 256 doubles (512 KB), in L2 while every panel passes over it. */
    static final int ROW_BLOCK = 256;
    /** Right-hand columns per packed block: 256 x 4104 doubles (~8 MB) at most. */
    static final int COLUMN_BLOCK = PANEL * Math.max(1, 4096 / PANEL);

    private DoubleGemm() {}

    /**
     * One operand as a matrix {@code x[i][k] = data[offset + i * rowStride + k * colStride]}: a
     * row-major matrix is (numCols, 1), its transpose (1, numCols).
     */
    record View(double[] data, int offset, int rowStride, int colStride) {
        double get(int i, int k) {
            return data[offset + i * rowStride + k * colStride];
        }

        static View of(DMatrixRMaj m) {
            return new View(m.data, 0, m.numCols, 1);
        }

        static View transposed(DMatrixRMaj m) {
            return new View(m.data, 0, 1, m.numCols);
        }
    }

    /** c = aᵀ a (a is m x r, c r x r): the upper triangle's tiles only, mirrored into the lower. */
    static void gram(DMatrixRMaj a, DMatrixRMaj c) {
        int r = a.numCols;
        c.reshape(r, r);
        product(View.transposed(a), View.of(a), r, r, a.numRows, c.data, r, true);
        double[] d = c.data;
        for (int i = 1; i < r; i++) for (int j = 0; j < i; j++) d[i * r + j] = d[j * r + i];
    }

    /** c = a b. */
    static void mult(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (a.numCols != b.numRows) throw new IllegalArgumentException(shapes("a b", a, b));
        c.reshape(a.numRows, b.numCols);
        product(View.of(a), View.of(b), a.numRows, b.numCols, a.numCols, c.data, b.numCols, false);
    }

    /** c = a bᵀ. */
    static void multTransB(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (a.numCols != b.numCols) throw new IllegalArgumentException(shapes("a bᵀ", a, b));
        c.reshape(a.numRows, b.numRows);
        product(View.of(a), View.transposed(b), a.numRows, b.numRows, a.numCols, c.data, b.numRows, false);
    }

    private static String shapes(String what, DMatrixRMaj a, DMatrixRMaj b) {
        return what + " of " + a.numRows + " x " + a.numCols + " and " + b.numRows + " x " + b.numCols;
    }

    /**
     * {@code c[i * ldc + j] = Σ_k x[i][k] y[k][j]} for i < m, j < n, k < depth, each element one
     * FMA chain; with {@code upper}, only the tiles that hold an element with i ≤ j (the caller
     * mirrors the rest).
     */
    static void product(View x, View y, int m, int n, int depth, double[] c, int ldc, boolean upper) {
        if (m == 0 || n == 0) return;
        if (depth == 0) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, i * ldc, i * ldc + n, 0.0);
            return;
        }
        int kcMax = Math.min(DEPTH_BLOCK, depth);
        int ncMax = Math.min(COLUMN_BLOCK, roundUp(n, PANEL));
        int mcMax = Math.min(ROW_BLOCK, roundUp(m, ROWS));
        double[] bp = new double[kcMax * ncMax];
        double[] ap = new double[kcMax * mcMax];
        double[] scratch = new double[ROWS * PANEL]; // the full-width tile of an edge tile
        for (int jc = 0; jc < n; jc += COLUMN_BLOCK) {
            int nc = Math.min(COLUMN_BLOCK, n - jc);
            // Rows past the block's last column have no element with i <= j in it.
            int mEnd = upper ? Math.min(m, jc + nc) : m;
            for (int pc = 0; pc < depth; pc += DEPTH_BLOCK) {
                int kc = Math.min(DEPTH_BLOCK, depth - pc);
                boolean first = pc == 0;
                packRight(y, pc, kc, jc, nc, bp);
                for (int ic = 0; ic < mEnd; ic += ROW_BLOCK) {
                    int mc = Math.min(ROW_BLOCK, mEnd - ic);
                    packLeft(x, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += PANEL) {
                        int nr = Math.min(PANEL, nc - jr);
                        int bOff = jr * kc; // panel jr / PANEL, each kc * PANEL long
                        int j = jc + jr;
                        for (int ir = 0; ir < mc; ir += ROWS) {
                            int i = ic + ir;
                            if (upper && i > j + nr - 1) break;
                            int mr = Math.min(ROWS, mc - ir);
                            int aOff = ir * kc;
                            if (mr == ROWS && nr == PANEL) {
                                tile(ap, aOff, bp, bOff, kc, c, i * ldc + j, ldc, first);
                            } else {
                                if (!first) for (int t = 0; t < mr; t++) System.arraycopy(c, (i + t) * ldc + j, scratch, t * PANEL, nr);
                                tile(ap, aOff, bp, bOff, kc, scratch, 0, PANEL, first);
                                for (int t = 0; t < mr; t++) System.arraycopy(scratch, t * PANEL, c, (i + t) * ldc + j, nr);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int roundUp(int v, int to) {
        return (v + to - 1) / to * to;
    }

    /**
     * y[pc .. pc + kc)[jc .. jc + nc) as panels of PANEL columns, k-major
     * ({@code bp[panel * kc * PANEL + k * PANEL + j]}), columns past nc zero.
     */
    private static void packRight(View y, int pc, int kc, int jc, int nc, double[] bp) {
        for (int jr = 0, p = 0; jr < nc; jr += PANEL, p += kc * PANEL) {
            int nr = Math.min(PANEL, nc - jr);
            if (y.colStride == 1) { // rows of y contiguous (A·B, AᵀA): a row's slice per k
                for (int k = 0; k < kc; k++) {
                    int dst = p + k * PANEL;
                    System.arraycopy(y.data, y.offset + (pc + k) * y.rowStride + jc + jr, bp, dst, nr);
                    if (nr < PANEL) java.util.Arrays.fill(bp, dst + nr, dst + PANEL, 0.0);
                }
            } else { // columns of y contiguous (A·Bᵀ: B's rows): read each along k
                for (int j = 0; j < PANEL; j++) {
                    if (j >= nr) {
                        for (int k = 0, d = p + j; k < kc; k++, d += PANEL) bp[d] = 0.0;
                        continue;
                    }
                    int src = y.offset + pc * y.rowStride + (jc + jr + j) * y.colStride;
                    for (int k = 0, d = p + j; k < kc; k++, d += PANEL) bp[d] = y.data[src + k * y.rowStride];
                }
            }
        }
    }

    /**
     * x[ic .. ic + mc)[pc .. pc + kc) as micro-panels of ROWS rows, k-major
     * ({@code ap[panel * kc * ROWS + k * ROWS + i]}), rows past mc zero.
     */
    private static void packLeft(View x, int ic, int mc, int pc, int kc, double[] ap) {
        for (int ir = 0, p = 0; ir < mc; ir += ROWS, p += kc * ROWS) {
            int mr = Math.min(ROWS, mc - ir);
            if (x.colStride == 1) { // rows of x contiguous (A·B, A·Bᵀ): read each along k
                for (int t = 0; t < ROWS; t++) {
                    if (t >= mr) {
                        for (int k = 0, d = p + t; k < kc; k++, d += ROWS) ap[d] = 0.0;
                        continue;
                    }
                    int src = x.offset + (ic + ir + t) * x.rowStride + pc;
                    for (int k = 0, d = p + t; k < kc; k++, d += ROWS) ap[d] = x.data[src + k];
                }
            } else { // columns of x contiguous (Aᵀ of AᵀA: A's rows): ROWS neighbours per k
                for (int k = 0; k < kc; k++) {
                    int src = x.offset + (ic + ir) * x.rowStride + (pc + k) * x.colStride, d = p + k * ROWS;
                    for (int t = 0; t < ROWS; t++) ap[d + t] = t < mr ? x.data[src + t * x.rowStride] : 0.0;
                }
            }
        }
    }

    private static DoubleVector load(double[] c, int off, boolean first) {
        return first ? DoubleVector.zero(S) : DoubleVector.fromArray(S, c, off);
    }

    /**
     * One micro-panel of 4 rows (ap, k-major) against one panel (bp), kc values of k, into the
     * 4 x PANEL tile of c at {@code c0} (row stride ldc), continuing the chains there unless
     * {@code first}.
     */
    private static void tile(double[] ap, int aOff, double[] bp, int bOff, int kc, double[] c, int c0, int ldc, boolean first) {
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        DoubleVector x00 = load(c, c0, first), x01 = load(c, c0 + L, first), x02 = load(c, c0 + 2 * L, first);
        DoubleVector x10 = load(c, c1, first), x11 = load(c, c1 + L, first), x12 = load(c, c1 + 2 * L, first);
        DoubleVector x20 = load(c, c2, first), x21 = load(c, c2 + L, first), x22 = load(c, c2 + 2 * L, first);
        DoubleVector x30 = load(c, c3, first), x31 = load(c, c3 + L, first), x32 = load(c, c3 + 2 * L, first);
        for (int k = 0, a = aOff, b = bOff; k < kc; k++, a += ROWS, b += PANEL) {
            DoubleVector w0 = DoubleVector.fromArray(S, bp, b);
            DoubleVector w1 = DoubleVector.fromArray(S, bp, b + L);
            DoubleVector w2 = DoubleVector.fromArray(S, bp, b + 2 * L);
            DoubleVector v = DoubleVector.broadcast(S, ap[a]);
            x00 = v.fma(w0, x00);
            x01 = v.fma(w1, x01);
            x02 = v.fma(w2, x02);
            v = DoubleVector.broadcast(S, ap[a + 1]);
            x10 = v.fma(w0, x10);
            x11 = v.fma(w1, x11);
            x12 = v.fma(w2, x12);
            v = DoubleVector.broadcast(S, ap[a + 2]);
            x20 = v.fma(w0, x20);
            x21 = v.fma(w1, x21);
            x22 = v.fma(w2, x22);
            v = DoubleVector.broadcast(S, ap[a + 3]);
            x30 = v.fma(w0, x30);
            x31 = v.fma(w1, x31);
            x32 = v.fma(w2, x32);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + L);
        x02.intoArray(c, c0 + 2 * L);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + L);
        x12.intoArray(c, c1 + 2 * L);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + L);
        x22.intoArray(c, c2 + 2 * L);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + L);
        x32.intoArray(c, c3 + 2 * L);
    }

    /** The reference every element of {@link #product} equals bit for bit: one FMA chain from zero over k in order. */
    static double chain(View x, View y, int i, int j, int depth) {
        double acc = 0;
        for (int k = 0; k < depth; k++) acc = Math.fma(x.get(i, k), y.get(k, j), acc);
        return acc;
    }
}
