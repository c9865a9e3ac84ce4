package dev.loupe.engine.vision;

import java.awt.image.BufferedImage;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Node;

/**
 * A GIF's first frame composed the way stb_image returns it: on the logical screen, which
 * starts black, at the frame's offset, with pixels of the transparent index left black (stb
 * clears its canvas to transparent black and skips them). ImageIO alone would return the bare
 * frame in its own size and the transparent index's palette colour.
 */
final class GifFirstFrame {
    private GifFirstFrame() {
    }

    static RgbImage read(ImageReader reader, ImageDecoder.SizeCheck sizeCheck) throws IOException {
        IIOMetadata streamMeta = reader.getStreamMetadata();
        IIOMetadata frameMeta = reader.getImageMetadata(0);
        int left = 0, top = 0, screenW = -1, screenH = -1;
        boolean transparent = false;
        int transparentIndex = -1;
        if (streamMeta != null) {
            Node screen = child(streamMeta.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
            if (screen != null) {
                screenW = intAttr(screen, "logicalScreenWidth", -1);
                screenH = intAttr(screen, "logicalScreenHeight", -1);
            }
        }
        Node frameTree = frameMeta.getAsTree("javax_imageio_gif_image_1.0");
        Node desc = child(frameTree, "ImageDescriptor");
        if (desc != null) {
            left = intAttr(desc, "imageLeftPosition", 0);
            top = intAttr(desc, "imageTopPosition", 0);
        }
        Node gce = child(frameTree, "GraphicControlExtension");
        if (gce != null && "TRUE".equalsIgnoreCase(attr(gce, "transparentColorFlag"))) {
            transparent = true;
            transparentIndex = intAttr(gce, "transparentColorIndex", -1);
        }
        BufferedImage frame = reader.read(0);
        if (screenW <= 0 || screenH <= 0) {
            screenW = left + frame.getWidth();
            screenH = top + frame.getHeight();
        }
        sizeCheck.check(screenW, screenH);
        RgbImage pixels = RasterConverter.toRgb(frame);
        RgbImage canvas = RgbImage.black(screenW, screenH);
        int[] index = new int[frame.getWidth()];
        for (int y = 0; y < frame.getHeight(); y++) {
            int cy = top + y;
            if (cy >= screenH) break;
            if (transparent) frame.getRaster().getSamples(0, y, frame.getWidth(), 1, 0, index);
            for (int x = 0; x < frame.getWidth(); x++) {
                int cx = left + x;
                if (cx >= screenW) break;
                if (transparent && index[x] == transparentIndex) continue;
                System.arraycopy(pixels.rgb(), 3 * (y * frame.getWidth() + x), canvas.rgb(), 3 * (cy * screenW + cx), 3);
            }
        }
        return canvas;
    }

    private static Node child(Node parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals(name)) return n;
        }
        return null;
    }

    private static String attr(Node node, String name) {
        Node a = node.getAttributes().getNamedItem(name);
        return a == null ? null : a.getNodeValue();
    }

    private static int intAttr(Node node, String name, int fallback) {
        String v = attr(node, name);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
