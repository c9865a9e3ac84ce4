package dev.loupe.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/**
 * What {@code --input} holds, found the cheap way, without Spark: the image files counted (the
 * job's own listing), or a table's columns and row count read from Parquet footers or JSON Lines
 * text. For {@code --dry-run}.
 *
 * @param format  what the input was taken for
 * @param rows    images, or the table's rows
 * @param columns a table's columns, in order (empty for images)
 */
record InputSurvey(InputFormat format, long rows, List<String> columns) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Surveys {@code --input}; a problem the job would stop on (nothing there, no images, a missing column) is thrown. */
    static InputSurvey of(AnnotateOptions o, Configuration hadoop) {
        InputFormat format = o.format() != null ? o.format() : InputFormat.detect(o.input(), hadoop);
        InputSurvey survey = switch (format) {
            case IMAGES -> new InputSurvey(format, ImageFileLister.list(o.input(), o.imageExtensions(), hadoop).size(), List.of());
            case PARQUET -> parquet(o.input(), hadoop);
            case JSON -> jsonLines(o.input(), hadoop);
        };
        if (format != InputFormat.IMAGES) survey.requireColumns(o);
        return survey;
    }

    /** The columns the options name must be in the table. */
    private void requireColumns(AnnotateOptions o) {
        List<String> named = new ArrayList<>();
        named.add(o.imageColumn());
        for (String c : new String[] {o.idColumn(), o.taskColumn(), o.promptColumn(), o.categoriesColumn(), o.labelsColumn(),
                o.maxLongestEdgeColumn(), o.maxImageTokensColumn()}) {
            if (c != null) named.add(c);
        }
        List<String> missing = named.stream().filter(c -> !columns.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("--input has no column " + String.join(", ", missing) + " (its columns: "
                    + String.join(", ", columns) + ")");
        }
    }

    static InputSurvey parquet(String input, Configuration hadoop) {
        List<Path> files = dataFiles(input, hadoop, ".parquet");
        long rows = 0;
        List<String> columns = List.of();
        try {
            for (Path f : files) {
                try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(f, hadoop))) {
                    rows += reader.getRecordCount();
                    if (columns.isEmpty()) {
                        columns = reader.getFooter().getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList();
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--input " + input + ": cannot read a Parquet footer: " + e.getMessage(), e);
        }
        return new InputSurvey(InputFormat.PARQUET, rows, columns);
    }

    /** JSON Lines: rows are the non-blank lines; columns the keys of every row (as Spark infers them: the union). */
    private static InputSurvey jsonLines(String input, Configuration hadoop) {
        long rows = 0;
        Set<String> columns = new LinkedHashSet<>();
        for (Path f : dataFiles(input, hadoop, ".json", ".jsonl", ".ndjson")) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(f.getFileSystem(hadoop).open(f), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank()) continue;
                    rows++;
                    JsonNode row = JSON.readTree(line);
                    for (Iterator<String> names = row.fieldNames(); names.hasNext(); ) columns.add(names.next());
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("--input " + f + ": not JSON Lines: " + e.getMessage(), e);
            }
        }
        return new InputSurvey(InputFormat.JSON, rows, List.copyOf(columns));
    }

    /** The input itself if it is a file, else its visible files with one of the extensions (a directory's, as Spark reads it). */
    private static List<Path> dataFiles(String input, Configuration hadoop, String... extensions) {
        Path path = new Path(input);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) throw new IllegalArgumentException("--input " + input + " does not exist");
            if (!fs.getFileStatus(path).isDirectory()) return List.of(path);
            List<Path> files = new ArrayList<>();
            for (FileStatus f : fs.listStatus(path)) {
                String name = f.getPath().getName().toLowerCase(Locale.ROOT);
                if (f.isFile() && !name.startsWith("_") && !name.startsWith(".") && List.of(extensions).stream().anyMatch(name::endsWith)) {
                    files.add(f.getPath());
                }
            }
            if (files.isEmpty()) throw new IllegalArgumentException("--input " + input + " holds no " + String.join(" or ", extensions) + " files");
            files.sort(null);
            return files;
        } catch (IOException e) {
            throw new IllegalArgumentException("--input " + input + ": cannot list files: " + e.getMessage(), e);
        }
    }
}
