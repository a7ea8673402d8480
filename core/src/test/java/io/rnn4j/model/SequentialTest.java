package io.rnn4j.model;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.layer.Dense;
import io.rnn4j.layer.Layer;
import io.rnn4j.layer.Parameter;
import io.rnn4j.loss.MeanSquaredError;
import io.rnn4j.loss.Metrics;
import io.rnn4j.optim.Adam;
import io.rnn4j.optim.Sgd;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequentialTest {
    static final Backend B = Backends.get("java");

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    static Sequential tiny(String name, int in) {
        return new Sequential(name).onBackend(B)
                .add(Input.of(in))
                .add(new Dense(name + "_h", 3, Activation.TANH, true, 21L))
                .add(new Dense(name + "_o", 1, Activation.LINEAR, true, 22L));
    }

    @Test
    void fitMatchesHandWrittenStepsWithLayerForwardBackwardAndAdamFormula() {
        Random r = new Random(5);
        int n = 10, in = 4, batch = 4, epochs = 2;
        float[] x = random(r, n * in);
        float[] y = random(r, n);
        Sequential model = tiny("fit", in);
        double lr = 0.01;
        model.compile(new Adam(lr), new MeanSquaredError());
        History h = model.fit(B.fromArray(x, n, in), B.fromArray(y, n, 1),
                new FitOptions().epochs(epochs).batchSize(batch).shuffle(false).verbose(0));

        // The same steps by hand: same layers and seeds, forward/backward called directly,
        // MSE gradient and Adam written out in double on host copies of the weights.
        Dense l1 = new Dense("h1", 3, Activation.TANH, true, 21L);
        Dense l2 = new Dense("h2", 1, Activation.LINEAR, true, 22L);
        l1.build(B, new int[] {in});
        l2.build(B, new int[] {3});
        List<Parameter> ps = new ArrayList<>(l1.parameters());
        ps.addAll(l2.parameters());
        double[][] m = new double[ps.size()][], v = new double[ps.size()][], w = new double[ps.size()][];
        for (int i = 0; i < ps.size(); i++) {
            float[] p = ps.get(i).value().toArray();
            w[i] = new double[p.length];
            for (int j = 0; j < p.length; j++) {
                w[i][j] = p[j];
            }
            m[i] = new double[p.length];
            v[i] = new double[p.length];
        }
        int t = 0;
        for (int e = 0; e < epochs; e++) {
            double lossSum = 0;
            for (int from = 0; from < n; from += batch) {
                int rows = Math.min(batch, n - from);
                float[] xb = java.util.Arrays.copyOfRange(x, from * in, (from + rows) * in);
                float[] out = l2.forward(l1.forward(B.fromArray(xb, rows, in), true), true).toArray();
                float[] g = new float[rows];
                for (int k = 0; k < rows; k++) {
                    double err = out[k] - y[from + k];
                    lossSum += err * err;
                    g[k] = (float) (2 * err / rows);
                }
                for (Parameter p : ps) {
                    p.zeroGrad();
                }
                l1.backward(l2.backward(B.fromArray(g, rows, 1)));
                t++;
                for (int i = 0; i < ps.size(); i++) {
                    float[] grad = ps.get(i).grad().toArray();
                    float[] now = new float[grad.length];
                    for (int j = 0; j < grad.length; j++) {
                        m[i][j] = 0.9 * m[i][j] + 0.1 * grad[j];
                        v[i][j] = 0.999 * v[i][j] + 0.001 * grad[j] * grad[j];
                        w[i][j] -= lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t)) * m[i][j] / (Math.sqrt(v[i][j]) + 1e-7);
                        now[j] = (float) w[i][j];
                    }
                    ps.get(i).set("hand", now);
                }
            }
            assertEquals(lossSum / n, h.get("loss").get(e), 1e-5, "epoch " + e + " loss");
        }
        List<float[]> got = model.getWeights();
        for (int i = 0; i < ps.size(); i++) {
            for (int j = 0; j < w[i].length; j++) {
                assertEquals(w[i][j], got.get(i)[j], 1e-5, "weight " + i + "[" + j + "]");
            }
        }
    }

    @Test
    void evaluateMatchesLossOfPredict() {
        Random r = new Random(6);
        int n = 37, in = 3;
        Tensor x = B.fromArray(random(r, n * in), n, in);
        float[] y = random(r, n);
        Sequential model = tiny("eval", in);
        model.compile(new Adam(), new MeanSquaredError(), Metrics.mae());
        Map<String, Double> ev = model.evaluate(x, B.fromArray(y, n, 1), 8);
        float[] p = model.predict(x, 5).toArray();
        double mse = 0, mae = 0;
        for (int i = 0; i < n; i++) {
            mse += (p[i] - y[i]) * (double) (p[i] - y[i]);
            mae += Math.abs(p[i] - y[i]);
        }
        assertEquals(mse / n, ev.get("loss"), 1e-6);
        assertEquals(mae / n, ev.get("mae"), 1e-6);
        assertArrayEquals(p, model.predict(x, 1000).toArray(), "predict is the same whatever the batch size");
    }

    @Test
    void sequenceInputAppliesDensePerStep() {
        Sequential model = new Sequential("seq").onBackend(B).add(Input.of(Input.NONE, 2))
                .add(new Dense("seq_d", 3, Activation.LINEAR, true, 1L));
        Tensor x = B.fromArray(random(new Random(1), 2 * 5 * 2), 2, 5, 2);
        assertArrayEquals(new int[] {2, 5, 3}, model.predict(x).shape());
        assertArrayEquals(new int[] {2, 7, 3}, model.predict(B.zeros(2, 7, 2)).shape(), "free time dimension");
        String s = model.summary();
        assertTrue(s.contains("seq_d (Dense)") && s.contains("(None, None, 3)") && s.contains("Total params: 9"), s);
    }

    @Test
    void earlyStoppingRestoresTheBestWeights() {
        Random r = new Random(8);
        int n = 32, in = 2;
        float[] x = random(r, n * in);
        float[] y = new float[n];
        float[] yVal = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = x[i * in] + 0.5f * x[i * in + 1];
            yVal[i] = -y[i]; // validation wants the opposite: val_loss gets worse as training succeeds
        }
        Sequential model = new Sequential("es").onBackend(B).add(Input.of(in))
                .add(new Dense("es_d", 1, Activation.LINEAR, true, 3L));
        model.compile(new Sgd(0.1), new MeanSquaredError());
        List<List<float[]>> perEpoch = new ArrayList<>();
        Callback recorder = new Callback() {
            @Override
            public void onEpochEnd(Sequential m, int epoch, Map<String, Double> logs) {
                perEpoch.add(m.getWeights());
            }
        };
        EarlyStopping es = new EarlyStopping(2);
        History h = model.fit(B.fromArray(x, n, in), B.fromArray(y, n, 1), new FitOptions().epochs(20).batchSize(8)
                .seed(1).verbose(0).validationData(B.fromArray(x, n, in), B.fromArray(yVal, n, 1)).callbacks(recorder, es));
        List<Double> val = h.get("val_loss");
        int best = 0;
        for (int i = 1; i < val.size(); i++) {
            if (val.get(i) < val.get(best)) {
                best = i;
            }
        }
        assertTrue(h.epochs() < 20, "stopped early after " + h.epochs() + " epochs");
        assertEquals(best, es.bestEpoch());
        assertEquals(best + 2, h.epochs() - 1, "patience 2");
        List<float[]> now = model.getWeights();
        for (int i = 0; i < now.size(); i++) {
            assertArrayEquals(perEpoch.get(best).get(i), now.get(i), "weights of best epoch " + best);
        }
        assertFalse(java.util.Arrays.equals(perEpoch.get(perEpoch.size() - 1).get(0), now.get(0)), "not the last epoch's weights");
    }

    @Test
    void earlyStoppingCountsOnlyImprovementsLargerThanMinDelta() {
        EarlyStopping es = new EarlyStopping("loss", 0.1, 1, Mode.AUTO, false);
        Sequential m = tiny("md", 1);
        es.onTrainBegin(m);
        es.onEpochEnd(m, 0, Map.of("loss", 1.0));
        es.onEpochEnd(m, 1, Map.of("loss", 0.95)); // better, but by less than minDelta: no improvement, stop
        assertEquals(1, es.stoppedEpoch());
        assertEquals(1.0, es.best());
        EarlyStopping acc = new EarlyStopping("val_accuracy", 0.1, 1, Mode.AUTO, false);
        acc.onTrainBegin(m);
        acc.onEpochEnd(m, 0, Map.of("val_accuracy", 0.5));
        acc.onEpochEnd(m, 1, Map.of("val_accuracy", 0.65)); // up by more than minDelta: improvement
        assertEquals(0, acc.stoppedEpoch());
        assertEquals(0.65, acc.best());
    }

    @Test
    void reduceLrOnPlateauCutsTheLearningRateAfterPatienceEpochs() {
        Sequential m = tiny("rlr", 1);
        m.compile(new Sgd(0.4), new MeanSquaredError());
        ReduceLROnPlateau cb = new ReduceLROnPlateau("loss", 0.5, 2, Mode.AUTO, 0.0, 1, 0.06);
        cb.onTrainBegin(m);
        double[] losses = {1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.94, 0.99, 0.98, 0.97, 0.96};
        double[] lrs = new double[losses.length];
        for (int e = 0; e < losses.length; e++) {
            cb.onEpochEnd(m, e, Map.of("loss", losses[e]));
            lrs[e] = m.optimizer().currentLearningRate();
        }
        // no improvement after epoch 1: epochs 2, 3 wait -> 0.2. Keras's cooldown of 1 resets the wait at
        // epoch 4 but counts that epoch again, so epochs 4, 5 -> 0.1; 6, 7 -> 0.05 raised to min_lr 0.06
        assertArrayEquals(new double[] {0.4, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.06, 0.06, 0.06, 0.06}, lrs, 1e-12);
        Sequential sch = tiny("rlr2", 1);
        sch.compile(new Sgd(new io.rnn4j.optim.ExponentialDecay(0.1, 10, 0.5), 0.0, false), new MeanSquaredError());
        assertThrows(IllegalStateException.class, () -> cb.onTrainBegin(sch));
    }

    @Test
    void validationSplitTakesTheLastSamplesAndReportsPlainLines() {
        Random r = new Random(9);
        int n = 20, in = 2;
        Sequential model = tiny("vs", in);
        model.compile(new Adam(), new MeanSquaredError(), Metrics.mae());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Tensor x = B.fromArray(random(r, n * in), n, in);
        Tensor y = B.fromArray(random(r, n), n, 1);
        History h = model.fit(x, y, new FitOptions().epochs(3).batchSize(4).validationSplit(0.25).seed(3)
                .verbose(2).output(new PrintStream(buf, true)));
        assertEquals(List.of("loss", "mae", "val_loss", "val_mae"), new ArrayList<>(h.history().keySet()));
        String out = buf.toString();
        assertEquals(3, out.lines().count(), out);
        assertTrue(out.startsWith("Epoch 1/3 - 4 steps - "), out);
        // val_loss of the last epoch equals evaluate on the last 5 samples
        float[] xs = x.toArray(), ys = y.toArray();
        double v = model.evaluate(B.fromArray(java.util.Arrays.copyOfRange(xs, 30, 40), 5, 2),
                B.fromArray(java.util.Arrays.copyOfRange(ys, 15, 20), 5, 1)).get("loss");
        assertEquals(v, h.last("val_loss"), 1e-9);
    }

    @Test
    void sameSeedSameResult() {
        Random r = new Random(10);
        int n = 24, in = 3;
        Tensor x = B.fromArray(random(r, n * in), n, in);
        Tensor y = B.fromArray(random(r, n), n, 1);
        float[][] results = new float[2][];
        for (int k = 0; k < 2; k++) {
            Sequential model = tiny("rep" + k, in);
            model.compile(new Adam(0.01), new MeanSquaredError());
            model.fit(x, y, new FitOptions().epochs(3).batchSize(5).seed(77).verbose(0));
            results[k] = model.predict(x).toArray();
        }
        assertArrayEquals(results[0], results[1]);
    }

    /** The batches follow a permutation drawn from the seed: another seed trains differently, no shuffle ignores it. */
    @Test
    void shuffleOrderFollowsTheSeed() {
        Random r = new Random(11);
        int n = 24, in = 3;
        Tensor x = B.fromArray(random(r, n * in), n, in);
        Tensor y = B.fromArray(random(r, n), n, 1);
        float[] inOrder = trainAndPredict(x, y, new FitOptions().epochs(2).batchSize(5).shuffle(false).verbose(0));
        float[] seed77 = trainAndPredict(x, y, new FitOptions().epochs(2).batchSize(5).seed(77).verbose(0));
        float[] seed78 = trainAndPredict(x, y, new FitOptions().epochs(2).batchSize(5).seed(78).verbose(0));
        assertFalse(Arrays.equals(seed77, seed78), "the batch order must depend on the seed");
        assertFalse(Arrays.equals(inOrder, seed77), "shuffle(true) must change the batch order");
        assertArrayEquals(inOrder, trainAndPredict(x, y, new FitOptions().epochs(2).batchSize(5).shuffle(false).seed(78).verbose(0)),
                "without shuffle the seed changes nothing");
    }

    private static float[] trainAndPredict(Tensor x, Tensor y, FitOptions options) {
        Sequential model = tiny("order", x.dim(1));
        model.compile(new Adam(0.01), new MeanSquaredError());
        model.fit(x, y, options);
        return model.predict(x).toArray();
    }

    @Test
    void badInputIsRejectedWithClearMessages() {
        Sequential model = tiny("bad", 3);
        Tensor x = B.zeros(4, 3);
        var e1 = assertThrows(IllegalStateException.class, () -> model.fit(x, B.zeros(4, 1), 1, 2));
        assertTrue(e1.getMessage().contains("fit before compile"), e1.getMessage());
        model.compile(new Adam(), new MeanSquaredError());
        var e2 = assertThrows(IllegalArgumentException.class, () -> model.fit(x, B.zeros(5, 1), 1, 2));
        assertTrue(e2.getMessage().contains("4 samples") && e2.getMessage().contains("5"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> model.fit(B.zeros(4, 5), B.zeros(4, 1), 1, 2));
        assertTrue(e3.getMessage().contains("feature width 5") && e3.getMessage().contains("(batch, 3)"), e3.getMessage());
        float[] bad = new float[12];
        bad[7] = Float.NaN;
        var e4 = assertThrows(IllegalArgumentException.class, () -> model.fit(B.fromArray(bad, 4, 3), B.zeros(4, 1), 1, 2));
        assertTrue(e4.getMessage().contains("NaN at sample 2"), e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class,
                () -> model.fit(x, B.fromArray(new float[] {0, 0, 0, Float.POSITIVE_INFINITY}, 4, 1), 1, 2));
        assertTrue(e5.getMessage().contains("y contains Infinity at sample 3"), e5.getMessage());
        var e6 = assertThrows(IllegalArgumentException.class, () -> model.fit(x, B.zeros(4, 2), 1, 2));
        assertTrue(e6.getMessage().contains("target values per sample"), e6.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.predict(B.zeros(4, 3, 3)));
        assertThrows(IllegalStateException.class, () -> model.onBackend(new io.rnn4j.backend.java.JavaBackend()));
    }

    @Test
    void divergingTrainingStopsAndKeepsTheLastFiniteWeights() {
        Random r = new Random(12);
        int n = 16, in = 3;
        float[] xs = random(r, n * in);
        for (int i = 0; i < xs.length; i++) {
            xs[i] *= 1e3f;
        }
        Sequential model = new Sequential("nan").onBackend(B).add(Input.of(in))
                .add(new Dense("nan_d", 1, Activation.LINEAR, true, 4L));
        model.compile(new Sgd(1e6), new MeanSquaredError());
        List<List<float[]>> seen = new ArrayList<>();
        var e = assertThrows(TrainingDivergedException.class, () -> model.fit(B.fromArray(xs, n, in),
                B.fromArray(random(r, n), n, 1), new FitOptions().epochs(50).batchSize(4).verbose(0)
                        .callbacks(new Callback() {
                            @Override
                            public void onEpochEnd(Sequential m, int epoch, Map<String, Double> logs) {
                                seen.add(m.getWeights());
                            }
                        })));
        assertTrue(e.getMessage().contains("training stopped") && e.getMessage().contains("last finite"), e.getMessage());
        for (float[] w : model.getWeights()) {
            for (float v : w) {
                assertTrue(Float.isFinite(v), "weights stay finite");
            }
        }
        assertNotEquals(null, e.history());
    }

    @Test
    void nanLossStopsFitAndKeepsTheWeightsOfTheLastGoodStep() {
        // A test-local layer that outputs NaN from its 5th training forward on: one batch per
        // epoch, so the weights after epoch 4 are the last finite step's.
        ScaleLayer scale = new ScaleLayer();
        scale.nanFrom = 5;
        Sequential model = new Sequential("nanloss").onBackend(B).add(Input.of(1)).add(scale);
        model.compile(new Sgd(0.1), new MeanSquaredError());
        List<float[]> seen = new ArrayList<>();
        var e = assertThrows(TrainingDivergedException.class, () -> model.fit(B.fromArray(new float[] {1, 2}, 2, 1),
                B.fromArray(new float[] {3, 6}, 2, 1), new FitOptions().epochs(10).batchSize(2).verbose(0)
                        .callbacks(new Callback() {
                            @Override
                            public void onEpochEnd(Sequential m, int epoch, Map<String, Double> logs) {
                                seen.add(m.getWeights().get(0));
                            }
                        })));
        assertTrue(e.getMessage().contains("the loss became NaN at epoch 5, step 1"), e.getMessage());
        assertEquals(4, seen.size());
        assertEquals(4, e.history().epochs());
        assertArrayEquals(seen.get(3), model.getWeights().get(0));
        assertTrue(seen.get(3)[0] != 0f, "the model did train before");
    }

    @Test
    void testLocalLayerTrainsThroughTheModel() {
        // A layer written in the test (y = w * x, one weight) shows the model only relies on the Layer contract.
        Layer scale = new ScaleLayer();
        Sequential model = new Sequential("scale").onBackend(B).add(Input.of(1)).add(scale);
        model.compile(new Sgd(0.1), new MeanSquaredError());
        float[] x = {1, 2, -1, 0.5f};
        float[] y = {3, 6, -3, 1.5f};
        model.fit(B.fromArray(x, 4, 1), B.fromArray(y, 4, 1), new FitOptions().epochs(60).batchSize(4).verbose(0));
        assertEquals(3.0, scale.getWeights().get(0)[0], 1e-4);
    }

    /** y = w * x with a hand-written backward. */
    static final class ScaleLayer implements Layer {
        private Parameter w;
        private Tensor x;
        int nanFrom = Integer.MAX_VALUE;
        private int trainingForwards;

        @Override
        public String name() {
            return "scale";
        }

        @Override
        public String type() {
            return "Scale";
        }

        @Override
        public void build(Backend backend, int[] inputShape) {
            if (w == null) {
                w = new Parameter("w", backend.zeros(1));
            }
        }

        @Override
        public boolean isBuilt() {
            return w != null;
        }

        @Override
        public int[] outputShape(int[] inputShape) {
            return inputShape.clone();
        }

        @Override
        public Tensor forward(Tensor input, boolean training) {
            x = input;
            float wv = w.value().toArray()[0];
            if (training && ++trainingForwards >= nanFrom) {
                wv = Float.NaN;
            }
            Tensor out = input.backend().zeros(input.shape());
            input.backend().axpby(wv, input, 0f, input, out);
            return out;
        }

        @Override
        public Tensor backward(Tensor dOutput) {
            float[] d = dOutput.toArray(), xs = x.toArray();
            double g = 0;
            for (int i = 0; i < d.length; i++) {
                g += d[i] * xs[i];
            }
            float[] cur = w.grad().toArray();
            w.grad().backend().fill(w.grad(), (float) (cur[0] + g));
            Tensor dx = dOutput.backend().zeros(dOutput.shape());
            dOutput.backend().axpby(w.value().toArray()[0], dOutput, 0f, dOutput, dx);
            return dx;
        }

        @Override
        public List<Parameter> parameters() {
            return w == null ? List.of() : List.of(w);
        }

        @Override
        public Map<String, Object> config() {
            return Map.of("name", "scale");
        }
    }
}
