package io.rnn4j.simd;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Prefetch#lines} reads one float of every line a range covers, and nothing outside it. */
class PrefetchTest {
    @Test
    void touchesEveryLineOfTheRangeAndNothingElse() {
        for (int off = 0; off < 20; off++) {
            for (int len = 1; len <= 70; len++) {
                // distinct small integers: every sum is exact whatever its order, and reading
                // another element than the first of each line (or the last) changes it
                float[] a = new float[off + len];
                for (int i = 0; i < a.length; i++) {
                    a[i] = i + 1;
                }
                float expected = a[off + len - 1];
                for (int i = 0; i < len; i += 16) {
                    expected += a[off + i];
                }
                assertEquals(expected, Prefetch.lines(a, off, len), "off " + off + ", len " + len);
            }
        }
    }
}
