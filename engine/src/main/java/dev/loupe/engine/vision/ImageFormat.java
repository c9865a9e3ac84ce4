package dev.loupe.engine.vision;

/** The container formats {@link ImageDecoder} accepts, recognised by their magic bytes, never by name. */
public enum ImageFormat {
    JPEG, PNG, GIF, BMP, WEBP;

    /** The format whose signature {@code data} starts with, or null. */
    static ImageFormat sniff(byte[] data) {
        if (startsWith(data, 0, 0xFF, 0xD8, 0xFF)) return JPEG;
        if (startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return PNG;
        if (startsWith(data, 0, 'G', 'I', 'F', '8') && data.length > 5 && (data[4] == '7' || data[4] == '9') && data[5] == 'a') return GIF;
        if (startsWith(data, 0, 'B', 'M')) return BMP;
        if (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P')) return WEBP;
        return null;
    }

    private static boolean startsWith(byte[] data, int offset, int... magic) {
        if (data.length < offset + magic.length) return false;
        for (int i = 0; i < magic.length; i++) {
            if ((data[offset + i] & 0xFF) != magic[i]) return false;
        }
        return true;
    }
}
