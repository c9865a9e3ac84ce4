package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RowSeedsTest {

    @Test
    void aRowsSeedIsAFixedFunctionOfTheJobSeedAndTheImageId() {
        // Pinned: a rerun next year, on another JVM, must sample the same tokens for the same row.
        assertEquals(4845059801982006479L, RowSeeds.forRow(0, "file:/data/a.jpg"));
        assertEquals(-1111104397181957264L, RowSeeds.forRow(42, "file:/data/a.jpg"));
    }

    @Test
    void neighbouringIdsAndJobSeedsGiveDistinctSeeds() {
        Set<Long> seeds = new HashSet<>();
        for (long job = 0; job < 4; job++) {
            for (int i = 0; i < 250; i++) seeds.add(RowSeeds.forRow(job, "img" + i + ".png"));
        }
        assertEquals(1000, seeds.size());
        assertNotEquals(RowSeeds.forRow(1, "x"), RowSeeds.forRow(0, "x") ^ 1, "the job seed is mixed, not just xored in");
    }

    @Test
    void withoutAnIdTheImageAndPromptDecide() {
        byte[] image = {1, 2, 3};
        assertEquals(RowSeeds.forContent(5, image, "Describe this image."), RowSeeds.forContent(5, image.clone(), "Describe this image."));
        assertNotEquals(RowSeeds.forContent(5, image, "Describe this image."), RowSeeds.forContent(5, image, "What is it?"));
        assertNotEquals(RowSeeds.forContent(5, image, "q"), RowSeeds.forContent(6, image, "q"));
    }
}
