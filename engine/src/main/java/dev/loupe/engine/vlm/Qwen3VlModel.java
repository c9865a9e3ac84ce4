package dev.loupe.engine.vlm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.llm.LlamaDecoder;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CodeFences;
import dev.loupe.engine.task.CountAnswers;
import dev.loupe.engine.task.DistinctBoxes;
import dev.loupe.engine.task.PromptBook;
import dev.loupe.engine.task.RelativePoints;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.task.grammar.AnswerGrammar;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.RelativeBoxes;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.Letterbox;
import dev.loupe.engine.vision.Qwen3VlEncoder;
import dev.loupe.engine.vision.Qwen3VlPreprocessor;
import dev.loupe.engine.vision.RgbImage;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Qwen3-VL (and merges such as Qwen3-VL-4B-YOYO): the qwen3vl text decoder with a
 * qwen3vl_merger mmproj. An image is preprocessed at its own resolution (within the model's
 * image-token limits), encoded once into {@code (W/32) x (H/32)} tokens with DeepStack
 * features, and placed between {@code <|vision_start|>} and {@code <|vision_end|>} as mtmd
 * does; the text model gives its tokens 2-D M-RoPE positions. Thread-safe like
 * {@link SmolVlmModel}.
 */
public final class Qwen3VlModel implements DynamicResolutionModel {
    /**
     * What Qwen3-VL was trained for, of Loupe's tasks: text answers, reading text, and boxes and
     * points in its JSON format; and classify, which needs no trained format (its answers are scored).
     */
    static final Set<Task> TASKS = EnumSet.of(Task.CAPTION, Task.VQA, Task.GROUND, Task.DETECT, Task.POINT, Task.COUNT, Task.OCR, Task.CLASSIFY);


    private final GgufFile textFile;
    private final GgufFile visionFile;
    private final BpeTokenizer tokenizer;
    private final ChatFormat chat;
    private final LlamaDecoder decoder;
    private final Qwen3VlPreprocessor preprocessor;
    private final Qwen3VlEncoder encoder;
    /** The vision weights' off-heap copy ({@link ModelOptions#repackVision}). */
    private final dev.loupe.engine.tensor.RepackedWeights visionRepacked;
    private final ImageDecoder imageDecoder = new ImageDecoder();
    private final Generator generator;
    private final LabelScorer labelScorer;
    private final PromptBook promptBook;
    private final int minTokens, maxTokens;
    private final Map<Integer, Qwen3VlPreprocessor> cappedPreprocessors = new ConcurrentHashMap<>();
    private final LongAdder imagesEncoded = new LongAdder();

    /** Takes ownership of both files: {@link #close()} unmaps them. */
    public Qwen3VlModel(GgufFile textFile, GgufFile visionFile, ModelOptions options) {
        this.textFile = textFile;
        this.visionFile = visionFile;
        this.tokenizer = BpeTokenizer.load(textFile);
        this.chat = ChatFormat.detect(textFile.metadata(), textFile.path());
        this.decoder = new LlamaDecoder(textFile, options.pool(), options.numerics(), options.repackWeights());
        if (options.maxLongestEdge() > 0) {
            throw new IllegalArgumentException("max longest edge " + options.maxLongestEdge() + " is a limit of tiled (idefics3) models; "
                    + visionFile.path() + " is a Qwen3-VL mmproj, sized by image-token limits (min/max image tokens)");
        }
        this.maxTokens = options.maxImageTokens() > 0 ? options.maxImageTokens() : Qwen3VlPreprocessor.DEFAULT_MAX_TOKENS;
        // A cap below the model's minimum lowers the minimum with it, unless one was given.
        this.minTokens = options.minImageTokens() > 0 ? options.minImageTokens() : Math.min(Qwen3VlPreprocessor.DEFAULT_MIN_TOKENS, maxTokens);
        this.preprocessor = Qwen3VlPreprocessor.fromMetadata(visionFile.metadata(), minTokens, maxTokens);
        this.encoder = new Qwen3VlEncoder(visionFile, options.pool(), options.numerics());
        if (encoder.outputWidth() != decoder.imageEmbeddingLength()) {
            throw new IllegalArgumentException(visionFile.path() + ": gives " + encoder.outputWidth() + " values per image token, but "
                    + textFile.path() + " takes " + decoder.imageEmbeddingLength() + " (embedding length x (1 + DeepStack layers))"
                    + ": the mmproj does not belong to this model");
        }
        this.generator = new Generator(decoder, tokenizer);
        this.labelScorer = new LabelScorer(decoder, tokenizer, chat);
        this.promptBook = options.promptBook();
        // Last, once the files are known to belong together.
        this.visionRepacked = options.repackVision(encoder.weights());
    }

    public BpeTokenizer tokenizer() { return tokenizer; }
    public LlamaDecoder decoder() { return decoder; }
    @Override public Generator generator() { return generator; }
    @Override public LabelScorer labelScorer() { return labelScorer; }
    public Qwen3VlPreprocessor preprocessor() { return preprocessor; }

    @Override
    public DynamicImage preprocess(RgbImage image) {
        return preprocessor.preprocess(image);
    }

    /** The image tokens' inputs: (W/32) x (H/32) rows of {@link LlamaDecoder#imageEmbeddingLength()} floats. */
    public float[] embed(DynamicImage image) {
        return encoder.encode(image);
    }

    /** The full prompt for one user message about one image, in mtmd's chunks. */
    public List<PromptSegment> prompt(DynamicImage image, float[] embedded, String userText) {
        return new PromptBuilder(tokenizer).userTurnWithVisionMarkers(chat, userText, embedded, image.width() / 32, image.height() / 32,
                decoder.imageEmbeddingLength());
    }

    @Override
    public PreparedRequest prepare(byte[] imageBytes, TaskRequest request, ImageLimits limits) {
        promptText(request); // a task Qwen3-VL refuses fails before the image is read
        return encode(imageBytes, limits).prepare(request);
    }

    @Override
    public EncodedImage encode(byte[] imageBytes, ImageLimits limits) {
        Qwen3VlPreprocessor pre0 = preprocessorFor(limits);
        long t0 = System.nanoTime();
        RgbImage image = imageDecoder.decode(imageBytes);
        DynamicImage pre = pre0.preprocess(image);
        float[] embedded = embed(pre);
        imagesEncoded.increment();
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        ImageFrame frame = frame(image, pre);
        return request -> {
            String text = promptText(request);
            return new PreparedRequest(request, text, prompt(pre, embedded, text), image.width(), image.height(), encodeSeconds, frame, null);
        };
    }

    /** The text sent for a request: its task's prompt from the book, once the task is known to be one Qwen3-VL does. */
    private String promptText(TaskRequest request) {
        Task.requireTrained(request.task(), TASKS, "Qwen3-VL");
        return promptBook.render("qwen3vl", request);
    }

    /** Images decoded and encoded so far (each {@link #encode}, so each {@link #prepare}): how tests see an encode shared. */
    public long imagesEncoded() {
        return imagesEncoded.sum();
    }

    /**
     * The preprocessor for a request: the model's (or job's) own, or one with a lower token cap
     * (made once per distinct cap; a cap at or above the current one changes nothing).
     */
    Qwen3VlPreprocessor preprocessorFor(ImageLimits limits) {
        if (limits.maxLongestEdge() > 0) {
            throw new IllegalArgumentException("max_longest_edge " + limits.maxLongestEdge() + " is a limit of tiled (idefics3) models;"
                    + " Qwen3-VL takes max_image_tokens (this model: " + minTokens + " to " + maxTokens + ")");
        }
        int cap = limits.maxImageTokens();
        if (cap == 0 || cap >= maxTokens) return preprocessor;
        return cappedPreprocessors.computeIfAbsent(cap, c -> Qwen3VlPreprocessor.fromMetadata(visionFile.metadata(), Math.min(minTokens, c), c));
    }

    /** How the image sits in the canvas the encoder saw (Letterbox's PAD_CEIL placement). */
    static ImageFrame frame(RgbImage image, DynamicImage canvas) {
        int[] fit = Letterbox.fittedSize(image.width(), image.height(), canvas.width(), canvas.height());
        return new ImageFrame(image.width(), image.height(), canvas.width(), canvas.height(),
                (canvas.width() - fit[0]) / 2, (canvas.height() - fit[1]) / 2, fit[0], fit[1]);
    }

    /** Its JSON formats: boxes for grounding and detection, boxes or none for counting, points for pointing. */
    @Override
    public AnswerGrammar answerGrammar(PreparedRequest r) {
        return switch (r.task()) {
            case GROUND, DETECT -> AnswerGrammar.JSON_BOXES;
            case COUNT -> AnswerGrammar.JSON_BOXES_OR_NONE;
            case POINT -> AnswerGrammar.JSON_POINTS;
            default -> null;
        };
    }

    /**
     * The answer parsed as its task asks, in original-image pixels: grounding and detection
     * answers give boxes (repeats dropped), pointing answers points (Qwen3-VL's relative JSON formats), counting
     * answers the number of distinct boxes (or, answered in words, the number given), OCR answers
     * their text without code fences.
     */
    @Override
    public Annotation annotation(PreparedRequest r, Generation g) {
        String answer = g.text();
        String text = answer.strip();
        List<Annotation.Box> boxes = null;
        List<Annotation.Point> points = null;
        Integer count = null;
        String problem = null;
        switch (r.task()) {
            case GROUND, DETECT -> {
                boxes = DistinctBoxes.of(RelativeBoxes.parse(answer, r.frame(), g.scores()));
                problem = RelativeBoxes.problem(answer);
            }
            case POINT -> {
                points = RelativePoints.parse(answer, r.frame());
                problem = RelativePoints.problem(answer);
            }
            case COUNT -> {
                CountAnswers.Result c = CountAnswers.fromBoxes(answer, "\"bbox_2d\"", RelativeBoxes.parse(answer, r.frame(), g.scores()),
                        RelativeBoxes.problem(answer));
                boxes = c.boxes();
                count = c.count();
                problem = c.problem();
            }
            case OCR -> {
                text = CodeFences.strip(answer);
                problem = CodeFences.problem(answer);
            }
            default -> { }
        }
        return new Annotation(r.task().id, r.prompt(), text, boxes, points, count, null,
                r.imageWidth(), r.imageHeight(), g.promptTokens(), g.tokens().length, g.finishReason(),
                new Annotation.Stages(r.imagePositions(), r.encodeSeconds(), g.prefillSeconds(), g.decodeSeconds()),
                problem).withConfidence(g.confidence());
    }

    @Override
    public dev.loupe.engine.tensor.RepackedWeights repackedWeights() {
        return decoder.repacked().plus(visionRepacked);
    }

    @Override
    public String describe() {
        return "qwen3vl (qwen3vl + qwen3vl_merger): " + textFile.path().getFileName() + " + " + visionFile.path().getFileName();
    }

    @Override
    public void close() {
        textFile.close();
        visionFile.close();
    }
}
