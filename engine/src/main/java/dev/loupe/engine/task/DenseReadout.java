package dev.loupe.engine.task;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How Youtu-VL's dense segmentation is read (spec §1.4). Its answers can carry the mask as text
 * ({@code <mask>(v,n)…</mask>} runs); the Hugging Face model instead fills the mask in a
 * generation hook from the hidden states at the image's positions, a readout whose details are
 * unpublished. Loupe's hidden-state readout scores each image token's final-norm hidden state
 * against each candidate class's label token through the tied output head, upsamples the score
 * maps to the original image and takes the best class per pixel. Every choice below is an
 * option, its default the spec's most plausible reading; none is verified against the
 * reference implementation.
 *
 * <p>Written as a comma-separated list of words, in any order, each replacing one default:
 * {@code hidden,unshifted,sigmoid:0.4}. The defaults: {@code auto,shifted,softmax,bilinear,as-written}.
 *
 * @param source     where masks come from
 * @param alignment  which position's hidden state holds an image token's labels
 * @param activation how scores become a choice per pixel
 * @param threshold  with {@link Activation#SIGMOID}: the least probability that assigns a pixel
 * @param upsampling how the token grid's scores reach the original image's pixels
 * @param labelToken which token stands for a class name
 */
public record DenseReadout(Source source, Alignment alignment, Activation activation, float threshold, Upsampling upsampling,
                           LabelToken labelToken) {

    public static final DenseReadout DEFAULT = new DenseReadout(Source.AUTO, Alignment.SHIFTED, Activation.SOFTMAX, 0.5f,
            Upsampling.BILINEAR, LabelToken.AS_WRITTEN);

    public enum Source {
        /** The answer's runs when they cover the image, else the hidden states. */
        AUTO,
        /** Only the answer's {@code <mask>} runs, as the official demo reads the generated text. */
        TEXT,
        /** Only the hidden states at the image's positions. */
        HIDDEN
    }

    public enum Alignment {
        /** Next-token style: image token k's labels are read at the position before it ({@code <|vision_start|>} for k = 0), as the paper's figure draws them. */
        SHIFTED,
        /** Image token k's labels are read at token k itself. */
        UNSHIFTED
    }

    public enum Activation {
        /** One class per pixel, the best scoring (softmax over the candidates never leaves a pixel unassigned). */
        SOFTMAX,
        /** Multi-label: the best class if its sigmoid probability reaches the threshold, else no class. */
        SIGMOID
    }

    public enum Upsampling {
        /** Scores interpolated between token centres, as OpenCV's and PyTorch's bilinear resize (half-pixel centres, edges clamped). */
        BILINEAR,
        /** Each pixel takes its token's scores. */
        NEAREST
    }

    public enum LabelToken {
        /** The first token of the class name as written ({@code <BG>}, {@code <FG>} are single tokens). */
        AS_WRITTEN,
        /** The first token of the class name after a space, as a word inside a sentence is tokenized. */
        LEADING_SPACE
    }

    public DenseReadout {
        if (!(threshold > 0 && threshold < 1)) throw new IllegalArgumentException("sigmoid threshold " + threshold + " is not in (0, 1)");
    }

    /** Parses a readout spec (see the class comment); null or blank is {@link #DEFAULT}. */
    public static DenseReadout parse(String spec) {
        DenseReadout r = DEFAULT;
        if (spec == null || spec.isBlank()) return r;
        for (String raw : spec.split(",")) {
            String word = raw.strip().toLowerCase(Locale.ROOT);
            if (word.isEmpty()) continue;
            if (word.startsWith("sigmoid:")) {
                float t;
                try {
                    t = Float.parseFloat(word.substring("sigmoid:".length()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("dense readout '" + raw.strip() + "': the sigmoid threshold is not a number");
                }
                r = new DenseReadout(r.source, r.alignment, Activation.SIGMOID, t, r.upsampling, r.labelToken);
                continue;
            }
            r = switch (word) {
                case "auto" -> new DenseReadout(Source.AUTO, r.alignment, r.activation, r.threshold, r.upsampling, r.labelToken);
                case "text" -> new DenseReadout(Source.TEXT, r.alignment, r.activation, r.threshold, r.upsampling, r.labelToken);
                case "hidden" -> new DenseReadout(Source.HIDDEN, r.alignment, r.activation, r.threshold, r.upsampling, r.labelToken);
                case "shifted" -> new DenseReadout(r.source, Alignment.SHIFTED, r.activation, r.threshold, r.upsampling, r.labelToken);
                case "unshifted" -> new DenseReadout(r.source, Alignment.UNSHIFTED, r.activation, r.threshold, r.upsampling, r.labelToken);
                case "softmax" -> new DenseReadout(r.source, r.alignment, Activation.SOFTMAX, r.threshold, r.upsampling, r.labelToken);
                case "sigmoid" -> new DenseReadout(r.source, r.alignment, Activation.SIGMOID, r.threshold, r.upsampling, r.labelToken);
                case "bilinear" -> new DenseReadout(r.source, r.alignment, r.activation, r.threshold, Upsampling.BILINEAR, r.labelToken);
                case "nearest" -> new DenseReadout(r.source, r.alignment, r.activation, r.threshold, Upsampling.NEAREST, r.labelToken);
                case "as-written" -> new DenseReadout(r.source, r.alignment, r.activation, r.threshold, r.upsampling, LabelToken.AS_WRITTEN);
                case "leading-space" -> new DenseReadout(r.source, r.alignment, r.activation, r.threshold, r.upsampling, LabelToken.LEADING_SPACE);
                default -> throw new IllegalArgumentException("dense readout '" + raw.strip() + "' is none of: "
                        + "auto, text, hidden, shifted, unshifted, softmax, sigmoid[:threshold], bilinear, nearest, as-written, leading-space");
            };
        }
        return r;
    }

    /** Whether a request must keep the image's hidden states (the readout may use them). */
    public boolean needsHiddenStates() {
        return source != Source.TEXT;
    }

    @Override
    public String toString() {
        return Arrays.stream(new String[] {source.name(), alignment.name(),
                        activation == Activation.SIGMOID ? "sigmoid:" + threshold : activation.name(), upsampling.name(), labelToken.name()})
                .map(s -> s.toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(","));
    }
}
