package dev.loupe.job;

import org.apache.spark.sql.SaveMode;

/** What to do when {@code --output} already exists. */
public enum WriteMode {
    /** Refuse to start (before any task runs). */
    ERROR(SaveMode.ErrorIfExists),
    /** Replace it. Spark deletes the old files first: if the job then fails, the old output is gone too. */
    OVERWRITE(SaveMode.Overwrite);

    public final SaveMode saveMode;

    WriteMode(SaveMode saveMode) {
        this.saveMode = saveMode;
    }
}
