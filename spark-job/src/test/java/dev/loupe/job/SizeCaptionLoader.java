package dev.loupe.job;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CodeFences;
import dev.loupe.engine.task.CountAnswers;
import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.RelativeBoxes;
import dev.loupe.engine.task.RelativePoints;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.engine.vlm.ImageLimits;
import dev.loupe.udf.AnnotatorLoader;
import dev.loupe.udf.ModelKey;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.imageio.ImageIO;

/**
 * A fake engine for job tests, named in {@code spark.loupe.loader}: it decodes the image and
 * captions it with its size ("a 640x427 image"), so every output row can be checked against the
 * file it came from. Undecodable bytes are a bad row, as in the engine's contract. The prompt
 * "crash", or an image of width {@link #crashOnWidth}, throws an Error, which must fail the task
 * (and the job), unlike a bad row.
 */
public final class SizeCaptionLoader implements AnnotatorLoader {
    /** What every annotation reports of its stages (binary fractions: their sums are exact). */
    static final Annotation.Stages STAGES = new Annotation.Stages(10, 0.25, 0.125, 0.5);

    /** Threads that ran the model: they must be Spark task threads, never the driver's. */
    static final Set<String> THREADS = ConcurrentHashMap.newKeySet();
    /** Widths of the images annotated, one entry per call: which images a run really sent to the model. */
    static final Queue<Integer> WIDTHS = new ConcurrentLinkedQueue<>();
    /** An image of this width crashes the task, like the prompt "crash"; -1 for none. */
    static volatile int crashOnWidth = -1;

    static String captionFor(int width, int height) {
        return "a " + width + "x" + height + " image";
    }

    /** Stands for a failure that is no row's fault (out of memory, a crashed native library...). */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated executor crash");
        }
    }

    @Override
    public ImageAnnotator load(Path model, Path mmproj, ModelKey key) {
        return new ImageAnnotator() {
            @Override
            public Annotation annotate(byte[] image, Task task, String userPrompt, GenerationSettings settings) {
                THREADS.add(Thread.currentThread().getName());
                String prompt = task.promptFor(userPrompt); // as the engine's models do: the task completes the user's prompt
                if (prompt.equals("crash")) throw new SimulatedCrash();
                BufferedImage img;
                try {
                    img = ImageIO.read(new ByteArrayInputStream(image));
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot decode image: " + e.getMessage(), e);
                }
                if (img == null) throw new IllegalArgumentException("cannot decode image: unknown format");
                int w = img.getWidth();
                int h = img.getHeight();
                if (w == crashOnWidth) throw new SimulatedCrash();
                WIDTHS.add(w);
                if (task == Task.SEMANTIC || task == Task.DEPTH) return denseAnswer(task, prompt, w, h);
                String text = task == Task.VQA ? "answer to " + prompt : captionFor(w, h);
                if (!settings.greedy()) text += ", seed " + settings.seed(); // what a sampling engine would depend on
                return new Annotation(task.id, prompt, text, List.of(new Annotation.Box("image", 0, 0, w, h, null)),
                        null, null, null, w, h, 12, 3, "stop", STAGES);
            }

            /**
             * What Youtu-VL would answer, parsed as the engine parses it: semantic segmentation
             * splits the image into a top half ("top") and the rest ("bottom"); depth gives each
             * 16x16 cell its row-major index as its code.
             */
            private Annotation denseAnswer(Task task, String prompt, int w, int h) {
                String text;
                if (task == Task.SEMANTIC) {
                    int top = w * (h / 2);
                    text = "<ref>top</ref><ref>bottom</ref><mask>(0," + top + ")(1," + (w * h - top) + ")</mask>";
                    var parsed = dev.loupe.engine.task.SegmentationAnswers.masks(text, w, h);
                    return new Annotation(task.id, prompt, text, null, null, null, parsed.masks(), w, h, 12, 3, "stop", STAGES,
                            parsed.problem(), null, null);
                }
                StringBuilder runs = new StringBuilder("<depth><mask>");
                for (int i = 0; i < (w / 16) * (h / 16); i++) runs.append('(').append(i).append(",1)");
                text = runs.append("</mask>").toString();
                var parsed = dev.loupe.engine.task.DepthAnswers.parse(text, w, h);
                return new Annotation(task.id, prompt, text, null, null, null, null, w, h, 12, 3, "stop", STAGES,
                        parsed.problem(), null, parsed.depth());
            }

            /**
             * Point, count and OCR answered as Qwen3-VL would, parsed as the engine parses them:
             * a point at the centre per category (or for the prompt); for count a box per category
             * over the whole image, the first written twice (a looping model); for OCR the image's
             * size inside a code fence. Classify as the engine's contract has it (below). Other tasks as above.
             */
            @Override
            public Annotation annotate(byte[] image, TaskRequest request, GenerationSettings settings, ImageLimits limits) {
                Task task = request.task();
                if (task.scoresCandidates()) return classify(image, request, settings);
                if (task != Task.POINT && task != Task.COUNT && task != Task.OCR) {
                    return ImageAnnotator.super.annotate(image, request, settings, limits);
                }
                String prompt = request.instruction();
                BufferedImage img;
                try {
                    img = ImageIO.read(new ByteArrayInputStream(image));
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot decode image: " + e.getMessage(), e);
                }
                int w = img.getWidth(), h = img.getHeight();
                WIDTHS.add(w);
                ImageFrame frame = new ImageFrame(w, h, w, h, 0, 0, w, h);
                List<String> labels = !request.categories().isEmpty() ? request.categories()
                        : request.hasPrompt() ? List.of(request.prompt().strip()) : List.of(); // OCR takes neither
                StringBuilder text = new StringBuilder("```json\n[");
                return switch (task) {
                    case POINT -> {
                        for (String l : labels) text.append("{\"point_2d\": [500, 500], \"label\": \"").append(l).append("\"}, ");
                        String answer = text.append("]\n```").toString();
                        yield new Annotation(task.id, prompt, answer, null, RelativePoints.parse(answer, frame), null, null, w, h, 12, 3, "stop", STAGES,
                                RelativePoints.problem(answer), null, null);
                    }
                    case COUNT -> {
                        for (String l : labels) text.append("{\"bbox_2d\": [0, 0, 1000, 1000], \"label\": \"").append(l).append("\"}, ");
                        text.append("{\"bbox_2d\": [0, 0, 1000, 1000], \"label\": \"").append(labels.getFirst()).append("\"}");
                        String answer = text.append("]\n```").toString();
                        CountAnswers.Result c = CountAnswers.fromBoxes(answer, "\"bbox_2d\"", RelativeBoxes.parse(answer, frame), RelativeBoxes.problem(answer));
                        yield new Annotation(task.id, prompt, answer, c.boxes(), null, c.count(), null, w, h, 12, 3, "stop", STAGES, c.problem(), null, null);
                    }
                    default -> {
                        String answer = "The image says:\n```\n" + captionFor(w, h).toUpperCase(java.util.Locale.ROOT) + "\n```";
                        yield new Annotation(task.id, prompt, CodeFences.strip(answer), null, null, null, null, w, h, 12, 3, "stop", STAGES,
                                CodeFences.problem(answer), null, null);
                    }
                };
            }

            /**
             * classify as the engine's contract has it (best label as the text, every label with its
             * probability, most probable first), with stand-in probabilities proportional to each
             * label's length, so a test can tell which candidates reached the row.
             */
            private Annotation classify(byte[] image, TaskRequest request, GenerationSettings settings) {
                Annotation sized = annotate(image, Task.CAPTION, null, settings);
                if (request.labels() == null) throw new IllegalArgumentException("no candidate labels reached the engine");
                List<String> labels = request.labels().labels();
                double total = labels.stream().mapToInt(String::length).sum();
                List<Annotation.Label> scored = labels.stream().map(l -> new Annotation.Label(l, (float) (l.length() / total)))
                        .sorted(java.util.Comparator.comparing(Annotation.Label::probability).reversed()).toList();
                String prompt = dev.loupe.engine.task.PromptBook.defaults().render("smolvlm", request);
                return new Annotation(request.task().id, prompt, scored.getFirst().label(), null, null, null, null, sized.imageWidth(),
                        sized.imageHeight(), 12, 0, "scored", STAGES, null, null, null, null, scored);
            }

            @Override
            public String describe() {
                return "size captions";
            }

            @Override
            public void close() {}
        };
    }
}
