package io.rnn4j.model;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Gru;
import io.rnn4j.layer.Lstm;
import io.rnn4j.layer.Parameter;
import io.rnn4j.layer.RnnResult;
import io.rnn4j.layer.SimpleRnn;
import io.rnn4j.loss.MeanSquaredError;
import io.rnn4j.optim.Adam;
import io.rnn4j.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model with the recurrent layers: save/load of LSTM/GRU models and truncated BPTT. */
class RecurrentModelTest {
    static final Backend B = Backends.get("java");

    @TempDir
    Path dir;

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void recurrentModelsRoundTripBitForBit() throws Exception {
        Random r = new Random(1);
        int n = 9, t = 7, f = 3;
        Tensor x = B.fromArray(random(r, n * t * f), n, t, f);
        Sequential m = new Sequential("rec").onBackend(B).add(Input.of(Input.NONE, f))
                .add(new Lstm(5).seed(1).returnSequences(true).name("l1"))
                .add(new Gru(4).seed(2).name("g1"))
                .add(new Dense("d1", 2, Activation.LINEAR, true, 3L));
        m.compile(new Adam(0.01), new MeanSquaredError());
        m.fit(x, B.fromArray(random(r, n * 2), n, 2), new FitOptions().epochs(2).batchSize(4).seed(1).verbose(0));
        Path file = dir.resolve("rec.rnn4j");
        m.save(file);
        Sequential back = Sequential.load(file, B);
        float[] a = m.predict(x).toArray();
        float[] b = back.predict(x).toArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "element " + i);
        }
        assertTrue(m.summary().contains("l1 (LSTM)") && m.summary().contains("(None, None, 5)"), m.summary());
    }

    @Test
    void bidirectionalModelTrainsAndRoundTrips() throws Exception {
        Random r = new Random(11);
        int n = 8, t = 6, f = 2;
        Tensor x = B.fromArray(random(r, n * t * f), n, t, f);
        Tensor y = B.fromArray(random(r, n * t), n, t, 1);
        Sequential m = new Sequential("bi").onBackend(B).add(Input.of(Input.NONE, f))
                .add(new io.rnn4j.layer.Bidirectional(new Gru(3).seed(4).returnSequences(true), "sum").name("bi_gru"))
                .add(new Dense("bi_d", 1, Activation.LINEAR, true, 5L));
        m.compile(new Adam(0.01), new MeanSquaredError());
        History h = m.fit(x, y, new FitOptions().epochs(5).batchSize(4).seed(2).verbose(0));
        assertTrue(h.last("loss") < h.get("loss").get(0), h.toString());
        Path file = dir.resolve("bi.rnn4j");
        m.save(file);
        assertArrayEquals(m.predict(x).toArray(), Sequential.load(file, B).predict(x).toArray(), 0f);
        assertTrue(m.summary().contains("bi_gru (Bidirectional)") && m.summary().contains("(None, None, 3)"), m.summary());
    }

    private static Sequential seqModel(String name, int f) {
        return new Sequential(name).onBackend(B).add(Input.of(Input.NONE, f))
                .add(new SimpleRnn(4).seed(5).returnSequences(true).name(name + "_rnn"))
                .add(new Dense(name + "_d", 1, Activation.LINEAR, true, 6L));
    }

    @Test
    void tbpttWithOneWindowEqualsFullBackprop() {
        Random r = new Random(2);
        int n = 6, t = 8, f = 2;
        Tensor x = B.fromArray(random(r, n * t * f), n, t, f);
        Tensor y = B.fromArray(random(r, n * t), n, t, 1);
        Sequential full = seqModel("full", f);
        Sequential tb = seqModel("tb", f);
        full.compile(new Sgd(0.05), new MeanSquaredError());
        tb.compile(new Sgd(0.05), new MeanSquaredError());
        History h1 = full.fit(x, y, new FitOptions().epochs(2).batchSize(3).seed(4).verbose(0));
        History h2 = tb.fit(x, y, new FitOptions().epochs(2).batchSize(3).seed(4).verbose(0).tbptt(t));
        assertEquals(h1.get("loss"), h2.get("loss"));
        List<float[]> w1 = full.getWeights(), w2 = tb.getWeights();
        for (int i = 0; i < w1.size(); i++) {
            assertArrayEquals(w1.get(i), w2.get(i));
        }
    }

    @Test
    void tbpttMatchesWindowsDoneByHandWithExplicitStates() {
        Random r = new Random(3);
        int n = 4, t = 7, f = 2, k = 3;
        float[] xs = random(r, n * t * f);
        float[] ys = random(r, n * t);
        double lr = 0.1;
        Sequential model = seqModel("tbh", f);
        model.compile(new Sgd(lr), new MeanSquaredError());
        model.fit(B.fromArray(xs, n, t, f), B.fromArray(ys, n, t, 1),
                new FitOptions().epochs(1).batchSize(n).shuffle(false).verbose(0).tbptt(k));

        // By hand: the same layers, windows of k steps, the final states of one window passed
        // explicitly as the initial states of the next, plain SGD on host copies.
        SimpleRnn rnn = new SimpleRnn(4).seed(5).returnSequences(true).name("hand_rnn");
        Dense dense = new Dense("hand_d", 1, Activation.LINEAR, true, 6L);
        rnn.build(B, new int[] {-1, f});
        dense.build(B, new int[] {-1, 4});
        List<Parameter> ps = new ArrayList<>(rnn.parameters());
        ps.addAll(dense.parameters());
        List<Tensor> states = null;
        for (int t0 = 0; t0 < t; t0 += k) {
            int len = Math.min(k, t - t0);
            float[] xw = Tbptt.slice(xs, n, t, f, t0, len);
            float[] yw = Tbptt.slice(ys, n, t, 1, t0, len);
            RnnResult res = rnn.call(B.fromArray(xw, n, len, f), null, states, true);
            float[] out = dense.forward(res.output(), true).toArray();
            float[] g = new float[out.length];
            for (int i = 0; i < out.length; i++) {
                g[i] = (float) (2.0 * (out[i] - yw[i]) / out.length);
            }
            for (Parameter p : ps) {
                p.zeroGrad();
            }
            rnn.backward(dense.backward(B.fromArray(g, n, len, 1)), null);
            for (Parameter p : ps) {
                float[] w = p.value().toArray(), gr = p.grad().toArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] -= (float) lr * gr[i];
                }
                p.set("hand", w);
            }
            states = res.states();
        }
        List<float[]> got = model.getWeights();
        for (int i = 0; i < ps.size(); i++) {
            float[] want = ps.get(i).value().toArray();
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], got.get(i)[j], 1e-6, ps.get(i) + "[" + j + "]");
            }
        }
        // tBPTT is not full BPTT: a model trained on whole sequences ends elsewhere.
        Sequential full = seqModel("tbfull", f);
        full.compile(new Sgd(lr), new MeanSquaredError());
        full.fit(B.fromArray(xs, n, t, f), B.fromArray(ys, n, t, 1), new FitOptions().epochs(1).batchSize(n).shuffle(false).verbose(0));
        assertTrue(!Arrays.equals(full.getWeights().get(0), got.get(0)));
        assertEquals(false, ((SimpleRnn) model.layers().get(0)).stateful(), "stateful flag restored");
    }

    @Test
    void tbpttNeedsPerStepOutputs() {
        Sequential m = new Sequential("tbbad").onBackend(B).add(Input.of(Input.NONE, 2))
                .add(new Lstm(3).seed(1).name("tbbad_l")).add(new Dense("tbbad_d", 1, Activation.LINEAR, true, 1L));
        m.compile(new Adam(), new MeanSquaredError());
        var e = assertThrows(IllegalArgumentException.class, () -> m.fit(B.zeros(2, 5, 2), B.zeros(2, 1),
                new FitOptions().tbptt(2).verbose(0)));
        assertTrue(e.getMessage().contains("returnSequences"), e.getMessage());
        Sequential back = new Sequential("tbback").onBackend(B).add(Input.of(Input.NONE, 2))
                .add(new Lstm(3).seed(1).returnSequences(true).goBackwards(true).name("tbback_l"))
                .add(new Dense("tbback_d", 1, Activation.LINEAR, true, 1L));
        back.compile(new Adam(), new MeanSquaredError());
        var e2 = assertThrows(IllegalArgumentException.class, () -> back.fit(B.zeros(2, 5, 2), B.zeros(2, 5, 1),
                new FitOptions().tbptt(2).verbose(0)));
        assertTrue(e2.getMessage().contains("backwards"), e2.getMessage());
    }
}
