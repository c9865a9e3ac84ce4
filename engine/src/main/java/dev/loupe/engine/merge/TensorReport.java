package dev.loupe.engine.merge;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * What happened to one tensor: kept (with the reason) or merged, with the knee k of its delta
 * (one per 2-D slice for a stacked tensor), the rank r = min(m, n), the share of Δ's energy kept
 * (Σ_{i≤k} σ_i² / Σ σ_i²) and the seconds the merge took.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TensorReport(String name, List<Long> shape, String action, String reason, String type,
                           Integer k, List<Integer> sliceK, Integer rank, Double energyKept, Double seconds) implements Serializable {

    public static TensorReport kept(TensorPairing.Pair p) {
        return new TensorReport(p.name(), shapeOf(p.vision().ne()), "keep", p.reason(), p.vision().type().toString(),
                null, null, null, null, null);
    }

    static List<Long> shapeOf(long[] ne) {
        return java.util.Arrays.stream(ne).boxed().toList();
    }

    public boolean merged() {
        return action.equals("merge");
    }

    /** One line for the console. */
    public String line() {
        String shapeText = shape.toString();
        if (!merged()) return String.format(Locale.ROOT, "%-36s %-16s keep   (%s)", name, shapeText, reason);
        String ks = k != null ? "k=" + k : "k=" + sliceK;
        return String.format(Locale.ROOT, "%-36s %-16s merge  %s of %d, %.1f%% of delta energy, %s, %.2f s",
                name, shapeText, ks, rank, 100 * energyKept, type, seconds);
    }
}
