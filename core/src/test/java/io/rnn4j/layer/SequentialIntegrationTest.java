package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.model.History;
import io.rnn4j.model.Input;
import io.rnn4j.model.Sequential;
import io.rnn4j.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recurrent layers inside the model engineer's Sequential: build with a free time length, fit, predict. */
class SequentialIntegrationTest {
    private static final Backend JAVA = Backends.get("java");

    @Test
    void lstmThenDenseLearnsARunningSum() {
        int n = 32, t = 6, in = 2;
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = new float[n * t * in], y = new float[n];
        for (int i = 0; i < n; i++) {
            float s = 0;
            for (int k = 0; k < t; k++) {
                for (int f = 0; f < in; f++) {
                    x[(i * t + k) * in + f] = (float) (rnd.nextDouble() * 2 - 1);
                }
                s += x[(i * t + k) * in];
            }
            y[i] = 0.3f * s;
        }
        Sequential m = new Sequential("seq").onBackend(JAVA);
        m.add(Input.of(Input.NONE, in));
        m.add(new Lstm(8).seed(2).returnSequences(true));
        m.add(new Bidirectional(new Gru(4).seed(3).returnSequences(false)));
        m.add(new Dense(null, 1, io.rnn4j.backend.Activation.LINEAR, true, 4L));
        m.build();
        m.compile(new Adam(0.02), "mse");
        History h = m.fit(JAVA.fromArray(x, n, t, in), JAVA.fromArray(y, n, 1), 1, 8);
        assertTrue(h.last("loss") > 0);
        // shapes flow, and it learns
        History h2 = m.fit(JAVA.fromArray(x, n, t, in), JAVA.fromArray(y, n, 1), 15, 8);
        assertTrue(h2.last("loss") < h.get("loss").get(0), "loss " + h.get("loss") + " -> " + h2.get("loss"));
        Tensor p = m.predict(JAVA.fromArray(x, n, t, in));
        assertArrayEquals(new int[] {n, 1}, p.shape());

        // save / load through the model file format, the recurrent factories registered like user layers
        RecurrentLayers.FACTORIES.forEach(io.rnn4j.io.LayerRegistry::register);
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("rnn4j-seq", ".rnn4j");
            m.save(file);
            Sequential back = Sequential.load(file, JAVA);
            java.nio.file.Files.deleteIfExists(file);
            assertArrayEquals(p.toArray(), back.predict(JAVA.fromArray(x, n, t, in)).toArray(), 1e-6f);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
