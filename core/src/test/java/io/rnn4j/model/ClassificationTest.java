package io.rnn4j.model;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.layer.Dense;
import io.rnn4j.loss.BinaryCrossentropy;
import io.rnn4j.loss.Metrics;
import io.rnn4j.loss.SparseCategoricalCrossentropy;
import io.rnn4j.optim.Adam;
import io.rnn4j.optim.ExponentialDecay;
import io.rnn4j.optim.RmsProp;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end classification with the cross-entropies and accuracy. */
class ClassificationTest {
    static final Backend B = Backends.get("java");

    @Test
    void sparseCategoricalFromLogitsLearnsThreeBlobs() {
        Random r = new Random(1);
        int n = 90;
        float[] x = new float[n * 2];
        float[] y = new float[n];
        double[][] centers = {{2, 0}, {-2, 1}, {0, -2}};
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            y[i] = c;
            x[2 * i] = (float) (centers[c][0] + 0.5 * r.nextGaussian());
            x[2 * i + 1] = (float) (centers[c][1] + 0.5 * r.nextGaussian());
        }
        Sequential m = new Sequential("blobs").onBackend(B).add(Input.of(2))
                .add(new Dense("blobs_h", 8, Activation.TANH, true, 1L))
                .add(new Dense("blobs_o", 3, Activation.LINEAR, true, 2L));
        m.compile(new Adam(new ExponentialDecay(0.05, 20, 0.9)), new SparseCategoricalCrossentropy(true), Metrics.accuracy());
        Tensor xt = B.fromArray(x, n, 2);
        Tensor yt = B.fromArray(y, n);
        History h = m.fit(xt, yt, new FitOptions().epochs(30).batchSize(16).seed(3).verbose(0));
        assertTrue(h.last("accuracy") > 0.95, "accuracy " + h.get("accuracy"));
        assertTrue(h.last("loss") < h.get("loss").get(0));
        Map<String, Double> ev = m.evaluate(xt, yt);
        assertTrue(ev.get("accuracy") > 0.95, ev.toString());
        // evaluate's accuracy equals the argmax of predict
        float[] p = m.predict(xt).toArray();
        int hits = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < 3; c++) {
                if (p[3 * i + c] > p[3 * i + best]) {
                    best = c;
                }
            }
            hits += best == y[i] ? 1 : 0;
        }
        assertEquals(hits / (double) n, ev.get("accuracy"), 1e-12);
    }

    @Test
    void binaryCrossentropyOnSigmoidLearnsAThreshold() {
        Random r = new Random(2);
        int n = 64;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 4 - 2);
            y[i] = x[i] > 0.3f ? 1 : 0;
        }
        Sequential m = new Sequential("thr").onBackend(B).add(Input.of(1))
                .add(new Dense("thr_o", 1, Activation.SIGMOID, true, 4L));
        m.compile(new RmsProp(0.05), new BinaryCrossentropy(), Metrics.accuracy());
        History h = m.fit(B.fromArray(x, n, 1), B.fromArray(y, n, 1), new FitOptions().epochs(40).batchSize(8).seed(1).verbose(0));
        assertTrue(h.last("accuracy") > 0.9, "accuracy " + h.get("accuracy"));
    }
}
