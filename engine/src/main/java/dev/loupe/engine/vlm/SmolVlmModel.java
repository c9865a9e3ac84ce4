package dev.loupe.engine.vlm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.llm.LlamaDecoder;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.CodeFences;
import dev.loupe.engine.task.CountAnswers;
import dev.loupe.engine.task.PromptBook;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.task.grammar.AnswerGrammar;
import dev.loupe.engine.tensor.WeightMatrix;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;
import dev.loupe.engine.vision.Idefics3Preprocessor;
import dev.loupe.engine.vision.Idefics3Projector;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.PreprocessedImage;
import dev.loupe.engine.vision.RgbImage;
import dev.loupe.engine.vision.SiglipEncoder;
import dev.loupe.engine.vision.VisionConfig;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * SmolVLM / SmolVLM2: a llama text decoder with an idefics3 mmproj (SigLIP encoder, pixel
 * shuffle, linear projector), images tiled as mtmd does. Thread-safe: every call has its
 * own KV cache and buffers; weights are shared views of the two mapped files.
 */
public final class SmolVlmModel implements BatchableAnnotator {
    /**
     * What SmolVLM was trained for: describing images, answering questions and reading text; no
     * coordinates (so no grounding, detection or pointing). It counts in words, read for the number.
     * Classify needs no trained format: its answers are scored.
     */
    static final Set<Task> TASKS = EnumSet.of(Task.CAPTION, Task.VQA, Task.COUNT, Task.OCR, Task.CLASSIFY);

    private final GgufFile textFile;
    private final GgufFile visionFile;
    private final BpeTokenizer tokenizer;
    private final ChatFormat chat;
    private final LlamaDecoder decoder;
    private final Idefics3Preprocessor preprocessor;
    private final SiglipEncoder encoder;
    /** The vision weights' off-heap copy ({@link ModelOptions#repackVision}). */
    private final dev.loupe.engine.tensor.RepackedWeights visionRepacked;
    private final Idefics3Projector projector;
    private final Idefics3Layout layout;
    private final ImageDecoder imageDecoder = new ImageDecoder();
    private final Generator generator;
    private final LabelScorer labelScorer;
    private final PromptBook promptBook;
    private final Map<Integer, Idefics3Preprocessor> cappedPreprocessors = new ConcurrentHashMap<>();
    private final LongAdder imagesEncoded = new LongAdder();

    /** Takes ownership of both files: {@link #close()} unmaps them. */
    public SmolVlmModel(GgufFile textFile, GgufFile visionFile, ModelOptions options) {
        this.textFile = textFile;
        this.visionFile = visionFile;
        this.tokenizer = BpeTokenizer.load(textFile);
        this.chat = ChatFormat.detect(textFile.metadata(), textFile.path());
        this.decoder = new LlamaDecoder(textFile, options.pool(), options.numerics(), options.repackWeights());
        VisionConfig vc = VisionConfig.from(visionFile);
        this.preprocessor = options.maxLongestEdge() > 0
                ? Idefics3Preprocessor.fromMetadata(visionFile.metadata(), options.maxLongestEdge())
                : Idefics3Preprocessor.fromMetadata(visionFile.metadata());
        this.encoder = new SiglipEncoder(visionFile, vc, options.pool(), options.numerics());
        this.projector = new Idefics3Projector(visionFile, vc, options.pool(), options.numerics());
        if (vc.projectionDim() != decoder.embeddingLength()) {
            throw new IllegalArgumentException(visionFile.path() + ": projects to " + vc.projectionDim()
                    + " values, but " + textFile.path() + " has embedding length " + decoder.embeddingLength()
                    + ": the mmproj does not belong to this model");
        }
        this.layout = new Idefics3Layout(tokenizer);
        this.generator = new Generator(decoder, tokenizer);
        this.labelScorer = new LabelScorer(decoder, tokenizer, chat);
        this.promptBook = options.promptBook();
        // Last, once the files are known to belong together.
        List<WeightMatrix> visionWeights = new ArrayList<>(encoder.weights());
        visionWeights.addAll(projector.weights());
        this.visionRepacked = options.repackVision(visionWeights);
    }

    public BpeTokenizer tokenizer() { return tokenizer; }
    public LlamaDecoder decoder() { return decoder; }
    @Override public Generator generator() { return generator; }
    @Override public LabelScorer labelScorer() { return labelScorer; }
    public Idefics3Preprocessor preprocessor() { return preprocessor; }

    /**
     * Encodes every tile and the overview: one embeddings array per encoder input, an input
     * equal to an earlier one encoded once ({@link PreprocessedImage#encodeEach}).
     */
    public List<float[]> embed(PreprocessedImage image) {
        return image.encodeEach(input -> projector.project(encoder.encode(input)));
    }

    /** The full prompt for one user message about one image, in mtmd's chunks. */
    public List<PromptSegment> prompt(PreprocessedImage image, List<float[]> embedded, String userText) {
        String formatted = chat.userPromptWithImage(userText);
        int marker = formatted.indexOf(ChatFormat.MEDIA_MARKER);
        PromptBuilder b = new PromptBuilder(tokenizer).text(formatted.substring(0, marker));
        layout.append(b, image, embedded, projector.tokens(), decoder.embeddingLength());
        b.text(formatted.substring(marker + ChatFormat.MEDIA_MARKER.length()));
        return b.build();
    }

    /** A text-only prompt (no image). */
    public List<PromptSegment> prompt(String userText) {
        return new PromptBuilder(tokenizer).text(chat.userPrompt(userText)).build();
    }

    public Generation generate(RgbImage image, String userText, GenerationSettings settings) {
        PreprocessedImage pre = preprocessor.preprocess(image);
        return generator.generate(prompt(pre, embed(pre), userText), settings);
    }

    @Override
    public PreparedRequest prepare(byte[] imageBytes, TaskRequest request, ImageLimits limits) {
        promptText(request); // a task SmolVLM refuses fails before the image is read
        return encode(imageBytes, limits).prepare(request);
    }

    @Override
    public EncodedImage encode(byte[] imageBytes, ImageLimits limits) {
        Idefics3Preprocessor pre0 = preprocessorFor(limits);
        long t0 = System.nanoTime();
        RgbImage image = imageDecoder.decode(imageBytes);
        PreprocessedImage pre = pre0.preprocess(image);
        List<float[]> embedded = embed(pre);
        imagesEncoded.increment();
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        return request -> {
            String text = promptText(request);
            return new PreparedRequest(request, text, prompt(pre, embedded, text), image.width(), image.height(), encodeSeconds, null, null);
        };
    }

    /** The text sent for a request: its task's prompt from the book, once the task is known to be one SmolVLM does. */
    private String promptText(TaskRequest request) {
        Task.requireTrained(request.task(), TASKS, "SmolVLM");
        return promptBook.render("smolvlm", request);
    }

    /** Images decoded and encoded so far (each {@link #encode}, so each {@link #prepare}): how tests see an encode shared. */
    public long imagesEncoded() {
        return imagesEncoded.sum();
    }

    /**
     * The preprocessor for a request: the model's own, or one scaling to a smaller longest edge
     * (made once per distinct cap; a cap at or above the model's edge changes nothing).
     */
    Idefics3Preprocessor preprocessorFor(ImageLimits limits) {
        if (limits.maxImageTokens() > 0) {
            throw new IllegalArgumentException("max_image_tokens " + limits.maxImageTokens() + " is a limit of dynamic-resolution models (Qwen3-VL);"
                    + " SmolVLM tiles images, and takes max_longest_edge (a multiple of " + preprocessor.tileSize() + ")");
        }
        int cap = limits.maxLongestEdge();
        if (cap == 0 || cap >= preprocessor.longestEdge()) return preprocessor;
        return cappedPreprocessors.computeIfAbsent(cap, c -> {
            try {
                return Idefics3Preprocessor.fromMetadata(visionFile.metadata(), c);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("max_longest_edge " + c + ": must be a positive multiple of this model's tile size "
                        + preprocessor.tileSize() + " (or 0 for no cap)", e);
            }
        });
    }

    /** A count is a number (its answers in sentences parse too, so the grammar is applied only with constrain on). */
    @Override
    public AnswerGrammar answerGrammar(PreparedRequest r) {
        return r.task() == Task.COUNT ? AnswerGrammar.NUMBER : null;
    }

    /** Text answers; a count is the answer's first number, an OCR answer its text without code fences. */
    @Override
    public Annotation annotation(PreparedRequest r, Generation g) {
        String text = g.text().strip();
        Integer count = null;
        String problem = null;
        if (r.task() == Task.COUNT) {
            CountAnswers.Result c = CountAnswers.fromText(g.text());
            count = c.count();
            problem = c.problem();
        } else if (r.task() == Task.OCR) {
            text = CodeFences.strip(g.text());
            problem = CodeFences.problem(g.text());
        }
        return new Annotation(r.task().id, r.prompt(), text, null, null, count, null,
                r.imageWidth(), r.imageHeight(), g.promptTokens(), g.tokens().length, g.finishReason(),
                new Annotation.Stages(r.imagePositions(), r.encodeSeconds(), g.prefillSeconds(), g.decodeSeconds()), problem).withConfidence(g.confidence());
    }

    @Override
    public dev.loupe.engine.tensor.RepackedWeights repackedWeights() {
        return decoder.repacked().plus(visionRepacked);
    }

    @Override
    public String describe() {
        return "smolvlm (llama + idefics3): " + textFile.path().getFileName() + " + " + visionFile.path().getFileName();
    }

    @Override
    public void close() {
        textFile.close();
        visionFile.close();
    }
}
