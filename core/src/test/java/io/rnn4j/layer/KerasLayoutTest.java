package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.LstmCell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Keras layouts and formulas: weights with distinct values are loaded with setWeights in Keras
 * order and shapes, and the outputs are compared with values computed here, independently, from
 * the Keras 3 formulas (a plain double loop per sample and step). Both the fused and the
 * recorded path are checked.
 */
class KerasLayoutTest {
    private static final Backend JAVA = Backends.get("java");

    static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** Distinct, smallish values: w[i] = scale * sin(i + phase). */
    static float[] distinct(int n, double phase, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * Math.sin(1.3 * i + phase));
        }
        return v;
    }

    /** Keras cell step in double. Returns {h', c'} (c' unused except LSTM). W (I, G*H), U (H, G*H) row-major. */
    static double[][] step(String cell, boolean resetAfter, float[] W, float[] U, float[] b, int in, int h,
                           double[] x, double[] hPrev, double[] cPrev) {
        int g = cell.equals("lstm") ? 4 : cell.equals("gru") ? 3 : 1;
        double[] xw = new double[g * h], hu = new double[g * h];
        for (int j = 0; j < g * h; j++) {
            for (int i = 0; i < in; i++) {
                xw[j] += x[i] * W[i * g * h + j];
            }
            for (int i = 0; i < h; i++) {
                hu[j] += hPrev[i] * U[i * g * h + j];
            }
        }
        double[] hn = new double[h], cn = new double[h];
        for (int u = 0; u < h; u++) {
            switch (cell) {
                case "simple" -> hn[u] = Math.tanh(xw[u] + (b == null ? 0 : b[u]) + hu[u]);
                case "lstm" -> {
                    double[] z = new double[4];
                    for (int k = 0; k < 4; k++) {
                        z[k] = xw[k * h + u] + hu[k * h + u] + (b == null ? 0 : b[k * h + u]);
                    }
                    double i = sig(z[0]), f = sig(z[1]), o = sig(z[3]);
                    cn[u] = f * cPrev[u] + i * Math.tanh(z[2]);
                    hn[u] = o * Math.tanh(cn[u]);
                }
                default -> {
                    double bz = 0, br = 0, bh = 0, rz = 0, rr = 0, rh = 0;
                    if (b != null) {
                        bz = b[u];
                        br = b[h + u];
                        bh = b[2 * h + u];
                        if (resetAfter) {
                            rz = b[3 * h + u];
                            rr = b[4 * h + u];
                            rh = b[5 * h + u];
                        }
                    }
                    double z = sig(xw[u] + bz + hu[u] + rz);
                    double r = sig(xw[h + u] + br + hu[h + u] + rr);
                    double hh;
                    if (resetAfter) {
                        hh = Math.tanh(xw[2 * h + u] + bh + r * (hu[2 * h + u] + rh));
                    } else {
                        hh = 0; // (r * h_prev) U_h, needs every r: computed below
                    }
                    hn[u] = z; // temporarily z; finished below
                    cn[u] = resetAfter ? hh : r;
                }
            }
        }
        if (cell.equals("gru")) {
            double[] out = new double[h];
            for (int u = 0; u < h; u++) {
                double z = hn[u], hh;
                if (resetAfter) {
                    hh = cn[u];
                } else {
                    double acc = xw[2 * h + u] + (b == null ? 0 : b[2 * h + u]);
                    for (int i = 0; i < h; i++) {
                        acc += cn[i] * hPrev[i] * U[i * 3 * h + 2 * h + u];
                    }
                    hh = Math.tanh(acc);
                }
                out[u] = z * hPrev[u] + (1 - z) * hh;
            }
            return new double[][] {out, null};
        }
        return new double[][] {hn, cn};
    }

    /** Keras RNN over a sequence with TF-backend mask semantics; outputs in processing order. */
    static double[][][] sequence(String cell, boolean resetAfter, float[] W, float[] U, float[] b, int in, int h,
                                 float[] x, int batch, int time, float[] mask, boolean back, boolean zeroOut) {
        double[][][] out = new double[batch][time][];
        for (int n = 0; n < batch; n++) {
            double[] hs = new double[h], cs = new double[h], prevOut = new double[h];
            for (int s = 0; s < time; s++) {
                int t = back ? time - 1 - s : s;
                double[] xt = new double[in];
                for (int i = 0; i < in; i++) {
                    xt[i] = x[(n * time + t) * in + i];
                }
                double[][] r = step(cell, resetAfter, W, U, b, in, h, xt, hs, cs);
                boolean keep = mask == null || mask[n * time + t] != 0;
                if (keep) {
                    hs = r[0];
                    if (r[1] != null && cell.equals("lstm")) {
                        cs = r[1];
                    }
                    prevOut = r[0];
                    out[n][s] = r[0];
                } else {
                    out[n][s] = zeroOut ? new double[h] : prevOut;
                }
            }
        }
        return out;
    }

    static void assertOutputs(double[][][] expected, Tensor actual, boolean seq) {
        float[] a = actual.toArray();
        int batch = expected.length, time = expected[0].length, h = expected[0][0].length;
        for (int n = 0; n < batch; n++) {
            for (int s = seq ? 0 : time - 1; s < time; s++) {
                for (int u = 0; u < h; u++) {
                    int idx = seq ? (n * time + s) * h + u : n * h + u;
                    assertEquals(expected[n][s][u], a[idx], 2e-6, "sample " + n + " step " + s + " unit " + u);
                }
            }
        }
    }

    private static Rnn make(String cell, boolean resetAfter, int h, boolean fused) {
        Rnn r = switch (cell) {
            case "lstm" -> new Lstm(h);
            case "gru" -> new Gru(h).resetAfter(resetAfter);
            default -> new SimpleRnn(h);
        };
        return r.useFusedKernels(fused);
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "lstm", "gru", "gru-before"})
    void knownWeightsGiveKerasOutputs(String which) {
        String cell = which.startsWith("gru") ? "gru" : which;
        boolean resetAfter = !which.equals("gru-before");
        int in = 3, h = 2, batch = 2, time = 4;
        int g = cell.equals("lstm") ? 4 : cell.equals("gru") ? 3 : 1;
        float[] w = distinct(in * g * h, 0.1, 0.6);
        float[] u = distinct(h * g * h, 0.7, 0.5);
        float[] b = distinct((cell.equals("gru") && resetAfter ? 2 : 1) * g * h, 1.9, 0.3);
        float[] x = distinct(batch * time * in, 2.5, 1.0);
        float[] mask = {1, 0, 1, 1, 0, 1, 0, 1};
        for (boolean fused : new boolean[] {true, false}) {
            for (boolean back : new boolean[] {false, true}) {
                for (boolean useMask : new boolean[] {false, true}) {
                    Rnn layer = make(cell, resetAfter, h, fused).returnSequences(true).goBackwards(back);
                    layer.build(JAVA, new int[] {-1, in});
                    List<Parameter> ps = layer.parameters();
                    assertEquals(List.of("kernel", "recurrent_kernel", "bias"), ps.stream().map(Parameter::name).toList());
                    assertArrayEquals(new int[] {in, g * h}, ps.get(0).shape());
                    assertArrayEquals(new int[] {h, g * h}, ps.get(1).shape());
                    assertArrayEquals(cell.equals("gru") && resetAfter ? new int[] {2, g * h} : new int[] {g * h}, ps.get(2).shape());
                    layer.setWeights(List.of(w, u, b));
                    Tensor xt = JAVA.fromArray(x, batch, time, in);
                    Tensor mt = useMask ? JAVA.fromArray(mask, batch, time) : null;
                    double[][][] want = sequence(cell, resetAfter, w, u, b, in, h, x, batch, time, useMask ? mask : null, back, false);
                    assertOutputs(want, layer.forward(xt, mt, false), true);
                }
            }
        }
    }

    /** LSTM, one unit, one input, two steps: every number written out by hand from the Keras formulas. */
    @Test
    void lstmTinyCaseByHand() {
        Lstm layer = new Lstm(1).returnSequences(true).returnState(true);
        layer.build(JAVA, new int[] {-1, 1});
        // kernel (1, 4) = [Wi, Wf, Wc, Wo]; recurrent (1, 4); bias (4)
        layer.setWeights(List.of(new float[] {0.5f, -0.4f, 0.3f, 0.2f}, new float[] {0.1f, 0.2f, -0.3f, 0.4f},
                new float[] {0.05f, 1.0f, -0.1f, 0.0f}));
        RnnResult r = layer.call(JAVA.fromArray(new float[] {1.0f, -2.0f}, 1, 2, 1), null, null, false);
        // step 1: x=1, h=0, c=0
        double i1 = sig(0.5 + 0.05), f1 = sig(-0.4 + 1.0), g1 = Math.tanh(0.3 - 0.1), o1 = sig(0.2);
        double c1 = f1 * 0 + i1 * g1, h1 = o1 * Math.tanh(c1);
        // step 2: x=-2, h=h1, c=c1
        double i2 = sig(-1.0 + 0.1 * h1 + 0.05), f2 = sig(0.8 + 0.2 * h1 + 1.0), g2 = Math.tanh(-0.6 - 0.3 * h1 - 0.1),
                o2 = sig(-0.4 + 0.4 * h1);
        double c2 = f2 * c1 + i2 * g2, h2 = o2 * Math.tanh(c2);
        assertArrayEquals(new float[] {(float) h1, (float) h2}, r.output().toArray(), 1e-6f);
        assertArrayEquals(new float[] {(float) h2}, r.states().get(0).toArray(), 1e-6f);
        assertArrayEquals(new float[] {(float) c2}, r.states().get(1).toArray(), 1e-6f);
    }

    /** GRU, one unit, both reset_after modes, by hand: the recurrent bias sits inside r * (.) only with reset_after. */
    @Test
    void gruTinyCaseByHand() {
        float[] k = {0.5f, -0.4f, 0.3f}, rk = {0.1f, 0.2f, -0.3f};
        double x1 = 1.0, x2 = -2.0;
        // reset_after=True: bias (2, 3) = [[bz, br, bh], [rbz, rbr, rbh]]
        Gru after = new Gru(1).returnSequences(true);
        after.build(JAVA, new int[] {-1, 1});
        after.setWeights(List.of(k, rk, new float[] {0.1f, 0.2f, 0.3f, -0.1f, -0.2f, 0.4f}));
        double h = 0;
        double[] wantAfter = new double[2];
        double[] xs = {x1, x2};
        for (int s = 0; s < 2; s++) {
            double z = sig(0.5 * xs[s] + 0.1 + 0.1 * h - 0.1);
            double r = sig(-0.4 * xs[s] + 0.2 + 0.2 * h - 0.2);
            double hh = Math.tanh(0.3 * xs[s] + 0.3 + r * (-0.3 * h + 0.4));
            h = z * h + (1 - z) * hh;
            wantAfter[s] = h;
        }
        assertArrayEquals(new float[] {(float) wantAfter[0], (float) wantAfter[1]},
                after.forward(JAVA.fromArray(new float[] {1f, -2f}, 1, 2, 1), false).toArray(), 1e-6f);
        // reset_after=False: bias (3) on the input side; hh = tanh(x Wh + bh + (r h) Uh)
        Gru before = new Gru(1).resetAfter(false).returnSequences(true);
        before.build(JAVA, new int[] {-1, 1});
        before.setWeights(List.of(k, rk, new float[] {0.1f, 0.2f, 0.3f}));
        h = 0;
        double[] wantBefore = new double[2];
        for (int s = 0; s < 2; s++) {
            double z = sig(0.5 * xs[s] + 0.1 + 0.1 * h);
            double r = sig(-0.4 * xs[s] + 0.2 + 0.2 * h);
            double hh = Math.tanh(0.3 * xs[s] + 0.3 + (r * h) * -0.3);
            h = z * h + (1 - z) * hh;
            wantBefore[s] = h;
        }
        assertArrayEquals(new float[] {(float) wantBefore[0], (float) wantBefore[1]},
                before.forward(JAVA.fromArray(new float[] {1f, -2f}, 1, 2, 1), false).toArray(), 1e-6f);
    }

    /** go_backwards returns the sequence in processing order, i.e. reversed (as Keras does). */
    @Test
    void goBackwardsReturnsReversedSequence() {
        SimpleRnn fwd = new SimpleRnn(2).returnSequences(true).seed(3);
        fwd.build(JAVA, new int[] {-1, 2});
        SimpleRnn bwd = new SimpleRnn(2).returnSequences(true).goBackwards(true).seed(3);
        bwd.build(JAVA, new int[] {-1, 2});
        bwd.setWeights(fwd.getWeights());
        float[] x = distinct(1 * 3 * 2, 0.3, 1);
        float[] rev = new float[6];
        for (int t = 0; t < 3; t++) {
            System.arraycopy(x, (2 - t) * 2, rev, t * 2, 2);
        }
        // processing reversed x forwards == processing x backwards, step by step in processing order
        assertArrayEquals(fwd.forward(JAVA.fromArray(rev, 1, 3, 2), false).toArray(),
                bwd.forward(JAVA.fromArray(x, 1, 3, 2), false).toArray(), 1e-6f);
    }

    /** A masked step outputs the previous output (zeros at step 0) and carries the state. */
    @Test
    void maskedStepOutputsPreviousOutput() {
        SimpleRnn layer = new SimpleRnn(2).returnSequences(true).returnState(true).seed(5);
        layer.build(JAVA, new int[] {-1, 1});
        Tensor x = JAVA.fromArray(new float[] {0.5f, 0.7f, -0.3f, 0.2f}, 1, 4, 1);
        Tensor mask = JAVA.fromArray(new float[] {0, 1, 0, 0}, 1, 4);
        RnnResult r = layer.call(x, mask, null, false);
        float[] o = r.output().toArray();
        assertArrayEquals(new float[] {0, 0}, new float[] {o[0], o[1]}, 0f, "step 0 masked: zeros");
        assertArrayEquals(new float[] {o[2], o[3]}, new float[] {o[4], o[5]}, 0f, "step 2 masked: previous output");
        assertArrayEquals(new float[] {o[2], o[3]}, new float[] {o[6], o[7]}, 0f);
        assertArrayEquals(new float[] {o[2], o[3]}, r.states().get(0).toArray(), 0f, "state carried");
        SimpleRnn zl = new SimpleRnn(2).returnSequences(true).zeroOutputForMask(true).seed(5);
        zl.build(JAVA, new int[] {-1, 1});
        float[] z = zl.forward(x, mask, false).toArray();
        assertArrayEquals(new float[] {0, 0, o[2], o[3], 0, 0, 0, 0}, z, 0f, "zero_output_for_mask");
    }

    /** Keras 3 unit_forget_bias: the forget block of the initial bias is ones, the rest bias_initializer (zeros). */
    @Test
    void unitForgetBiasInitialisesForgetBlockToOne() {
        Lstm on = new Lstm(3).seed(1);
        on.build(JAVA, new int[] {-1, 2});
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}, on.getWeights().get(2), 0f);
        Lstm off = new Lstm(new LstmCell(3).unitForgetBias(false)).seed(1);
        off.build(JAVA, new int[] {-1, 2});
        assertArrayEquals(new float[12], off.getWeights().get(2), 0f);
    }
}
