package dev.loupe.udf;

import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.vlm.GenerationSettings;
import dev.loupe.engine.vlm.ImageAnnotator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * Stands in for the engine: decodes the image with ImageIO and answers "a WxH image", so tests can
 * check each row's text against the image it came from. Undecodable bytes are a bad row
 * (IllegalArgumentException), as the engine's contract says.
 */
final class FakeAnnotator implements ImageAnnotator {
    final AtomicInteger calls = new AtomicInteger();
    final Set<String> callerThreads = ConcurrentHashMap.newKeySet();

    static String captionFor(int width, int height) {
        return "a " + width + "x" + height + " image";
    }

    @Override
    public Annotation annotate(byte[] image, Task task, String prompt, GenerationSettings settings) {
        calls.incrementAndGet();
        callerThreads.add(Thread.currentThread().getName());
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(image));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode image: " + e.getMessage(), e);
        }
        if (img == null) throw new IllegalArgumentException("cannot decode image: unknown format");
        int w = img.getWidth();
        int h = img.getHeight();
        // As the engine's models do: the prompt given is the user's, the task makes it the full one.
        String full = task.promptFor(prompt);
        String text = task == Task.VQA ? "answer to: " + full : captionFor(w, h);
        return new Annotation(task.id, full, text,
                List.of(new Annotation.Box("image", 0, 0, w, h, null)), null, null, null,
                w, h, 10, settings.maxTokens(), "length");
    }

    @Override
    public String describe() {
        return "fake";
    }

    @Override
    public void close() {}
}
