package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerCacheTest {

    @AfterEach
    void clear() {
        System.clearProperty(SchedulerCache.KV_MEMORY_PROPERTY);
    }

    /** Half the heap by default; -Dloupe.kvMemoryMb in MiB when given; a negative value is named. */
    @Test
    void theKvBudgetIsHalfTheHeapUnlessGiven() {
        assertEquals(Runtime.getRuntime().maxMemory() / 2, SchedulerCache.kvBudgetBytes());
        System.setProperty(SchedulerCache.KV_MEMORY_PROPERTY, "1536");
        assertEquals(1536L << 20, SchedulerCache.kvBudgetBytes());
        System.setProperty(SchedulerCache.KV_MEMORY_PROPERTY, "-5");
        var e = assertThrows(IllegalArgumentException.class, SchedulerCache::kvBudgetBytes);
        assertEquals("-Dloupe.kvMemoryMb must be >= 1 (MiB), got -5", e.getMessage());
    }
}
