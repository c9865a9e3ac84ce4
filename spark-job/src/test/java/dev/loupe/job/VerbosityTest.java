package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;

/**
 * Logging (issue 19): conf/log4j2.properties, as submit.sh hands it to the JVM, keeps Spark to
 * warnings and Loupe at INFO; {@code --verbose} brings Spark's INFO and Loupe's DEBUG back.
 * A logger context of its own, so the test JVM's logging is left as it was.
 */
class VerbosityTest {
    @Test
    void theConfKeepsSparkToWarningsAndLoupeAtInfoAndVerboseBringsBothBack() throws Exception {
        Path conf = Path.of("../conf/log4j2.properties").toAbsolutePath().normalize();
        LoggerContext context = new LoggerContext("loupe-verbosity-test", null, conf.toUri());
        try {
            context.start(new org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory()
                    .getConfiguration(context, new org.apache.logging.log4j.core.config.ConfigurationSource(
                            java.nio.file.Files.newInputStream(conf), conf.toFile())));
            assertEquals(Level.WARN, context.getRootLogger().getLevel(), "Spark's INFO chatter off by default");
            assertFalse(context.getLogger("org.apache.spark.SparkContext").isInfoEnabled());
            assertTrue(context.getLogger("dev.loupe.udf.ModelCache").isInfoEnabled(), "Loupe's one line per event");
            assertFalse(context.getLogger("dev.loupe.udf.ModelCache").isDebugEnabled());
            assertFalse(context.getLogger("org.apache.spark.util.SparkStringUtils").isWarnEnabled(), "the wide plan's warning is noise");

            Verbosity.apply(false, context);
            assertFalse(context.getLogger("org.apache.spark.SparkContext").isInfoEnabled(), "no --verbose: nothing changes");

            Verbosity.apply(true, context);
            assertTrue(context.getLogger("org.apache.spark.SparkContext").isInfoEnabled());
            assertTrue(context.getLogger("dev.loupe.job.AnnotationRun").isDebugEnabled());
        } finally {
            context.stop();
        }
    }
}
