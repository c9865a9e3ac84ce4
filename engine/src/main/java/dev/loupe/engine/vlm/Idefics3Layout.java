package dev.loupe.engine.vlm;

import dev.loupe.engine.text.BpeTokenizer;
import dev.loupe.engine.text.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import dev.loupe.engine.vision.PreprocessedImage;
import java.util.List;

/**
 * Where SmolVLM's image embeddings go in the sequence (mtmd's idefics3 slice template): for
 * each tile, row by row, the text {@code <fake_token_around_image><row_R_col_C>} and the
 * tile's embeddings, a {@code \n} token after every row but the last; then {@code \n\n},
 * {@code <fake_token_around_image>}, {@code <global-img>}, the overview's embeddings and a
 * closing {@code <fake_token_around_image>}. Without tiles only the overview part is emitted
 * (llama.cpp keeps the leading {@code \n\n} even then).
 */
final class Idefics3Layout {
    private final int newline;
    private final int doubleNewline;
    private final int fakeToken;
    private final int globalImage;

    Idefics3Layout(BpeTokenizer tokenizer) {
        this.newline = tokenForPiece(tokenizer, "\n");
        this.doubleNewline = tokenForPiece(tokenizer, "\n\n");
        this.fakeToken = tokenForPiece(tokenizer, "<fake_token_around_image>");
        this.globalImage = tokenForPiece(tokenizer, "<global-img>");
    }

    /**
     * mtmd's {@code lookup_token}: the first id whose rendered piece (special tokens rendered)
     * is exactly {@code text}. Pieces, not vocabulary strings: byte-level BPE stores "\n" as "Ċ".
     */
    static int tokenForPiece(BpeTokenizer tokenizer, String text) {
        byte[] wanted = text.getBytes(StandardCharsets.UTF_8);
        Vocabulary vocab = tokenizer.vocabulary();
        for (int id = 0; id < vocab.size(); id++) {
            if (Arrays.equals(tokenizer.piece(id, true), wanted)) return id;
        }
        throw new IllegalArgumentException(vocab.source() + ": no token renders as \"" + text.replace("\n", "\\n")
                + "\", which SmolVLM's image layout needs");
    }

    /** Appends the image at the marker's place; {@code embedded} holds the tiles' then the overview's embeddings. */
    void append(PromptBuilder prompt, PreprocessedImage image, List<float[]> embedded, int tokensPerImage, int width) {
        int tile = 0;
        for (int r = 0; r < image.gridRows(); r++) {
            for (int c = 0; c < image.gridCols(); c++) {
                prompt.text("<fake_token_around_image><row_" + (r + 1) + "_col_" + (c + 1) + ">");
                prompt.embeddings(embedded.get(tile++), tokensPerImage, width);
            }
            if (r < image.gridRows() - 1) prompt.tokens(newline);
        }
        prompt.tokens(doubleNewline, fakeToken, globalImage);
        prompt.embeddings(embedded.get(tile), tokensPerImage, width);
        prompt.tokens(fakeToken);
    }
}
