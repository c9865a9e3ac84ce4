package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prompt book: each family's documented prompts by default, a job's file replacing lines. */
class PromptBookTest {
    static final PromptBook BOOK = PromptBook.defaults();

    @Test
    void theEngineCarriesConfsPromptBook() throws Exception {
        try (var in = PromptBook.class.getResourceAsStream(PromptBook.RESOURCE)) {
            assertEquals(Files.readString(Path.of("../conf/prompt-book.properties")), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void classifyPutsTheCandidatesInTheTemplateOrInTheRowsOwnPrompt() {
        LabelCandidates labels = new LabelCandidates(List.of("cat", "dog"));
        for (String family : List.of("smolvlm", "qwen3vl", "youtuvl")) {
            assertEquals("Which of these best describes the image: cat, dog? Answer with one of them.", BOOK.render(family, TaskRequest.classify(null, labels)));
        }
        assertEquals("Is this a cat, dog?", BOOK.render("smolvlm", TaskRequest.classify(" Is this a {labels}? ", labels)));
        assertEquals("Pet?", BOOK.render("qwen3vl", TaskRequest.classify("Pet?", labels)));
        Exception e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("smolvlm", Task.CLASSIFY, "Pet?"));
        assertTrue(e.getMessage().contains("needs candidate labels"), e.getMessage());
        assertEquals("Describe this image.", BOOK.render("smolvlm", new TaskRequest(Task.CAPTION, null, null, null)));
    }

    @Test
    void eachFamilyIsAskedInItsOwnWords() {
        assertEquals("Locate the dog in this image and output its bbox coordinates in JSON format.", BOOK.render("qwen3vl", Task.GROUND, " the dog "));
        assertEquals("Please provide the bounding box coordinate of the region this sentence describes: the dog",
                BOOK.render("youtuvl", Task.GROUND, "the dog"));
        assertEquals("Locate every object in this image and output their bbox coordinates in JSON format.", BOOK.render("qwen3vl", Task.DETECT, null));
        assertEquals("Locate every instance that belongs to the following categories: \"dog, hot dog\". Report bbox coordinates in JSON format.",
                BOOK.render("qwen3vl", Task.DETECT, "dog,hot dog"));
        assertEquals("Detect every objects that belongs to the following categories: dog,hot dog", BOOK.render("youtuvl", Task.DETECT, "dog, hot dog"));
        assertEquals("Detect all objects in the provided image.", BOOK.render("youtuvl", Task.DETECT, " "));
        assertEquals("Can you segment \"the dog\" in this image?", BOOK.render("youtuvl", Task.SEGMENT, "the dog"));
        assertEquals("Segment: sky, road., without the background class.", BOOK.render("youtuvl", Task.SEMANTIC, "sky,road"));
        assertEquals("Estimate the depth.", BOOK.render("youtuvl", Task.DEPTH, null));
        assertEquals("Describe this image.", BOOK.render("smolvlm", Task.CAPTION, null));
        assertEquals("What is it?", BOOK.render("smolvlm", Task.VQA, "What is it?"));
    }

    /** Semantic segmentation without categories: the demo's ADE20K list verbatim, and its 150 names as the candidates. */
    @Test
    void semanticDefaultsToTheDemosAde20kList() {
        String ade = BOOK.render("youtuvl", Task.SEMANTIC, null);
        assertTrue(ade.startsWith("Segment: poster, road, chandelier, swimming pool, arcade machine,"), ade);
        assertTrue(ade.endsWith(", ashcan, wall, house, airplane, bag., without the background class."), ade);
        assertTrue(ade.contains(", seat, bed , bottle, "), "the demo's stray space kept: " + ade);
        List<String> classes = BOOK.categories("youtuvl", Task.SEMANTIC, null);
        assertEquals(151, classes.size(), "150 classes, bed twice");
        assertEquals(List.of("bed", "bed"), List.of(classes.get(91), classes.get(118)));
        assertEquals(List.of("sky"), BOOK.categories("youtuvl", Task.SEMANTIC, "sky"));
        assertEquals(Task.SEMANTIC.promptFor(null), ade);
    }

    /** A template without {prompt} is a default: the row's prompt replaces it. One with {prompt} needs one. */
    @Test
    void rowPromptsReplaceDefaultsAndRequiredOnesAreNamed() {
        assertEquals("Write a haiku about it.", BOOK.render("qwen3vl", Task.CAPTION, "Write a haiku about it."));
        assertEquals("Find the people.", BOOK.render("youtuvl", Task.POSE, "Find the people."));
        Exception e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("youtuvl", Task.SEGMENT, " "));
        assertEquals("task 'segment' needs a prompt (what to segment, e.g. \"the dog on the left\")", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("qwen3vl", Task.VQA, null));
        assertEquals("task 'vqa' needs a prompt (the question to answer)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("smolvlm", Task.GROUND, "x"));
        assertEquals("the built-in prompt book has no prompt for smolvlm.ground", e.getMessage());
    }

    @Test
    void aJobsFileReplacesTheLinesItHas(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.properties");
        Files.writeString(file, "# mine\nqwen3vl.ground = Where is {prompt}? Answer with a JSON box.\nyoutuvl.caption = Describe the image\n");
        PromptBook mine = PromptBook.withOverrides(file);
        assertEquals("Where is the cat? Answer with a JSON box.", mine.render("qwen3vl", Task.GROUND, "the cat"));
        assertEquals("Describe the image", mine.render("youtuvl", Task.CAPTION, null));
        assertEquals("Describe this image.", mine.render("qwen3vl", Task.CAPTION, null), "lines the file lacks stay");

        Files.writeString(file, "llava.caption = Describe.\n");
        Exception e = assertThrows(IllegalArgumentException.class, () -> PromptBook.withOverrides(file));
        assertEquals(file + ": 'llava.caption' names no family (smolvlm, qwen3vl, youtuvl)", e.getMessage());
        Files.writeString(file, "qwen3vl.paint = Paint it.\n");
        e = assertThrows(IllegalArgumentException.class, () -> PromptBook.withOverrides(file));
        assertTrue(e.getMessage().startsWith("unknown task 'paint'; known tasks: caption,"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PromptBook.withOverrides(dir.resolve("none.properties")));
        assertEquals("prompt book " + dir.resolve("none.properties") + ": no such file", e.getMessage());
    }
    /** Point, count and OCR in each family's words; a request's categories pick the template's categories form. */
    @Test
    void pointCountAndOcrPrompts() {
        assertEquals("Locate the red apples in this image and output the point coordinates in JSON format.",
                BOOK.render("qwen3vl", Task.POINT, " the red apples "));
        assertEquals("Locate every instance that belongs to the following categories: \"apple, pear\". Report point coordinates in JSON format.",
                BOOK.render("qwen3vl", new TaskRequest(Task.POINT, null, List.of("apple", " pear "))));
        assertEquals("Locate all dogs in this image and output their bbox coordinates in JSON format.", BOOK.render("qwen3vl", Task.COUNT, "dogs"));
        assertEquals("Locate every instance that belongs to the following categories: \"dog, cat\". Report bbox coordinates in JSON format.",
                BOOK.render("qwen3vl", new TaskRequest(Task.COUNT, null, List.of("dog", "cat"))));
        assertEquals("How many dogs in the image?", BOOK.render("youtuvl", Task.COUNT, "dogs"));
        assertEquals("Detect every objects that belongs to the following categories: dog,hot dog",
                BOOK.render("youtuvl", new TaskRequest(Task.COUNT, null, List.of("dog", "hot dog"))));
        assertEquals("How many dogs are there in this image? Answer with a number.", BOOK.render("smolvlm", Task.COUNT, "dogs"));
        assertEquals("How many objects of these kinds are there in this image in total: dog, cat? Answer with a number.",
                BOOK.render("smolvlm", new TaskRequest(Task.COUNT, null, List.of("dog", "cat"))));
        assertEquals("Read all texts in the image, output in lines.", BOOK.render("qwen3vl", Task.OCR, null));
        assertEquals("Read all the text in the image.", BOOK.render("smolvlm", Task.OCR, ""));
        assertEquals("Read all the text in the image.", BOOK.render("youtuvl", Task.OCR, null));
        assertEquals("Read the licence plate.", BOOK.render("qwen3vl", Task.OCR, "Read the licence plate."), "a row's prompt replaces the default");

        Exception e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("qwen3vl", Task.POINT, null));
        assertEquals("task 'point' needs a prompt (what to point at, e.g. \"the red apples\"; or categories: --categories, a categories column)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("smolvlm", Task.COUNT, " "));
        assertEquals("task 'count' needs a prompt (what to count, e.g. \"dogs\"; or categories: --categories, a categories column)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("smolvlm", Task.POINT, "the cup"));
        assertEquals("the built-in prompt book has no prompt for smolvlm.point", e.getMessage());
    }

    /** Detect's categories come from the request when it names some, else (as before) from a comma-separated prompt. */
    @Test
    void aRequestsCategoriesGoBeforeAPromptList() {
        assertEquals("Locate every instance that belongs to the following categories: \"dog\". Report bbox coordinates in JSON format.",
                BOOK.render("qwen3vl", new TaskRequest(Task.DETECT, "cat, bird", List.of("dog"))));
        assertEquals("Detect every objects that belongs to the following categories: cat,bird",
                BOOK.render("youtuvl", new TaskRequest(Task.DETECT, "cat, bird", List.of())));
        assertEquals("Segment: sky, road., without the background class.", BOOK.render("youtuvl", new TaskRequest(Task.SEMANTIC, null, List.of("sky", "road"))));
        assertEquals(List.of("sky", "road"), BOOK.categories("youtuvl", new TaskRequest(Task.SEMANTIC, "tree", List.of("sky", "road"))));
        assertEquals(List.of("tree"), BOOK.categories("youtuvl", new TaskRequest(Task.SEMANTIC, "tree", List.of())));
    }

    /** A job's book without a form taking categories is named when a row names some, rather than dropping them. */
    @Test
    void aBookLineWithoutCategoriesRefusesARequestNamingSome() {
        PromptBook mine = PromptBook.withOverrides("qwen3vl.point.categories = Point at everything.\n", "mine.properties");
        Exception e = assertThrows(IllegalArgumentException.class, () -> mine.render("qwen3vl", new TaskRequest(Task.POINT, null, List.of("cup"))));
        assertEquals("the built-in prompt book and mine.properties has no prompt for qwen3vl.point that takes categories"
                + " (a line qwen3vl.point.categories, or {categories} in qwen3vl.point)", e.getMessage());
        assertEquals("Locate the cup in this image and output the point coordinates in JSON format.", mine.render("qwen3vl", Task.POINT, "the cup"));
    }
}
