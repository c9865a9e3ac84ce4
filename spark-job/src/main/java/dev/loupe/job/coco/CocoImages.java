package dev.loupe.job.coco;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The {@code images} list of a COCO JSON file, streamed: a train2017 instances file is ~450 MB,
 * most of it {@code annotations}, which are skipped unparsed. Problems name the file, and the
 * entry or the line and column where the JSON breaks.
 */
final class CocoImages {
    /** One entry of {@code images}; width and height null when the file does not state them. */
    record Entry(long id, String fileName, Integer width, Integer height) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoImages() {}

    /** Calls {@code sink} with each image in file order; returns how many there were. */
    static long read(Path file, Consumer<Entry> sink) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        long n = 0;
        boolean sawImages = false;
        try (JsonParser p = new JsonFactory().setCodec(JSON).createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException(file + " is not a COCO JSON file: it is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("images")) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) throw new IllegalArgumentException(file + ": images is not a list");
                sawImages = true;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    sink.accept(entry(p.readValueAsTree(), n, file));
                    n++;
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!sawImages) throw new IllegalArgumentException(file + " has no images list: is it a COCO instances file?");
        return n;
    }

    private static Entry entry(JsonNode image, long index, Path file) {
        JsonNode id = image.get("id"), name = image.get("file_name");
        if (id == null || !id.canConvertToLong() || name == null || !name.isTextual()) {
            throw new IllegalArgumentException(file + ": images[" + index + "] needs an integer id and a file_name: " + image);
        }
        JsonNode w = image.get("width"), h = image.get("height");
        return new Entry(id.asLong(), name.asText(), w != null && w.canConvertToInt() ? w.asInt() : null,
                h != null && h.canConvertToInt() ? h.asInt() : null);
    }
}
