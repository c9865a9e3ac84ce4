package dev.loupe.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Task names, the prompts each task sends by default, and what a task requires of the row. */
class TaskTest {
    @Test
    void namesParseCaseInsensitivelyAndUnknownOnesListTheKnown() {
        assertEquals(Task.DETECT, Task.parse(" Detect "));
        assertEquals(Task.SEGMENT, Task.parse("segment"));
        assertEquals(Task.CAPTION, Task.parse(null));
        assertEquals(Task.DEPTH, Task.parse("DEPTH"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> Task.parse("paint"));
        assertEquals("unknown task 'paint'; known tasks: caption, vqa, ground, detect, segment, pose, semantic, depth, core, segment-refined, segment-open, point, count, ocr, classify", e.getMessage());
    }

    /** Detect's prompt is optional: every object, or the categories it lists (comma-separated, blanks dropped). */
    @Test
    void detectAsksForEveryObjectOrTheListedCategories() {
        assertEquals(List.of("dog", "hot dog", "cat"), Task.categories(" dog,hot dog ,, cat,"));
        assertEquals(List.of(), Task.categories(null));
        assertEquals("Locate every object in this image and output their bbox coordinates in JSON format.", Task.DETECT.promptFor(" "));
        assertEquals("Locate every instance that belongs to the following categories: \"dog, cat\". Report bbox coordinates in JSON format.",
                Task.DETECT.promptFor("dog,cat"));
    }

    @Test
    void groundVqaAndSegmentNeedAPrompt() {
        for (Task t : new Task[] {Task.GROUND, Task.VQA, Task.SEGMENT}) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> t.promptFor(""));
            assertTrue(e.getMessage().contains("task '" + t.id + "'"), e.getMessage());
        }
        assertEquals("Describe this image.", Task.CAPTION.promptFor(null));
    }

    /** classify scores its candidates instead of generating: it runs outside a batch's decode steps, in one pass per candidate, not several generations. */
    @Test
    void classifyScoresCandidatesAndTakesAnOptionalPrompt() {
        assertEquals(Task.CLASSIFY, Task.parse("Classify"));
        assertTrue(Task.CLASSIFY.scoresCandidates());
        assertTrue(!Task.CLASSIFY.multiPass() && !Task.CAPTION.scoresCandidates());
        assertEquals("Which of these best describes the image?", Task.CLASSIFY.promptFor(null));
        assertEquals("Pet?", Task.CLASSIFY.promptFor("Pet?"));
    }

    /** A family refuses a task it was not trained for, naming the task, who does it, and what it does. */
    @Test
    void familiesRefuseTasksTheyWereNotTrainedFor() {
        Task.requireTrained(Task.CAPTION, java.util.EnumSet.of(Task.CAPTION), "X");
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> Task.requireTrained(Task.DEPTH, java.util.EnumSet.of(Task.CAPTION, Task.VQA, Task.GROUND), "Qwen3-VL"));
        assertEquals("task 'depth' needs a model trained for it (Youtu-VL); Qwen3-VL is not (it does caption, vqa, ground)", e.getMessage());
    }
    @Test
    void pointCountAndOcrParseAndAskByDefault() {
        assertEquals(Task.POINT, Task.parse("Point"));
        assertEquals(Task.COUNT, Task.parse("count"));
        assertEquals(Task.OCR, Task.parse(" OCR"));
        assertEquals("Read all the text in the image.", Task.OCR.promptFor(null));
        assertEquals("Locate the cup in this image and output the point coordinates in JSON format.", Task.POINT.promptFor("the cup"));
        assertEquals("Locate all cups in this image and output their bbox coordinates in JSON format.", Task.COUNT.promptFor("cups"));
        for (Task t : new Task[] {Task.POINT, Task.COUNT}) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> t.promptFor(" "));
            assertTrue(e.getMessage().startsWith("task '" + t.id + "' needs a prompt ("), e.getMessage());
        }
    }

    /** A request's categories: stripped, blanks dropped, refused by tasks without a categories form, and in its family-neutral prompt. */
    @Test
    void aRequestsCategories() {
        assertEquals(List.of("dog", "hot dog"), new TaskRequest(Task.COUNT, null, List.of(" dog ", " ", "hot dog")).categories());
        assertEquals(List.of(), new TaskRequest(Task.COUNT, "dogs", null).categories());
        Exception e = assertThrows(IllegalArgumentException.class, () -> new TaskRequest(Task.CAPTION, null, List.of("dog")));
        assertEquals("task 'caption' takes no categories (got dog); detect, semantic, point and count do", e.getMessage());
        assertEquals(List.of("dog", "cat"), TaskRequest.of(Task.DETECT, "dog, cat").askedCategories(), "detect's prompt lists categories");
        assertEquals(List.of(), TaskRequest.of(Task.COUNT, "dogs, cats").askedCategories(), "count's prompt is a description");
        assertEquals("Locate every instance that belongs to the following categories: \"dog, cat\". Report point coordinates in JSON format.",
                new TaskRequest(Task.POINT, null, List.of("dog", "cat")).instruction());
        assertEquals("Segment: sky., without the background class.", new TaskRequest(Task.SEMANTIC, null, List.of("sky")).instruction());
        assertEquals("Read all the text in the image.", TaskRequest.of(Task.OCR, null).instruction());
        assertEquals("Describe this image.", TaskRequest.of(Task.CAPTION, " ").instruction());
    }

    /** One request value carries classify's candidates too: classify needs some, other tasks take none, each refused by name. */
    @Test
    void aTaskRequestCarriesClassifysCandidatesAndOnlyClassifys() {
        LabelCandidates labels = new LabelCandidates(List.of("cat", "dog"), LabelScoring.MEAN);
        TaskRequest r = TaskRequest.classify(null, labels);
        assertEquals(labels, r.labels());
        assertEquals(List.of(), r.categories());
        assertEquals("Which of these best describes the image: cat, dog? Answer with one of them.", r.instruction());
        assertEquals("Is it a cat, dog?", TaskRequest.classify("Is it a {labels}?", labels).instruction());
        Exception e = assertThrows(IllegalArgumentException.class, () -> TaskRequest.of(Task.CLASSIFY, "Pet?"));
        assertEquals("task 'classify' needs candidate labels (--labels a,b,c, --labels-file, or a labels column)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TaskRequest(Task.CAPTION, null, List.of(), labels));
        assertEquals("task 'caption' takes no candidate labels (got cat, dog); classify does", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TaskRequest(Task.CLASSIFY, null, List.of("dog"), labels));
        assertEquals("task 'classify' takes no categories (got dog); detect, semantic, point and count do", e.getMessage());
    }
}
