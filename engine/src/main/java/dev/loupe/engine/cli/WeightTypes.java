package dev.loupe.engine.cli;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufTensor;
import dev.loupe.engine.tensor.GgmlType;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** A model's weight types and their share of its bytes, "Q4_K 71%, Q6_K 25%, F32 4%": which kernels a benchmark ran. */
final class WeightTypes {
    private WeightTypes() {}

    static String describe(GgufFile file) {
        Map<GgmlType, Long> bytes = new TreeMap<>();
        long total = 0;
        for (GgufTensor t : file.tensors().values()) {
            long b = t.data().byteSize();
            bytes.merge(t.type(), b, Long::sum);
            total += b;
        }
        final long all = Math.max(1, total);
        return bytes.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .map(e -> e.getKey() + " " + Math.round(100.0 * e.getValue() / all) + "%")
                .collect(Collectors.joining(", "));
    }
}
