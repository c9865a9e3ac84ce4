package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelLoadsAccumulatorTest {

    @Test
    void reportsMergeByMaximumSoRepeatedAndDuplicateTasksCountOnce() {
        ModelLoadsAccumulator driver = new ModelLoadsAccumulator();
        assertTrue(driver.isZero());

        ModelLoadsAccumulator task1 = driver.copy();
        task1.add(new ModelLoadsAccumulator.Report("1", 1));
        ModelLoadsAccumulator task2 = driver.copy(); // a later task of executor 1: same count
        task2.add(new ModelLoadsAccumulator.Report("1", 1));
        ModelLoadsAccumulator speculative = task2.copy(); // a speculative copy of that task
        ModelLoadsAccumulator task3 = driver.copy(); // executor 2 had to load twice (a failed first load)
        task3.add(new ModelLoadsAccumulator.Report("2", 1));
        task3.add(new ModelLoadsAccumulator.Report("2", 2));

        for (ModelLoadsAccumulator t : new ModelLoadsAccumulator[] {task1, task2, speculative, task3}) driver.merge(t);

        assertEquals(Map.of("1", 1, "2", 2), driver.value());
        driver.reset();
        assertTrue(driver.isZero());
    }
}
