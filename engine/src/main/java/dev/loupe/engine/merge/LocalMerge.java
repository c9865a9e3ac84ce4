package dev.loupe.engine.merge;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.gguf.GgufWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@code loupe merge} on one machine: tensors merged on {@code threads} threads (one tensor per
 * thread: EJML's decompositions are single-threaded) while the writer streams the file in the
 * vision model's order. At most {@code threads} merged tensors wait in memory ahead of the
 * writer, so memory stays a few tensors' worth however large the model.
 */
public final class LocalMerge {
    private final GgufFile vision;
    private final GgufFile text;
    private final OutputType output;
    private final int threads;
    private final TensorPairing pairing;

    /** Checks the pair at once ({@link MergePlan#check}): a wrong pair fails before any work. */
    public LocalMerge(GgufFile vision, GgufFile text, OutputType output, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.vision = vision;
        this.text = text;
        this.output = output;
        this.threads = threads;
        this.pairing = MergePlan.check(vision, text, output);
    }

    public TensorPairing pairing() {
        return pairing;
    }

    /** Writes {@code out} (atomically) and returns the report; {@code progress} hears of each tensor in file order. */
    public MergeReport run(Path out, Consumer<TensorReport> progress) {
        long start = System.nanoTime();
        List<TensorPairing.Pair> merged = pairing.merged();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < merged.size(); i++) index.put(merged.get(i).name(), i);
        List<TensorReport> reports = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "loupe-merge");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<TensorMerger.MergedTensor>> futures = new ArrayList<>();
            GgufWriter w = MergedModelWriter.layout(vision, pairing, output, pair -> sink -> {
                int i = index.get(pair.name());
                // Keep the pool busy `threads` tensors ahead of the one being written.
                while (futures.size() < Math.min(merged.size(), i + 1 + threads)) {
                    TensorPairing.Pair next = merged.get(futures.size());
                    futures.add(pool.submit(() -> TensorMerger.merge(next, output)));
                }
                TensorMerger.MergedTensor m = await(futures.get(i), pair.name());
                futures.set(i, null); // let the bytes go once written
                sink.write(m.bytes());
                reports.add(m.report());
                progress.accept(m.report());
            });
            w.write(out);
        } finally {
            pool.shutdownNow();
        }
        List<TensorReport> all = new ArrayList<>();
        Map<String, TensorReport> byName = new HashMap<>();
        reports.forEach(r -> byName.put(r.name(), r));
        for (TensorPairing.Pair p : pairing.pairs()) all.add(p.action() == TensorPairing.Action.MERGE ? byName.get(p.name()) : TensorReport.kept(p));
        return new MergeReport(vision.path().toString(), text.path().toString(), out.toString(), output.toString(),
                merged.size(), pairing.pairs().size() - merged.size(), pairing.unused(), (System.nanoTime() - start) / 1e9, all);
    }

    private static TensorMerger.MergedTensor await(Future<TensorMerger.MergedTensor> f, String name) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while merging " + name, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException("merging " + name + " failed: " + c, c);
        }
    }
}
