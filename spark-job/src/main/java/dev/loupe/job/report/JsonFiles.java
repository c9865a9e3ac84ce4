package dev.loupe.job.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The jobs' summary files, read through Hadoop (they live beside the job's output, on any file system), with bad JSON named by line and column. */
final class JsonFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFiles() {}

    /**
     * The JSON object in {@code file}, or null when there is no such file.
     *
     * @param what what the file should be, for the message when it holds no object: {@code a job summary}
     */
    static JsonNode readObject(Path file, Configuration hadoop, String what) {
        try {
            FileSystem fs = file.getFileSystem(hadoop);
            try (InputStream in = fs.open(file)) {
                JsonNode root = JSON.readTree(in);
                if (root == null || !root.isObject()) throw new IllegalArgumentException(file + " is not " + what + ": not a JSON object");
                return root;
            }
        } catch (FileNotFoundException e) {
            return null;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
