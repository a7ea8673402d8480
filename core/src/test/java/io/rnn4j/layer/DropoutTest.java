package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.DropoutMasks;
import io.rnn4j.cell.GruCell;
import io.rnn4j.cell.LstmCell;
import io.rnn4j.cell.SimpleRnnCell;
import io.rnn4j.cell.StackedCells;
import io.rnn4j.init.Initializers;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keras dropout semantics: masks drawn once per sequence, fixed across time, per gate, training only. */
class DropoutTest {
    private static final Backend JAVA = Backends.get("java");

    @Test
    void masksAreInvertedDropoutBlocks() {
        int b = 50, w = 40, count = 4;
        float[] host = new float[b * count * w];
        Tensor shared = JAVA.zeros(b, count * w), independent = JAVA.zeros(b, count * w);
        DropoutMasks.draw(JAVA, new SplittableRandom(1), 0.25, b, w, count, false, host, shared);
        float[] s = shared.toArray();
        DropoutMasks.draw(JAVA, new SplittableRandom(1), 0.25, b, w, count, true, host, independent);
        float[] ind = independent.toArray();
        int zeros = 0, differ = 0;
        for (int n = 0; n < b; n++) {
            for (int k = 0; k < count; k++) {
                for (int j = 0; j < w; j++) {
                    float v = s[n * count * w + k * w + j];
                    assertTrue(v == 0f || Math.abs(v - 1 / 0.75f) < 1e-6, "value " + v);
                    assertEquals(s[n * count * w + j], v, "one mask repeated in every gate block");
                    zeros += k == 0 && v == 0 ? 1 : 0;
                    differ += ind[n * count * w + k * w + j] != ind[n * count * w + j] ? 1 : 0;
                }
            }
        }
        assertEquals(0.25, zeros / (double) (b * w), 0.05);
        assertTrue(differ > b * w, "independent blocks differ");
    }

    @Test
    void maskIsFixedAcrossTimeAndOnlyInTraining() {
        // recurrent kernel zero and no bias: h_t = tanh((x_t * mask) W) -- equal at every step iff the mask is fixed
        SimpleRnn l = new SimpleRnn(6).dropout(0.5).useBias(false).recurrentInitializer(Initializers.zeros())
                .returnSequences(true).seed(3);
        l.build(JAVA, new int[] {-1, 5});
        float[] x = new float[2 * 4 * 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.3f + (i % 5) * 0.1f; // the same vector at every step
        }
        Tensor xt = JAVA.fromArray(x, 2, 4, 5);
        float[] train = l.forward(xt, true).toArray();
        float[] infer = l.forward(xt, false).toArray();
        for (int n = 0; n < 2; n++) {
            for (int s = 1; s < 4; s++) {
                for (int u = 0; u < 6; u++) {
                    assertEquals(train[(n * 4) * 6 + u], train[(n * 4 + s) * 6 + u], 0f, "mask changed over time");
                }
            }
        }
        assertFalse(java.util.Arrays.equals(train, infer), "dropout had no effect in training");
        float[] again = l.forward(xt, true).toArray();
        assertFalse(java.util.Arrays.equals(train, again), "masks must be redrawn for each sequence");
        SimpleRnn plain = new SimpleRnn(6).useBias(false).returnSequences(true).seed(3);
        plain.build(JAVA, new int[] {-1, 5});
        plain.setWeights(l.getWeights());
        assertArrayEquals(plain.forward(xt, false).toArray(), infer, 0f, "inference ignores dropout");
    }

    @Test
    void stackedChildrenDrawTheirOwnMasksAndSameSeedGivesSameMasks() {
        Rnn a = new Rnn(new StackedCells(new LstmCell(4).dropout(0.3).seed(1), new GruCell(3).recurrentDropout(0.4).seed(2)))
                .returnSequences(true);
        Rnn b = new Rnn(new StackedCells(new LstmCell(4).dropout(0.3).seed(1), new GruCell(3).recurrentDropout(0.4).seed(2)))
                .returnSequences(true);
        Rnn none = new Rnn(new StackedCells(new LstmCell(4).seed(1), new GruCell(3).seed(2))).returnSequences(true);
        for (Rnn r : new Rnn[] {a, b, none}) {
            r.build(JAVA, new int[] {-1, 3});
        }
        b.setWeights(a.getWeights());
        none.setWeights(a.getWeights());
        Tensor x = FusedVsRecordedTest.rand(new SplittableRandom(5), 2, 5, 3);
        float[] ya = a.forward(x, true).toArray();
        assertArrayEquals(ya, b.forward(x, true).toArray(), 0f);
        assertFalse(java.util.Arrays.equals(ya, none.forward(x, true).toArray()));
        assertArrayEquals(none.forward(x, false).toArray(), a.forward(x, false).toArray(), 0f);
        // the layer's backward runs with the same masks as its forward
        a.forward(x, true);
        a.backward(JAVA.zeros(2, 5, 3));
        assertTrue(new SimpleRnnCell(2).dropout(0.2).dropout() == 0.2);
    }
}
