package io.rnn4j.init;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitializersTest {

    @Test
    void glorotUniformStaysInItsLimitAndFillsIt() {
        float[] v = Initializers.glorotUniform().initialize(new int[] {30, 50}, 7);
        double limit = Math.sqrt(6.0 / 80), max = 0, mean = 0;
        for (float x : v) {
            assertTrue(Math.abs(x) <= limit, "outside the Glorot limit: " + x);
            max = Math.max(max, Math.abs(x));
            mean += x / v.length;
        }
        assertTrue(max > 0.95 * limit, "does not reach near the limit");
        assertTrue(Math.abs(mean) < 0.02, "not centred: " + mean);
        assertArrayEquals(v, Initializers.glorotUniform().initialize(new int[] {30, 50}, 7), "same seed, same values");
    }

    private static void assertOrthonormal(float[] v, int rows, int cols, double gain) {
        boolean byRows = rows < cols; // the smaller dimension is orthonormal
        int n = byRows ? rows : cols, len = byRows ? cols : rows;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double dot = 0;
                for (int i = 0; i < len; i++) {
                    double va = byRows ? v[a * cols + i] : v[i * cols + a];
                    double vb = byRows ? v[b * cols + i] : v[i * cols + b];
                    dot += va * vb;
                }
                assertEquals(a == b ? gain * gain : 0, dot, 1e-5, "entry " + a + "," + b);
            }
        }
    }

    @Test
    void orthogonalIsOrthonormalForEveryAspect() {
        assertOrthonormal(Initializers.orthogonal().initialize(new int[] {6, 6}, 1), 6, 6, 1);
        assertOrthonormal(Initializers.orthogonal().initialize(new int[] {5, 20}, 2), 5, 20, 1); // LSTM recurrent (H, 4H)
        assertOrthonormal(Initializers.orthogonal().initialize(new int[] {9, 4}, 3), 9, 4, 1);
        assertOrthonormal(Initializers.orthogonal(2.0).initialize(new int[] {3, 3}, 4), 3, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> Initializers.orthogonal().initialize(new int[] {5}, 1));
    }

    @Test
    void constantsAndConfigs() {
        assertArrayEquals(new float[6], Initializers.zeros().initialize(new int[] {2, 3}, 0));
        assertArrayEquals(new float[] {1, 1}, Initializers.ones().initialize(new int[] {2}, 0));
        Initializer o = Initializers.fromConfig(Map.of("class_name", "Orthogonal", "config", Map.of("gain", 0.5)));
        assertEquals(Map.of("class_name", "Orthogonal", "config", Map.of("gain", 0.5)), Initializers.toConfig(o));
        assertEquals("GlorotUniform", Initializers.fromConfig("glorot_uniform").kerasName());
        assertThrows(IllegalArgumentException.class, () -> Initializers.fromConfig("he_normal"));
    }
}
