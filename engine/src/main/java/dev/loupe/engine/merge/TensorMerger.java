package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.kernels.Kernels;
import dev.loupe.engine.kernels.WeightKernel;
import dev.loupe.engine.tensor.GgmlType;
import dev.loupe.engine.tensor.WeightEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges one paired tensor: both sides dequantized to float32 whatever their types, each 2-D
 * slice ({@code ne[0] x ne[1]}; a 3-D stack is merged slice by slice, as torch's batched SVD
 * would) through {@link DeltaMerge}, and the result encoded in the output type. The bytes depend
 * only on the two tensors and the type, so {@code loupe merge} and the Spark job write the same.
 */
public final class TensorMerger {
    /** A merged tensor's bytes in {@code type} and its report line. */
    public record MergedTensor(GgmlType type, byte[] bytes, TensorReport report) {}

    private TensorMerger() {}

    public static MergedTensor merge(TensorPairing.Pair pair, OutputType output) {
        if (pair.action() != TensorPairing.Action.MERGE) throw new IllegalArgumentException(pair.name() + " is kept, not merged: " + pair.reason());
        long start = System.nanoTime();
        GgufTensor v = pair.vision(), t = pair.text();
        GgmlType type = output.typeFor(v);
        int cols = Math.toIntExact(v.ne()[0]), rows = Math.toIntExact(v.ne()[1]);
        long sliceValues = (long) rows * cols;
        if (sliceValues > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor " + v.name() + " has " + sliceValues + " values per matrix, more than merge holds in memory");
        int slices = Math.toIntExact(v.elementCount() / sliceValues);
        long bytes = type.bytesFor(v.elementCount());
        if (bytes > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor " + v.name() + " is " + bytes + " bytes as " + type + ", more than one array holds");
        byte[] out = new byte[(int) bytes];
        int sliceBytes = Math.toIntExact(type.bytesFor(sliceValues));
        byte[] encoded = new byte[sliceBytes];
        List<Integer> ks = new ArrayList<>();
        double keptEnergy = 0, totalEnergy = 0;
        int rank = Math.min(rows, cols);
        for (int s = 0; s < slices; s++) {
            float[] vision = floats(v, s, rows, cols);
            float[] text = floats(t, s, rows, cols);
            DeltaMerge.Result r = DeltaMerge.merge(vision, text, rows, cols);
            ks.add(r.k());
            for (int i = 0; i < r.singularValues().length; i++) {
                double e = r.singularValues()[i] * r.singularValues()[i];
                totalEnergy += e;
                if (i < r.k()) keptEnergy += e;
            }
            WeightEncoder.encode(type, r.merged(), r.merged().length, encoded);
            System.arraycopy(encoded, 0, out, s * sliceBytes, sliceBytes);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        TensorReport report = new TensorReport(v.name(), TensorReport.shapeOf(v.ne()), "merge", pair.reason(), type.toString(),
                slices == 1 ? ks.get(0) : null, slices == 1 ? null : ks, rank,
                totalEnergy > 0 ? keptEnergy / totalEnergy : 1.0, seconds);
        return new MergedTensor(type, out, report);
    }

    /** Slice {@code s} of a tensor as float32, row-major. */
    static float[] floats(GgufTensor t, int s, int rows, int cols) {
        WeightKernel kernel = Kernels.forType(t.type(), t.name());
        long sliceBytes = t.type().bytesFor((long) rows * cols);
        var data = t.data().asSlice(s * sliceBytes, sliceBytes);
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) kernel.dequantizeRow(data, cols, r, out, r * cols);
        return out;
    }
}
