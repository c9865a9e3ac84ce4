package dev.loupe.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GeluTest {

    /**
     * Every fp16 input of Loupe's GELU equals ggml's {@code ggml_table_gelu_f16} as built by
     * libggml-cpu-haswell (build 11669), dumped to test resources (see resources/ggml/README.md).
     */
    @Test
    void tableEqualsGgmlHaswellTable() throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of("src/test/resources/ggml/gelu_f16_table.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        int checked = 0;
        for (int i = 0; i < 65536; i++) {
            short ref = b.getShort(2 * i);
            float x = Float.float16ToFloat((short) i);
            if (Float.isNaN(x) || x <= -10f || x >= 10f) continue; // outside the table's use
            assertEquals(Float.float16ToFloat(ref), Gelu.apply(x), 0f, "gelu(" + x + ")");
            checked++;
        }
        assertTrue(checked > 25000, checked + " table entries checked");
    }

    @Test
    void outsideTheTableIsZeroOrIdentity() {
        assertEquals(0f, Gelu.apply(-10f));
        assertEquals(0f, Gelu.apply(-300f));
        assertEquals(10f, Gelu.apply(10f));
        assertEquals(123.5f, Gelu.apply(123.5f));
    }
}
