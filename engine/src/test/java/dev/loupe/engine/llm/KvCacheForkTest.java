package dev.loupe.engine.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A fork holds the stored cells and the RoPE offset, and is written without touching its source. */
class KvCacheForkTest {

    @Test
    void aForkCopiesTheStoredCellsAndPositionsAndIsIndependent() {
        KvCache source = new KvCache(2, 3, 4);
        source.ensureCapacity(2);
        for (int l = 0; l < 2; l++) {
            source.store(l, 0, new float[] {1, 2, 3}, 0, new float[] {4, 5, 6}, 0);
            source.store(l, 1, new float[] {7, 8, 9}, 0, new float[] {10, 11, 12}, 0);
        }
        source.setLength(2);
        source.shiftPositions(-1); // as an M-RoPE image leaves it

        KvCache fork = source.fork(40);
        assertEquals(2, fork.length());
        assertEquals(source.nextPosition(), fork.nextPosition());
        assertArrayEquals(Arrays.copyOf(source.keys(1), 6), Arrays.copyOf(fork.keys(1), 6));
        assertArrayEquals(Arrays.copyOf(source.values(0), 6), Arrays.copyOf(fork.values(0), 6));
        assertEquals(KvCache.bytesFor(2, 3, 40), fork.bytes(), "room for the capacity asked");

        fork.store(0, 0, new float[] {-1, -1, -1}, 0, new float[] {-1, -1, -1}, 0);
        fork.setLength(3);
        assertEquals(1f, source.keys(0)[0], "the source is untouched");
        assertEquals(2, source.length());
    }

    @Test
    void aLatentCacheForksAsLatent() {
        KvCache latent = KvCache.latent(1, 2, 16);
        latent.storeRow(0, 0, new float[] {3, 4}, 0);
        latent.setLength(1);
        KvCache fork = latent.fork(1);
        assertEquals(3f, fork.keys(0)[0]);
        assertEquals(fork.keys(0), fork.values(0), "values are the keys' latent prefix, as in its source");
    }
}
