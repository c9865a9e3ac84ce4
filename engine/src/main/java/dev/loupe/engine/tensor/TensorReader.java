package dev.loupe.engine.tensor;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufFormatException;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.kernels.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Shape-checked access to a model file's tensors, with errors naming file and tensor. */
public final class TensorReader {
    private final GgufFile file;

    public TensorReader(GgufFile file) {
        this.file = file;
    }

    public GgufFile file() {
        return file;
    }

    public boolean has(String name) {
        return file.hasTensor(name);
    }

    /** A matrix of ggml shape [cols, rows]; leading dimensions fold into cols (a conv kernel [P, P, 3, E] is [3PP, E]). */
    public WeightMatrix matrix(String name, int cols, int rows) {
        GgufTensor t = file.tensor(name);
        if (t.dims() < 2 || t.ne()[t.dims() - 1] != rows || t.elementCount() != (long) cols * rows) {
            throw shapeError(t, "[" + cols + ", " + rows + "]");
        }
        return new WeightMatrix(t.name(), t.type(), rows, cols, t.data());
    }

    /**
     * A 3-D tensor of ggml shape [cols, rows, count] as {@code count} matrices of [cols, rows]
     * (MLA's per-head {@code attn_k_b} / {@code attn_v_b}), each a view of its slice.
     */
    public WeightMatrix[] matrixStack(String name, int cols, int rows, int count) {
        GgufTensor t = file.tensor(name);
        long[] ne = t.ne();
        if (t.dims() != 3 || ne[0] != cols || ne[1] != rows || ne[2] != count) {
            throw shapeError(t, "[" + cols + ", " + rows + ", " + count + "]");
        }
        long bytes = t.type().bytesFor((long) cols * rows);
        WeightMatrix[] out = new WeightMatrix[count];
        for (int i = 0; i < count; i++) {
            out[i] = WeightMatrix.sliceOfStack(t.name() + "[" + i + "]", t.type(), rows, cols, t.data().asSlice(i * bytes, bytes));
        }
        return out;
    }

    /** A 1-D F32 or F16 tensor of n values, copied to floats (small tensors read every row). */
    public float[] vector(String name, int n) {
        GgufTensor t = file.tensor(name);
        if (t.elementCount() != n) throw shapeError(t, "[" + n + "]");
        return floats(t);
    }

    public float[] optionalVector(String name, int n) {
        return has(name) ? vector(name, n) : null;
    }

    /** Any F32/F16 tensor as floats, in ggml order. */
    public float[] floats(GgufTensor t) {
        int n = Math.toIntExact(t.elementCount());
        float[] v = new float[n];
        switch (t.type()) {
            case F32 -> MemorySegment.copy(t.data(), Layouts.F32, 0, v, 0, n);
            case F16 -> { for (int i = 0; i < n; i++) v[i] = Layouts.f16(t.data(), 2L * i); }
            default -> throw new GgufFormatException(file.path(), "tensor " + t.name() + " has type " + t.type() + ", expected F32 or F16");
        }
        return v;
    }

    public Linear linear(String prefix, int inputs, int outputs) {
        return new Linear(matrix(prefix + ".weight", inputs, outputs), optionalVector(prefix + ".bias", outputs));
    }

    private GgufFormatException shapeError(GgufTensor t, String expected) {
        return new GgufFormatException(file.path(), "tensor " + t.name() + " has shape " + Arrays.toString(t.ne()) + ", expected " + expected);
    }
}
