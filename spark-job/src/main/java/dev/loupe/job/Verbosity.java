package dev.loupe.job;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * The jobs' {@code --verbose}: conf/log4j2.properties keeps Spark's INFO chatter off and Loupe's
 * own messages at one line per event (model loaded and repacked, job started and finished);
 * verbose brings Spark's INFO logging back and Loupe's DEBUG lines with it, in this JVM (the
 * driver, and the executors of a local[...] run, which share it).
 */
public final class Verbosity {
    static final String LOUPE_LOGGERS = "dev.loupe";

    private Verbosity() {}

    /** Sets this JVM's levels for a run: nothing changes unless {@code verbose}. */
    public static void apply(boolean verbose) {
        if (verbose && LogManager.getContext(false) instanceof LoggerContext context) apply(true, context);
    }

    static void apply(boolean verbose, LoggerContext context) {
        if (!verbose) return;
        Configuration config = context.getConfiguration();
        config.getRootLogger().setLevel(Level.INFO);
        LoggerConfig loupe = config.getLoggerConfig(LOUPE_LOGGERS);
        if (!loupe.getName().equals(LOUPE_LOGGERS)) { // a configuration without Loupe's logger: add it
            loupe = new LoggerConfig(LOUPE_LOGGERS, Level.DEBUG, true);
            config.addLogger(LOUPE_LOGGERS, loupe);
        }
        loupe.setLevel(Level.DEBUG);
        context.updateLoggers();
    }
}
