package dev.loupe.engine.bench;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.LabelCandidates;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.vlm.BatchScheduler;
import dev.loupe.engine.vlm.BatchableAnnotator;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ImageLimits;
import dev.loupe.engine.vlm.ImageTasks;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javax.imageio.ImageIO;

/**
 * Images per hour for one executor's worth of rows: the same images captioned one at a time
 * (the annotate job without batching) and through a {@link BatchScheduler} (continuous
 * batching), with the engine's time split between encode, prefill and decode. Decoding is
 * exact in both runs, so both generate the same tokens and the comparison is fair.
 */
public final class AnnotateBench {
    /** One run: wall seconds, and the stages summed over its images. */
    public record Run(int images, double wallSeconds, long generatedTokens, double encodeSeconds, double prefillSeconds,
                      double decodeSeconds, long imagePositions) {
        public double imagesPerHour() {
            return images * 3600 / wallSeconds;
        }
    }

    private final BatchableAnnotator model;
    private final List<byte[]> images;
    private final GenerationSettings settings;

    public AnnotateBench(BatchableAnnotator model, int count, int size, int maxTokens) {
        this.model = model;
        this.images = syntheticImages(count, size);
        this.settings = GenerationSettings.GREEDY.withMaxTokens(maxTokens);
    }

    /** Compiles both paths' code before either is timed: one short caption each way. */
    public void warmUp(int maxBatch) {
        model.annotate(images.get(0), Task.CAPTION, null, settings.withMaxTokens(4));
        try (BatchScheduler scheduler = new BatchScheduler(model, maxBatch, 2)) {
            scheduler.submit(images.get(0), Task.CAPTION, null, settings.withMaxTokens(4)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the warm-up row failed: " + e.getCause(), e.getCause());
        }
    }

    /** Every image captioned on the calling thread, one after the other. */
    public Run oneAtATime() {
        List<Annotation> out = new ArrayList<>();
        long t0 = System.nanoTime();
        for (byte[] image : images) out.add(model.annotate(image, Task.CAPTION, null, settings));
        return run(out, t0);
    }

    /** Every image submitted at once to a scheduler decoding up to {@code maxBatch} rows together. */
    public Run batched(int maxBatch) {
        try (BatchScheduler scheduler = new BatchScheduler(model, maxBatch, images.size())) {
            long t0 = System.nanoTime();
            List<CompletableFuture<Annotation>> futures = new ArrayList<>();
            for (byte[] image : images) futures.add(scheduler.submit(image, Task.CAPTION, null, settings));
            List<Annotation> out = new ArrayList<>();
            for (CompletableFuture<Annotation> f : futures) out.add(f.get());
            return run(out, t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a benchmark row failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Several tasks of every image, each row asked alone (an encode and a whole prefill per task),
     * on the calling thread: the baseline of {@link #tasksOnOneEncode}. {@link Run#images()} counts
     * images, not rows, so the per-image figures are of all the image's tasks.
     */
    public Run tasksSeparately(List<TaskRequest> tasks) {
        List<Annotation> out = new ArrayList<>();
        long t0 = System.nanoTime();
        for (byte[] image : images) for (TaskRequest t : tasks) out.add(model.annotate(image, t, settings, ImageLimits.NONE));
        return run(out, images.size(), t0);
    }

    /** The same rows as {@link #tasksSeparately}, each image's tasks on one encode and one prefill of the shared prefix. */
    public Run tasksOnOneEncode(List<TaskRequest> tasks) {
        List<Annotation> out = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (byte[] image : images) {
                for (CompletableFuture<Annotation> f : model.annotateAll(new ImageTasks(image, tasks, settings, ImageLimits.NONE))) out.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a benchmark row failed: " + e.getCause(), e.getCause());
        }
        return run(out, images.size(), t0);
    }

    /**
     * A request of {@code task} that needs nothing of the bench's synthetic images: the task's
     * default prompt, or a generic one where it needs one ("object" to find or count, two labels).
     */
    public static TaskRequest request(Task task) {
        if (task.scoresCandidates()) return TaskRequest.classify(null, new LabelCandidates(List.of("a photo", "a drawing")));
        if (task.takesCategories()) return new TaskRequest(task, null, List.of("object"));
        return switch (task) {
            case VQA -> TaskRequest.of(task, "What is in this image?");
            case GROUND, SEGMENT, SEGMENT_REFINED -> TaskRequest.of(task, "the object");
            default -> TaskRequest.of(task, null);
        };
    }

    private static Run run(List<Annotation> out, long t0) {
        return run(out, out.size(), t0);
    }

    private static Run run(List<Annotation> out, int images, long t0) {
        double wall = (System.nanoTime() - t0) / 1e9;
        long tokens = 0, positions = 0;
        double encode = 0, prefill = 0, decode = 0;
        for (Annotation a : out) {
            tokens += a.generatedTokens();
            Annotation.Stages s = a.stages();
            if (s == null) continue;
            positions += s.imagePositions();
            encode += s.encodeSeconds();
            prefill += s.prefillSeconds();
            decode += s.decodeSeconds();
        }
        return new Run(images, wall, tokens, encode, prefill, decode, positions);
    }

    /** Smooth random colour fields (PNG), so that decoding and resizing do real work. */
    static List<byte[]> syntheticImages(int count, int size) {
        SplittableRandom rnd = new SplittableRandom(17);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            double fx = rnd.nextDouble(0.005, 0.05), fy = rnd.nextDouble(0.005, 0.05), phase = rnd.nextDouble(6.28);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int r = (int) (127.5 + 127.5 * Math.sin(fx * x + phase));
                    int g = (int) (127.5 + 127.5 * Math.sin(fy * y + 2 * phase));
                    int b = (int) (127.5 + 127.5 * Math.sin(fx * x + fy * y));
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                ImageIO.write(img, "png", bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(bytes.toByteArray());
        }
        return out;
    }
}
