package dev.loupe.engine.vision;

import java.util.List;

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
        var all = new java.util.ArrayList<float[]>(tiles.size() + 1);
        all.addAll(tiles);
        all.add(overview);
        return all;
    }
}
