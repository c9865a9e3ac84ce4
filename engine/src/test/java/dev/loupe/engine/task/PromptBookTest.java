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
            assertEquals("Which of these best describes the image: cat, dog? Answer with one of them.", BOOK.render(family, Task.CLASSIFY, null, labels));
        }
        assertEquals("Is this a cat, dog?", BOOK.render("smolvlm", Task.CLASSIFY, " Is this a {labels}? ", labels));
        assertEquals("Pet?", BOOK.render("qwen3vl", Task.CLASSIFY, "Pet?", labels));
        Exception e = assertThrows(IllegalArgumentException.class, () -> BOOK.render("smolvlm", Task.CLASSIFY, "Pet?"));
        assertTrue(e.getMessage().contains("needs candidate labels"), e.getMessage());
        assertEquals("Describe this image.", BOOK.render("smolvlm", Task.CAPTION, null, null));
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
}
