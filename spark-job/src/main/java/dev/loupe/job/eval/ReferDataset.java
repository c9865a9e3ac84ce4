package dev.loupe.job.eval;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loupe.engine.task.CocoRle;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a benchmark in the refer toolkit's layout: COCO {@code instances.json} (images with
 * their sizes, annotations with boxes and polygons or RLE), a refs file (ref_id, ann_id,
 * image_id, split, sentences with {@code sent} and, where present, {@code sent_id}) as a JSON
 * array or JSON Lines, and the image directory. The files are read on the driver, streaming
 * instances.json so that only the annotations and images the refs name are kept (COCO's train2014
 * instances are hundreds of megabytes); images are read by path on the executors.
 *
 * <p>A sample whose annotation or image is not in instances.json is kept, with a null box: it is
 * scored as bad ground truth, named, rather than failing the job.
 */
final class ReferDataset {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferDataset() {}

    record Ref(long refId, long annId, long imageId, String split, List<Sentence> sentences) {}

    record Sentence(String sentId, String text) {}

    static ReferringSamples read(SparkSession spark, EvalOptions o) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<Ref> refs = readRefs(o.refs(), hadoop);
        Set<Long> annIds = new HashSet<>(), imageIds = new HashSet<>();
        for (Ref r : refs) {
            annIds.add(r.annId());
            imageIds.add(r.imageId());
        }
        Map<Long, JsonNode> annotations = new HashMap<>(), images = new HashMap<>();
        readInstances(o.instances(), hadoop, annIds, imageIds, annotations, images);
        String imageDir = qualified(o.images(), hadoop);

        List<Row> rows = new ArrayList<>();
        for (Ref r : refs) {
            JsonNode ann = annotations.get(r.annId()), img = images.get(r.imageId());
            String fileName = img == null ? null : img.path("file_name").asText(null);
            Integer width = img != null && img.hasNonNull("width") ? img.get("width").asInt() : null;
            Integer height = img != null && img.hasNonNull("height") ? img.get("height").asInt() : null;
            Object bbox = ann == null ? null : numbers(ann.get("bbox"));
            Object polygons = null, rle = null;
            JsonNode seg = ann == null ? null : ann.get("segmentation");
            if (seg != null && seg.isArray() && !seg.isEmpty()) {
                polygons = polygons(seg);
            } else if (seg != null && seg.isObject()) {
                rle = rle(seg);
            }
            String imageId = fileName != null ? fileName : String.valueOf(r.imageId());
            String path = fileName == null ? null : imageDir + "/" + fileName;
            for (int k = 0; k < r.sentences().size(); k++) {
                Sentence s = r.sentences().get(k);
                String sampleId = s.sentId() != null ? s.sentId() : r.refId() + "#" + k;
                rows.add(RowFactory.create(sampleId, imageId, r.split(), s.text(), null, path, seq(bbox), seq(polygons), rle, width, height));
            }
        }
        int slices = Math.max(1, Math.min(rows.size(), 4 * spark.sparkContext().defaultParallelism()));
        return new ReferringSamples(spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, slices),
                ReferringSamples.SCHEMA), true, true);
    }

    /** The refs of a JSON array (the refer toolkit's refs converted to JSON) or JSON Lines. */
    static List<Ref> readRefs(String location, Configuration hadoop) {
        List<Ref> refs = new ArrayList<>();
        try (InputStream in = open(location, hadoop);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.mark(1 << 16);
            int first;
            do {
                first = reader.read();
            } while (first == ' ' || first == '\n' || first == '\r' || first == '\t' || first == 0xfeff);
            reader.reset();
            if (first == '[') {
                try (JsonParser p = JSON.getFactory().createParser(reader)) {
                    p.nextToken();
                    while (p.nextToken() == JsonToken.START_OBJECT) refs.add(ref(JSON.readTree(p), location, refs.size()));
                }
            } else {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.isBlank()) refs.add(ref(JSON.readTree(line), location, refs.size()));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--refs " + location + ": cannot read it as a JSON array or JSON Lines of refs: " + e.getMessage(), e);
        }
        if (refs.isEmpty()) throw new IllegalArgumentException("--refs " + location + " holds no refs");
        return refs;
    }

    private static Ref ref(JsonNode n, String location, int index) {
        for (String field : new String[] {"ref_id", "ann_id", "image_id", "sentences"}) {
            if (!n.hasNonNull(field)) {
                throw new IllegalArgumentException("--refs " + location + ": ref #" + index + " has no " + field + " (refs need ref_id, ann_id, image_id, split and sentences)");
            }
        }
        List<Sentence> sentences = new ArrayList<>();
        for (JsonNode s : n.get("sentences")) {
            String text = s.isTextual() ? s.asText() : s.path("sent").asText(s.path("raw").asText(null));
            String sentId = s.hasNonNull("sent_id") ? s.get("sent_id").asText() : null;
            if (text != null) sentences.add(new Sentence(sentId, text));
        }
        return new Ref(n.get("ref_id").asLong(), n.get("ann_id").asLong(), n.get("image_id").asLong(), n.path("split").asText("all"), sentences);
    }

    /** Keeps the annotations and images named in {@code annIds}, {@code imageIds}, streaming the file. */
    private static void readInstances(String location, Configuration hadoop, Set<Long> annIds, Set<Long> imageIds,
                                      Map<Long, JsonNode> annotations, Map<Long, JsonNode> images) {
        try (InputStream in = open(location, hadoop); JsonParser p = new JsonFactory(JSON).createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_ARRAY && (field.equals("annotations") || field.equals("images"))) {
                    boolean anns = field.equals("annotations");
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode n = JSON.readTree(p);
                        long id = n.path("id").asLong(-1);
                        if (anns && annIds.contains(id)) annotations.put(id, n);
                        if (!anns && imageIds.contains(id)) images.put(id, n);
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--instances " + location + ": cannot read it as COCO instances JSON: " + e.getMessage(), e);
        }
    }

    /** A (nested) Java list as the Scala sequence Spark's row encoder takes for an array column. */
    private static Object seq(Object value) {
        if (!(value instanceof List<?> list)) return value;
        return scala.jdk.javaapi.CollectionConverters.asScala(list.stream().map(ReferDataset::seq).toList()).toSeq();
    }

    /** A JSON array of numbers as doubles; anything else as null (bad ground truth, named when scored). */
    private static List<Double> numbers(JsonNode n) {
        if (n == null || !n.isArray()) return null;
        List<Double> out = new ArrayList<>();
        for (JsonNode v : n) out.add(v.isNumber() ? v.asDouble() : Double.NaN);
        return out;
    }

    private static List<List<Double>> polygons(JsonNode seg) {
        List<List<Double>> out = new ArrayList<>();
        for (JsonNode polygon : seg) {
            List<Double> xy = numbers(polygon);
            out.add(xy == null ? List.of() : xy);
        }
        return out;
    }

    /** A COCO RLE object: {@code size} [height, width] and {@code counts}, compressed (a string) or not (a list). */
    private static Row rle(JsonNode seg) {
        JsonNode size = seg.get("size"), counts = seg.get("counts");
        if (size == null || size.size() != 2 || counts == null) return null;
        String compressed;
        if (counts.isTextual()) {
            compressed = counts.asText();
        } else {
            int[] c = new int[counts.size()];
            for (int i = 0; i < c.length; i++) c[i] = counts.get(i).asInt();
            compressed = CocoRle.toString(c);
        }
        return RowFactory.create(size.get(0).asInt(), size.get(1).asInt(), compressed);
    }

    private static InputStream open(String location, Configuration hadoop) throws IOException {
        Path p = new Path(location);
        return p.getFileSystem(hadoop).open(p);
    }

    private static String qualified(String dir, Configuration hadoop) {
        Path p = new Path(dir);
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            return fs.makeQualified(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at --images " + dir, e);
        }
    }
}
