package dev.loupe.engine.vlm;

import dev.loupe.engine.gguf.GgufFile;
import dev.loupe.engine.llm.Deepseek2Decoder;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.ClassMasks;
import dev.loupe.engine.task.CodeFences;
import dev.loupe.engine.task.CoordinateTokenBoxes;
import dev.loupe.engine.task.CountAnswers;
import dev.loupe.engine.task.CoordinateTokenPolygons;
import dev.loupe.engine.task.DenseReadout;
import dev.loupe.engine.task.DepthAnswers;
import dev.loupe.engine.task.DistinctBoxes;
import dev.loupe.engine.task.HiddenStateReadout;
import dev.loupe.engine.task.ImageFrame;
import dev.loupe.engine.task.PoseAnswers;
import dev.loupe.engine.task.PromptBook;
import dev.loupe.engine.task.SegmentationAnswers;
import dev.loupe.engine.task.Task;
import dev.loupe.engine.task.TaskRequest;
import dev.loupe.engine.task.grammar.AnswerGrammar;
import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.ChatFormat;
import dev.loupe.engine.vision.DynamicImage;
import dev.loupe.engine.vision.ImageDecoder;
import dev.loupe.engine.vision.RgbImage;
import dev.loupe.engine.vision.YoutuVlEncoder;
import dev.loupe.engine.vision.YoutuVlPreprocessor;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Youtu-VL: the deepseek2 (MLA) text decoder with a youtuvl mmproj. An image is stretched to
 * multiples of 32 px at about its own size (within the image-token cap), encoded once into
 * {@code (W/32) x (H/32)} tokens and placed between {@code <|vision_start|>} and
 * {@code <|vision_end|>}, before the user's text, in the default system turn's chat format;
 * image tokens take consecutive positions. Grounding answers carry boxes as coordinate tokens
 * in the resized image's pixels, mapped back to the original image. Thread-safe like the
 * other families.
 */
public final class YoutuVlModel implements DynamicResolutionModel {
    /**
     * What Youtu-VL was trained for, of Loupe's tasks (spec §1.3): every one but pointing, for
     * which neither its model card nor its demo gives a format.
     */
    static final Set<Task> TASKS = EnumSet.complementOf(EnumSet.of(Task.POINT));

    /** The classes of a core-target answer: background and foreground (spec §1.3). */
    static final List<String> CORE_CLASSES = List.of(SegmentationAnswers.BACKGROUND, SegmentationAnswers.FOREGROUND);

    private final GgufFile textFile;
    private final GgufFile visionFile;
    private final BpeTokenizer tokenizer;
    private final ChatFormat chat;
    private final Deepseek2Decoder decoder;
    private final YoutuVlPreprocessor preprocessor;
    private final YoutuVlEncoder encoder;
    /** The vision weights' off-heap copy ({@link ModelOptions#repackVision}). */
    private final dev.loupe.engine.tensor.RepackedWeights visionRepacked;
    private final ImageDecoder imageDecoder = new ImageDecoder();
    private final Generator generator;
    private final LabelScorer labelScorer;
    private final int maxTokens;
    private final Map<Integer, YoutuVlPreprocessor> cappedPreprocessors = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder imagesEncoded = new java.util.concurrent.atomic.LongAdder();
    private final DenseReadout denseReadout;
    private final PromptBook promptBook;

    /** Takes ownership of both files: {@link #close()} unmaps them. */
    public YoutuVlModel(GgufFile textFile, GgufFile visionFile, ModelOptions options) {
        this.textFile = textFile;
        this.visionFile = visionFile;
        if (options.maxLongestEdge() > 0) {
            throw new IllegalArgumentException("max longest edge " + options.maxLongestEdge() + " is a limit of tiled (idefics3) models; "
                    + visionFile.path() + " is a Youtu-VL mmproj, sized by its image-token cap (max image tokens)");
        }
        if (options.minImageTokens() > 0) {
            throw new IllegalArgumentException("min image tokens " + options.minImageTokens() + ": Youtu-VL never enlarges images beyond"
                    + " rounding their sides up to 32 px, so it takes only a max image tokens cap");
        }
        this.tokenizer = BpeTokenizer.load(textFile);
        this.chat = ChatFormat.detect(textFile.metadata(), textFile.path());
        this.decoder = new Deepseek2Decoder(textFile, options.pool(), options.numerics(), options.repackWeights());
        this.maxTokens = options.maxImageTokens() > 0 ? options.maxImageTokens() : YoutuVlPreprocessor.DEFAULT_MAX_TOKENS;
        this.preprocessor = YoutuVlPreprocessor.fromMetadata(visionFile.metadata(), maxTokens);
        this.encoder = new YoutuVlEncoder(visionFile, options.pool(), options.numerics());
        if (encoder.outputWidth() != decoder.imageEmbeddingLength()) {
            throw new IllegalArgumentException(visionFile.path() + ": gives " + encoder.outputWidth() + " values per image token, but "
                    + textFile.path() + " takes " + decoder.imageEmbeddingLength() + ": the mmproj does not belong to this model");
        }
        this.generator = new Generator(decoder, tokenizer);
        this.labelScorer = new LabelScorer(decoder, tokenizer, chat);
        this.denseReadout = options.denseReadout();
        this.promptBook = options.promptBook();
        // Last, once the files are known to belong together.
        this.visionRepacked = options.repackVision(encoder.weights());
    }

    public BpeTokenizer tokenizer() { return tokenizer; }
    public Deepseek2Decoder decoder() { return decoder; }
    @Override public Generator generator() { return generator; }
    @Override public LabelScorer labelScorer() { return labelScorer; }
    public YoutuVlPreprocessor preprocessor() { return preprocessor; }

    @Override
    public DynamicImage preprocess(RgbImage image) {
        return preprocessor.preprocess(image);
    }

    /** The image tokens' inputs: (W/32) x (H/32) rows of the text model's embedding width. */
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
        Task task = request.task();
        Task.requireTrained(task, TASKS, "Youtu-VL");
        if (task.multiPass()) {
            throw new IllegalArgumentException("task '" + task.id + "' runs in several passes: annotate it, it cannot be prepared as one request");
        }
        promptBook.render("youtuvl", request); // a prompt that cannot be made fails before the image is read
        return encode(imageBytes, limits).prepare(request);
    }

    @Override
    public EncodedImage encode(byte[] imageBytes, ImageLimits limits) {
        YoutuVlPreprocessor pre0 = preprocessorFor(limits);
        long t0 = System.nanoTime();
        RgbImage image = imageDecoder.decode(imageBytes);
        DynamicImage pre = pre0.preprocess(image);
        float[] embedded = embed(pre);
        imagesEncoded.increment();
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        ImageFrame frame = new ImageFrame(image.width(), image.height(), pre.width(), pre.height(), 0, 0, pre.width(), pre.height());
        return request -> {
            Task task = request.task();
            Task.requireTrained(task, TASKS, "Youtu-VL");
            if (task.multiPass()) {
                throw new IllegalArgumentException("task '" + task.id + "' runs in several passes: annotate it, it cannot be prepared as one request");
            }
            String text = promptBook.render("youtuvl", request);
            ImageHiddenStates hidden = (task == Task.SEMANTIC || task == Task.CORE) && denseReadout.needsHiddenStates() ? new ImageHiddenStates() : null;
            return new PreparedRequest(request, text, prompt(pre, embedded, text), image.width(), image.height(), encodeSeconds, frame, hidden);
        };
    }

    /** Images decoded and encoded so far (each {@link #encode}, so each {@link #prepare}): how tests see an encode shared. */
    public long imagesEncoded() {
        return imagesEncoded.sum();
    }

    /** The preprocessor for a request: the model's (or job's) own, or one with a lower token cap (made once per cap). */
    YoutuVlPreprocessor preprocessorFor(ImageLimits limits) {
        if (limits.maxLongestEdge() > 0) {
            throw new IllegalArgumentException("max_longest_edge " + limits.maxLongestEdge() + " is a limit of tiled (idefics3) models;"
                    + " Youtu-VL takes max_image_tokens (this model: at most " + maxTokens + ")");
        }
        int cap = limits.maxImageTokens();
        if (cap == 0 || cap >= maxTokens) return preprocessor;
        return cappedPreprocessors.computeIfAbsent(cap, c -> YoutuVlPreprocessor.fromMetadata(visionFile.metadata(), c));
    }

    /**
     * Its coordinate-token boxes for grounding, detection and counting asked with categories (it
     * counts them by detecting); a number for counting asked in words (answered in words:
     * applied only with constrain on). Its other formats are not constrained.
     */
    @Override
    public AnswerGrammar answerGrammar(PreparedRequest r) {
        return switch (r.task()) {
            case GROUND, DETECT -> AnswerGrammar.COORDINATE_TOKEN_BOXES;
            case COUNT -> r.request().categories().isEmpty() ? AnswerGrammar.NUMBER : AnswerGrammar.COORDINATE_TOKEN_BOXES;
            default -> null;
        };
    }

    /**
     * The answer parsed as its task asks, coordinates and grids over the original image:
     * grounding and detection answers give boxes (labelled by their {@code <ref>}, repeats dropped),
     * referring-segmentation answers polygons filled into one mask labelled with the
     * expression, pose answers persons with keypoints, semantic-segmentation answers a mask per
     * class and depth answers a grid of codes; counting answers the number of distinct boxes (asked
     * with categories) or the number given in words, OCR answers their text without code fences. Dense answers are read with control tokens
     * rendered ({@code <mask>} is one in converted GGUF files) and kept so in {@code text}.
     */
    @Override
    public Annotation annotation(PreparedRequest r, Generation g) {
        Task task = r.task();
        boolean dense = readsControlTokens(task);
        String answer = dense ? answerWithControlTokens(g) : g.text();
        String text = answer.strip();
        Integer count = null;
        List<Annotation.Box> boxes = null;
        List<Annotation.Mask> masks = null;
        List<Annotation.Person> persons = null;
        Annotation.Depth depth = null;
        String parseError = null;
        switch (task) {
            case GROUND, DETECT -> {
                boxes = DistinctBoxes.of(CoordinateTokenBoxes.parse(answer, r.frame(), g.scores()));
                parseError = CoordinateTokenBoxes.problem(answer);
            }
            case SEGMENT -> {
                Annotation.Mask mask = CoordinateTokenPolygons.mask(answer, r.frame(), r.userPrompt() == null ? null : r.userPrompt().strip());
                masks = mask == null ? List.of() : List.of(mask);
                parseError = CoordinateTokenPolygons.problem(answer);
            }
            case POSE -> {
                persons = PoseAnswers.parse(answer, r.frame());
                parseError = PoseAnswers.problem(answer);
            }
            case SEMANTIC, CORE -> {
                List<String> asked = task == Task.CORE ? CORE_CLASSES : promptBook.categories("youtuvl", r.request());
                SegmentationAnswers.Result parsed = denseSegmentation(r, answer, asked);
                masks = parsed.masks();
                parseError = parsed.problem();
            }
            case DEPTH -> {
                DepthAnswers.Result parsed = DepthAnswers.parse(answer, r.imageWidth(), r.imageHeight());
                depth = parsed.depth();
                parseError = parsed.problem();
            }
            case COUNT -> {
                CountAnswers.Result c = CountAnswers.fromBoxes(answer, "<box>", CoordinateTokenBoxes.parse(answer, r.frame(), g.scores()),
                        CoordinateTokenBoxes.problem(answer));
                boxes = c.boxes();
                count = c.count();
                parseError = c.problem();
            }
            case OCR -> {
                text = CodeFences.strip(answer);
                parseError = CodeFences.problem(answer);
            }
            default -> { }
        }
        return new Annotation(task.id, r.prompt(), text, boxes, null, count, masks,
                r.imageWidth(), r.imageHeight(), g.promptTokens(), g.tokens().length, g.finishReason(),
                new Annotation.Stages(r.imagePositions(), r.encodeSeconds(), g.prefillSeconds(), g.decodeSeconds()), parseError, persons, depth).withConfidence(g.confidence());
    }

    /** Whether a task's answer is read with control tokens rendered: dense answers, whose {@code <mask>} is one. */
    static boolean readsControlTokens(Task task) {
        return task == Task.SEMANTIC || task == Task.CORE || task == Task.DEPTH;
    }

    /**
     * A dense segmentation answer's masks over the request's image: from its runs, or, as the
     * dense readout says (by default when the runs do not cover the image), from the hidden
     * states, the candidates being the classes the answer names, else {@code asked}.
     */
    private SegmentationAnswers.Result denseSegmentation(PreparedRequest r, String answer, List<String> asked) {
        SegmentationAnswers.Result parsed = SegmentationAnswers.masks(answer, r.imageWidth(), r.imageHeight());
        boolean readHidden = denseReadout.source() == DenseReadout.Source.HIDDEN
                || denseReadout.source() == DenseReadout.Source.AUTO && parsed.problem() != null;
        if (!readHidden || r.hidden() == null || !r.hidden().filled()) return parsed;
        String problem = parsed.problem() == null ? null : parsed.problem() + " (masks read from the hidden states instead)";
        return new SegmentationAnswers.Result(hiddenStateMasks(r, answer, asked), problem);
    }

    /**
     * Masks read from the image's hidden states: candidates are the classes the answer names,
     * else those asked for; each scored through its label token's output row.
     */
    private List<Annotation.Mask> hiddenStateMasks(PreparedRequest r, String answer, List<String> asked) {
        List<String> classes = SegmentationAnswers.namedClasses(answer);
        if (classes.isEmpty()) classes = asked;
        int[] tokens = new int[classes.size()];
        for (int c = 0; c < tokens.length; c++) tokens[c] = labelToken(classes.get(c));
        ImageHiddenStates h = r.hidden();
        int[] labels = HiddenStateReadout.labels(h.rows(), h.gridX(), h.gridY(), h.width(), decoder.outputRows(tokens), tokens.length,
                denseReadout, r.imageWidth(), r.imageHeight());
        return ClassMasks.of(labels, classes, r.imageWidth(), r.imageHeight());
    }

    /** The token standing for a class name: its first, as written or after a space (special names such as {@code <BG>} are one token). */
    int labelToken(String className) {
        String text = denseReadout.labelToken() == DenseReadout.LabelToken.LEADING_SPACE ? " " + className : className;
        int[] ids = tokenizer.encode(text, false, true);
        if (ids.length == 0) throw new IllegalArgumentException("class name '" + className + "' has no token to read it by");
        return ids[0];
    }

    /** The generated text with control tokens rendered, the closing end-of-generation token left out. */
    private String answerWithControlTokens(Generation g) {
        int[] tokens = g.tokens();
        int n = tokens.length;
        if (n > 0 && tokenizer.vocabulary().isEog(tokens[n - 1])) n--;
        return tokenizer.decode(Arrays.copyOf(tokens, n), true);
    }

    /** The model as the multi-pass pipelines use it: each pass one request alone. */
    private final YoutuVlPasses.Model passes = new YoutuVlPasses.Model() {
        @Override
        public YoutuVlPasses.Pass pass(byte[] image, Task task, String prompt, GenerationSettings settings, ImageLimits limits) {
            PreparedRequest r = prepare(image, task, prompt, limits);
            Generation g = generator.generate(r.segments(), settings, r.hidden());
            return new YoutuVlPasses.Pass(r, g, readsControlTokens(task) ? answerWithControlTokens(g) : g.text());
        }

        @Override
        public String withControlTokens(Generation generation) {
            return answerWithControlTokens(generation);
        }

        @Override
        public SegmentationAnswers.Result coreMasks(PreparedRequest request, String answer) {
            return denseSegmentation(request, answer, CORE_CLASSES);
        }
    };

    /** Multi-pass tasks run their passes here, one after the other; the others as every batchable model does. */
    @Override
    public Annotation annotate(byte[] image, TaskRequest request, GenerationSettings settings, ImageLimits limits) {
        return switch (request.task()) {
            case SEGMENT_REFINED -> new YoutuVlPasses(passes).refinedSegmentation(image, request.prompt(), settings, limits);
            case SEGMENT_OPEN -> new YoutuVlPasses(passes).openSetSegmentation(image, promptBook.render("youtuvl", request), settings, limits);
            default -> DynamicResolutionModel.super.annotate(image, request, settings, limits);
        };
    }

    @Override
    public dev.loupe.engine.tensor.RepackedWeights repackedWeights() {
        return decoder.repacked().plus(visionRepacked);
    }

    @Override
    public String describe() {
        return "youtuvl (deepseek2 + youtuvl): " + textFile.path().getFileName() + " + " + visionFile.path().getFileName();
    }

    @Override
    public void close() {
        textFile.close();
        visionFile.close();
    }
}
