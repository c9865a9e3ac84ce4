package dev.loupe.engine.vision;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What the vision encoder receives for one image: the tiles of the refined image in row-major
 * order ({@code gridCols x gridRows} of them, none when the model does not split images) and the
 * overview. Each is a planar CHW float array of {@code 3 * tileSize * tileSize} normalised values:
 * element {@code [c][y][x]} is at {@code c * tileSize * tileSize + y * tileSize + x}.
 */
public record PreprocessedImage(int tileSize, int gridCols, int gridRows, List<float[]> tiles, float[] overview) {

    public PreprocessedImage {
        tiles = List.copyOf(tiles);
        if (tiles.size() != gridCols * gridRows) {
            throw new IllegalArgumentException(tiles.size() + " tiles for a " + gridCols + "x" + gridRows + " grid");
        }
        int len = 3 * tileSize * tileSize;
        if (overview.length != len || tiles.stream().anyMatch(t -> t.length != len)) {
            throw new IllegalArgumentException("every tile and the overview must hold 3x" + tileSize + "x" + tileSize + " floats");
        }
    }

    /** Tiles then the overview: the order llama.cpp encodes them and places them in the prompt. */
    public List<float[]> encoderInputs() {
        var all = new ArrayList<float[]>(tiles.size() + 1);
        all.addAll(tiles);
        all.add(overview);
        return all;
    }

    /**
     * {@code pass} (the encoder and projector) applied to each of {@link #encoderInputs()}, in
     * that order, but run once per distinct input: an input equal to an earlier one gets a copy
     * of that one's result. The overview of a single-tile image is that tile (the refined image
     * resized to its own size, which Lanczos leaves unchanged), so at a longest edge of one tile,
     * the speed setting, this halves the encoder's work; llama.cpp encodes both, to the same floats.
     */
    public List<float[]> encodeEach(UnaryOperator<float[]> pass) {
        List<float[]> inputs = encoderInputs();
        List<float[]> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            int earlier = 0;
            while (earlier < i && !Arrays.equals(inputs.get(earlier), inputs.get(i))) earlier++;
            out.add(earlier < i ? out.get(earlier).clone() : pass.apply(inputs.get(i)));
        }
        return out;
    }
}
