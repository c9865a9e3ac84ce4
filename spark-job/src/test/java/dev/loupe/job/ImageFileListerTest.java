package dev.loupe.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFileListerTest {
    private static final List<String> EXTENSIONS = List.of("jpg", ".png");

    @TempDir
    Path dir;

    @Test
    void findsImagesRecursivelyInAnyCaseAndSkipsHiddenAndOtherFiles() throws Exception {
        for (String f : List.of("a.jpg", "b.PNG", "empty.png", "notes.txt", "noext", "._a.jpg", ".hidden/c.jpg",
                "_temporary/d.jpg", "sub/deeper/e.JpG", "sub/_SUCCESS")) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.write(p, f.equals("empty.png") ? new byte[0] : new byte[] {1});
        }
        assertEquals(List.of(uri("a.jpg"), uri("b.PNG"), uri("empty.png"), uri("sub/deeper/e.JpG")),
                ImageFileLister.list(dir.toString(), EXTENSIONS, new Configuration()));
    }

    @Test
    void aGlobAndANamedFileAreTakenAsGiven() throws Exception {
        Files.write(dir.resolve("x1.jpg"), new byte[] {1});
        Files.write(dir.resolve("x2.jpg"), new byte[] {1});
        Files.write(dir.resolve("y.jpg"), new byte[] {1});
        Files.write(dir.resolve("scan.tiff"), new byte[] {1});
        assertEquals(List.of(uri("x1.jpg"), uri("x2.jpg")), ImageFileLister.list(dir + "/x*.jpg", EXTENSIONS, new Configuration()));
        assertEquals(List.of(uri("scan.tiff")), ImageFileLister.list(dir + "/scan.tiff", EXTENSIONS, new Configuration()));
    }

    @Test
    void nothingToReadIsAnErrorNamingTheInput() throws Exception {
        Files.writeString(dir.resolve("readme.md"), "no images here");
        var none = assertThrows(IllegalArgumentException.class, () -> ImageFileLister.list(dir.toString(), EXTENSIONS, new Configuration()));
        assertEquals("--input " + dir + " holds no image files (extensions [jpg, .png], any case; see --image-extensions)", none.getMessage());
        var missing = assertThrows(IllegalArgumentException.class,
                () -> ImageFileLister.list(dir.resolve("nope").toString(), EXTENSIONS, new Configuration()));
        assertEquals("--input " + dir.resolve("nope") + " does not exist", missing.getMessage());
        var noMatch = assertThrows(IllegalArgumentException.class,
                () -> ImageFileLister.list(dir + "/*.jpg", EXTENSIONS, new Configuration()));
        assertEquals("--input " + dir + "/*.jpg matches no files", noMatch.getMessage());
    }

    private String uri(String relative) {
        return "file:" + dir.resolve(relative);
    }
}
