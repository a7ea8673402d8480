package io.rnn4j.loss;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loss values against hand-computed Keras values and gradients against central differences. */
class LossTest {

    /** Central finite differences of the loss in double, perturbing one prediction at a time. */
    private static void checkGradient(Loss loss, float[] pred, float[] y, int width) {
        float[] grad = new float[pred.length];
        loss.compute(pred, y, width, grad);
        for (int i = 0; i < pred.length; i++) {
            float h = 1e-3f;
            float[] a = pred.clone();
            float[] b = pred.clone();
            a[i] += h;
            b[i] -= h;
            double fd = (loss.compute(a, y, width, null) - loss.compute(b, y, width, null)) / ((double) a[i] - b[i]);
            assertEquals(fd, grad[i], 1e-4 * Math.max(1, Math.abs(fd)), loss.name() + " d/dpred[" + i + "]");
        }
    }

    private static float[] random(Random r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    @Test
    void kerasValues() {
        float[] p = {0.5f, 1.5f, -1f, 3f};
        float[] t = {1f, 1f, 1f, 0f};
        // errors -0.5, 0.5, -2, 3
        assertEquals((0.25 + 0.25 + 4 + 9) / 4, new MeanSquaredError().compute(p, t, 2, null), 1e-12);
        assertEquals((0.5 + 0.5 + 2 + 3) / 4, new MeanAbsoluteError().compute(p, t, 2, null), 1e-12);
        assertEquals((0.125 + 0.125 + 1.5 + 2.5) / 4, new Huber().compute(p, t, 2, null), 1e-12);
        // BCE on probabilities: -(log 0.8 + log(1 - 0.3)) / 2
        assertEquals(-(Math.log(0.8) + Math.log(0.7)) / 2,
                new BinaryCrossentropy().compute(new float[] {0.8f, 0.3f}, new float[] {1, 0}, 1, null), 1e-6);
        // BCE clips to [1e-7, 1 - 1e-7]
        assertEquals(-Math.log(1e-7), new BinaryCrossentropy().compute(new float[] {0f}, new float[] {1}, 1, null), 1e-6);
        // BCE from logits equals BCE of the sigmoid
        double s = 1 / (1 + Math.exp(-0.7));
        assertEquals(-Math.log(s), new BinaryCrossentropy(true).compute(new float[] {0.7f}, new float[] {1}, 1, null), 1e-7);
        // SCCE on probabilities and logits
        assertEquals(-Math.log(0.7), new SparseCategoricalCrossentropy().compute(
                new float[] {0.1f, 0.7f, 0.2f}, new float[] {1}, 3, null), 1e-6);
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(0.5));
        assertEquals(lse - 2, new SparseCategoricalCrossentropy(true).compute(
                new float[] {1f, 2f, 0.5f}, new float[] {1}, 3, null), 1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(7);
        int width = 3, rows = 5;
        float[] pred = random(r, rows * width, -2, 2);
        float[] y = random(r, rows * width, -2, 2);
        checkGradient(new MeanSquaredError(), pred, y, width);
        checkGradient(new MeanAbsoluteError(), pred, y, width);
        checkGradient(new Huber(1.0), pred, y, width);
        checkGradient(new Huber(0.3), pred, y, width);
        float[] probs = random(r, rows * width, 0.05, 0.95);
        float[] labels01 = new float[rows * width];
        for (int i = 0; i < labels01.length; i++) {
            labels01[i] = r.nextBoolean() ? 1 : 0;
        }
        checkGradient(new BinaryCrossentropy(), probs, labels01, width);
        checkGradient(new BinaryCrossentropy(true), pred, labels01, width);
        float[] classes = new float[rows];
        for (int i = 0; i < rows; i++) {
            classes[i] = r.nextInt(width);
        }
        checkGradient(new SparseCategoricalCrossentropy(), probs, classes, width);
        checkGradient(new SparseCategoricalCrossentropy(true), pred, classes, width);
    }

    @Test
    void badTargets() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new SparseCategoricalCrossentropy().compute(new float[] {0.5f, 0.5f}, new float[] {2}, 2, null));
        assertTrue(e.getMessage().contains("class index"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new MeanSquaredError().compute(new float[] {1, 2}, new float[] {1}, 1, null));
        assertThrows(IllegalArgumentException.class, () -> Losses.get("nope"));
        assertEquals("huber", Losses.fromConfig("huber", java.util.Map.of("delta", 2.0)).name());
    }

    @Test
    void accuracyResolvesLikeKeras() {
        Metric acc = Metrics.accuracy();
        double[] bin = acc.sumAndCount(new float[] {0.7f, 0.2f, 0.6f}, new float[] {1, 0, 0}, 1, 1);
        assertEquals(2, bin[0]);
        assertEquals(3, bin[1]);
        double[] sparse = acc.sumAndCount(new float[] {0.1f, 0.9f, 0.8f, 0.2f}, new float[] {1, 1}, 2, 1);
        assertEquals(1, sparse[0]);
        assertEquals(2, sparse[1]);
    }
}
