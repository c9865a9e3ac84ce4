package dev.loupe.engine.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated token ids into text as they come. A byte-level token may end in the middle of
 * a multi-byte UTF-8 character (emoji and CJK are often split over tokens), so the bytes of an
 * unfinished character are held back until the token that completes it arrives. Bytes that can
 * never become a valid character are released at once as U+FFFD. One decoder per sequence; not
 * thread-safe.
 */
public final class TokenDecoder {
    private final BpeTokenizer tokenizer;
    private final boolean renderSpecial;
    private byte[] pending = new byte[16];
    private int pendingLength;

    TokenDecoder(BpeTokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** The text completed by this token, possibly empty. */
    public String accept(int id) {
        byte[] piece = tokenizer.pieceView(id, renderSpecial);
        if (pendingLength + piece.length > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + piece.length));
        System.arraycopy(piece, 0, pending, pendingLength, piece.length);
        pendingLength += piece.length;
        int complete = completePrefix();
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Releases whatever is held back (an unfinished character becomes U+FFFD) and resets. */
    public String finish() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    /** Length of the pending prefix that is not the start of an unfinished UTF-8 character. */
    private int completePrefix() {
        for (int back = 1; back <= Math.min(3, pendingLength); back++) {
            int b = pending[pendingLength - back] & 0xFF;
            if ((b & 0xC0) == 0x80) continue; // continuation byte: look further back for the lead
            int needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 1;
            return needed > back ? pendingLength - back : pendingLength;
        }
        return pendingLength;
    }
}
