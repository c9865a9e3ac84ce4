package dev.loupe.engine.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-unicode alphabet: every byte is written as one printable character (bytes that
 * are printable Latin-1 stand for themselves, the others take U+0100 onwards in byte order), so
 * a byte-level vocabulary stores arbitrary bytes as text.
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[0x200];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            CHAR_OF_BYTE[b] = (char) (printable ? b : next++);
            BYTE_OF_CHAR[CHAR_OF_BYTE[b]] = b;
        }
    }

    private ByteLevel() {}

    static char charOf(int b) {
        return CHAR_OF_BYTE[b & 0xFF];
    }

    /** The byte a character stands for, or -1 if it is not in the alphabet. */
    static int byteOf(int cp) {
        return cp >= 0 && cp < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[cp] : -1;
    }

    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = charOf(bytes[i]);
        return new String(out);
    }

    /**
     * The bytes a token text stands for. A character outside the alphabet cannot come from a
     * byte; llama.cpp then writes a visible {@code [UNK_BYTE_0x..text]} marker, and so does Loupe.
     */
    static byte[] decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder marker = new StringBuilder("[UNK_BYTE_0x");
                for (byte u : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) marker.append(String.format("%02x", u & 0xFF));
                out.writeBytes(marker.append(text).append(']').toString().getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }
}
