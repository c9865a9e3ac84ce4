package dev.loupe.job.coco;

import java.net.URI;
import java.nio.file.Path;

/**
 * COCO's {@code file_name} for an annotation row's {@code image_id}: the image's path (a
 * {@code file:} URI, as the annotate job writes ids of image directories, becomes a plain path),
 * made relative to {@code --image-root} when it lies under it, since COCO file names are relative
 * to the dataset's image directory. Ids that are not paths (an id column, a content hash) stay as
 * they are.
 */
final class ImageNames {
    private ImageNames() {}

    static String fileName(String imageId, Path imageRoot) {
        if (imageId == null) return null;
        String path = imageId;
        if (imageId.startsWith("file:")) {
            try {
                path = Path.of(URI.create(imageId)).toString();
            } catch (IllegalArgumentException e) {
                path = imageId.substring("file:".length());
            }
        }
        if (imageRoot != null) {
            Path p = Path.of(path).normalize(), root = imageRoot.toAbsolutePath().normalize();
            if (p.isAbsolute() && p.startsWith(root)) return root.relativize(p).toString();
        }
        return path;
    }
}
