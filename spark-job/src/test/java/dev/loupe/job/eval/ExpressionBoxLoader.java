package dev.loupe.job.eval;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CocoRle;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ImageAnnotator;
import dev.loupe.udf.AnnotatorLoader;
import dev.loupe.udf.ModelKey;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * A fake model for eval tests, named in {@code spark.loupe.loader}, whose answers are written in
 * the expression itself: "the cat [10,20,60,80]" grounds to the box x0=10, y0=20, x1=60, y1=80
 * and segments to the pixels of that rectangle; an expression without brackets gets an answer
 * without a box (a parse error). Images are decoded, so an undecodable one fails its row as the
 * engine's would. Every metric of a run is then computable by hand.
 */
public final class ExpressionBoxLoader implements AnnotatorLoader {
    private static final Pattern BOX = Pattern.compile("\\[(\\d+),(\\d+),(\\d+),(\\d+)]");
    /** Requests answered, over all runs of the JVM: which rows a run really sent to the model. */
    static final java.util.concurrent.atomic.AtomicInteger CALLS = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public ImageAnnotator load(Path model, Path mmproj, ModelKey key) {
        return new ImageAnnotator() {
            @Override
            public Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings) {
                CALLS.incrementAndGet();
                BufferedImage img;
                try {
                    img = ImageIO.read(new ByteArrayInputStream(image));
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot decode image: " + e.getMessage(), e);
                }
                if (img == null) throw new IllegalArgumentException("cannot decode image: unknown format");
                int w = img.getWidth(), h = img.getHeight();
                Matcher m = BOX.matcher(prompt);
                boolean found = m.find();
                String text = found ? "box " + m.group() : "I see nothing";
                String parseError = found ? null : "no box in the answer";
                if (task == Task.SEGMENT) {
                    List<Annotation.Mask> masks = List.of();
                    if (found) {
                        int x0 = Integer.parseInt(m.group(1)), y0 = Integer.parseInt(m.group(2));
                        int x1 = Integer.parseInt(m.group(3)), y1 = Integer.parseInt(m.group(4));
                        byte[] mask = new byte[w * h];
                        for (int y = y0; y < Math.min(y1, h); y++) for (int x = x0; x < Math.min(x1, w); x++) mask[y * w + x] = 1;
                        masks = List.of(new Annotation.Mask(prompt, h, w, CocoRle.encode(mask, w, h)));
                    }
                    return new Annotation(task.id, prompt, text, null, null, null, masks, w, h, 10, 3, "stop", null, parseError);
                }
                List<Annotation.Box> boxes = found ? List.of(new Annotation.Box(prompt, Float.parseFloat(m.group(1)), Float.parseFloat(m.group(2)),
                        Float.parseFloat(m.group(3)), Float.parseFloat(m.group(4)), null)) : List.of();
                return new Annotation(task.id, prompt, text, boxes, null, null, null, w, h, 10, 3, "stop", null, parseError);
            }

            @Override
            public String describe() {
                return "boxes written in the expressions";
            }

            @Override
            public void close() {}
        };
    }
}
