package dev.loupe.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class ExecutorThreadsTest {

    @Test
    void anExecutorGetsItsCoresCappedByWhatTheJvmSees() {
        assertEquals(4, ExecutorThreads.defaultThreads(new SparkConf(false).set("spark.executor.cores", "4"), 32));
        assertEquals(2, ExecutorThreads.defaultThreads(new SparkConf(false).set("spark.executor.cores", "8"), 2));
    }

    @Test
    void withoutExecutorCoresEveryCoreTheJvmSees() {
        assertEquals(16, ExecutorThreads.defaultThreads(new SparkConf(false), 16));
        assertEquals(16, ExecutorThreads.defaultThreads(null, 16));
    }
}
