package dev.loupe.udf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32C;

/**
 * Per-row sampling seeds. A row's seed depends only on the job's seed and the row itself, never on
 * which task, executor or attempt runs it, so a retried or speculative task samples exactly the
 * same tokens and writes the same row; and rows get different seeds, so identical images under
 * different ids are sampled independently.
 */
public final class RowSeeds {
    private RowSeeds() {}

    /** The annotate job's seed for the row {@code imageId}: SHA-256 of the id, mixed with the job seed. */
    public static long forRow(long jobSeed, String imageId) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(imageId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        return mix(jobSeed ^ ByteBuffer.wrap(digest).getLong());
    }

    /**
     * The SQL functions' seed, which have no row id: the image bytes and the prompt stand in for
     * it (the same image with the same prompt samples the same text).
     */
    public static long forContent(long jobSeed, byte[] image, String prompt) {
        CRC32C crc = new CRC32C();
        crc.update(image);
        crc.update(prompt.getBytes(StandardCharsets.UTF_8));
        return jobSeed ^ crc.getValue();
    }

    /** SplitMix64's finalizer: nearby job seeds (0, 1, 2 ...) still give unrelated row seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
