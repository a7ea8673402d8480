package io.rnn4j.backend.java;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.conformance.Compare;
import io.rnn4j.backend.conformance.RnnCase;
import io.rnn4j.backend.conformance.RnnCases;
import io.rnn4j.backend.conformance.RnnReference;
import io.rnn4j.backend.conformance.RnnResult;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The java backend's fused recurrent kernels against the independent float64 reference
 * ({@link RnnReference}, whose gradients are checked by finite differences), on every case of
 * {@link RnnCases}; tiny LSTM and GRU cases against numbers computed by hand; and the kernels'
 * handling of bad calls.
 *
 * <p>Tolerance: float32 kernels against float64, {@code |diff| <= 2e-5 * (|want| + max|want|) + 1e-6}:
 * a few float32 ulps per operation, grown through a handful of recurrent steps; a wrong formula
 * errs by O(1).
 */
class JavaRnnKernelsTest {
    private static final double RTOL = 2e-5;
    private static final double ATOL = 1e-6;

    private final JavaBackend be = new JavaBackend();

    @TestFactory
    Stream<DynamicTest> fusedKernelsMatchFloat64Reference() {
        return RnnCases.all().stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            RnnResult want = RnnReference.run(c);
            RnnResult got = c.run(be);
            Compare.assertClose(c.name, want, got, RTOL, ATOL);
        }));
    }

    @TestFactory
    Stream<DynamicTest> workspaceReuseGivesTheSameResults() {
        return RnnCases.all().stream().filter(c -> c.mask != null || c.dropMask != null).limit(8)
                .map(c -> DynamicTest.dynamicTest(c.name, () ->
                        Compare.assertClose(c.name + " (3rd run on one workspace)", c.run(be), c.run(be, 3), 0, 0)));
    }

    @TestFactory
    Stream<DynamicTest> inferenceForwardEqualsTrainingForward() {
        return RnnCases.all().stream().limit(20).map(c -> DynamicTest.dynamicTest(c.name, () ->
                Compare.assertClose(c.name + " (training=false)", c.forward(be, true), c.forward(be, false), 0, 0)));
    }

    // ------------------------------------------------------------------ hand-computed

    private RnnResult tiny(RnnSpec spec, float[] w, float[] u, float[] bias, float[] h0) {
        Tensor x = be.fromArray(new float[] {0.5f, -1.0f}, 1, 2, 1);
        Tensor out = be.zeros(1, 2, 1);
        Tensor fh = be.zeros(1, 1);
        Tensor fc = spec.states() == 2 ? be.zeros(1, 1) : null;
        try (RnnWorkspace ws = be.rnnWorkspace(spec, 1, 2)) {
            be.rnnForward(spec, ws, new RnnForwardArgs(x, be.fromArray(w, 1, spec.gateWidth()),
                    be.fromArray(u, 1, spec.gateWidth()), be.fromArray(bias, spec.biasShape()),
                    h0 == null ? null : be.fromArray(h0, 1, 1), null, null, null, null,
                    false, false, false, out, fh, fc));
        }
        RnnResult r = new RnnResult();
        r.put("output", out.toArray());
        r.put("finalH", fh.toArray());
        if (fc != null) {
            r.put("finalC", fc.toArray());
        }
        return r;
    }

    /** One unit, two steps; gate order i, f, c, o with a distinct weight per gate. */
    @Test
    void tinyLstmMatchesHandComputedValues() {
        RnnSpec spec = new RnnSpec(CellType.LSTM, 1, 1, Activation.TANH, Activation.SIGMOID, true, false);
        // z1 = 0.5*[.1,.2,.3,.4] + [0,1,0,0]; c1 = s(.05) tanh(.15); h1 = s(.2) tanh(c1); then x = -1 with h1, c1.
        RnnResult r = tiny(spec, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new float[] {0.5f, -0.5f, 0.25f, 1.0f},
                new float[] {0f, 1f, 0f, 0f}, null);
        assertArrayEquals(new double[] {0.041872857, -0.034061930}, r.get("output"), 1e-6);
        assertArrayEquals(new double[] {-0.034061930}, r.get("finalH"), 1e-6);
        assertArrayEquals(new double[] {-0.082982498}, r.get("finalC"), 1e-6);
    }

    /** GRU reset_after: recurrent bias inside {@code r * (h U_h + b_rec_h)}; initial h 0.2. */
    @Test
    void tinyGruResetAfterMatchesHandComputedValues() {
        RnnSpec spec = new RnnSpec(CellType.GRU, 1, 1, Activation.TANH, Activation.SIGMOID, true, true);
        RnnResult r = tiny(spec, new float[] {0.3f, -0.2f, 0.6f}, new float[] {0.4f, 0.7f, -0.5f},
                new float[] {0.1f, 0.2f, -0.1f, -0.3f, 0.05f, 0.25f}, new float[] {0.2f});
        assertArrayEquals(new double[] {0.238545081, -0.233034711}, r.get("output"), 1e-6);
    }

    /** GRU reset_before: {@code hh = tanh(x W_h + b_h + (r h) U_h)}. */
    @Test
    void tinyGruResetBeforeMatchesHandComputedValues() {
        RnnSpec spec = new RnnSpec(CellType.GRU, 1, 1, Activation.TANH, Activation.SIGMOID, true, false);
        RnnResult r = tiny(spec, new float[] {0.3f, -0.2f, 0.6f}, new float[] {0.4f, 0.7f, -0.5f},
                new float[] {0.1f, 0.2f, -0.1f}, new float[] {0.2f});
        assertArrayEquals(new double[] {0.176177394, -0.257403349}, r.get("output"), 1e-6);
    }

    /**
     * One LSTM step with one unit, gradients derived by hand: with {@code dL/dh' = 1},
     * {@code dc = o (1 - tanh(c')^2)}, {@code dz_i = dc g i(1-i)}, {@code dz_f = dc c0 f(1-f)},
     * {@code dz_c = dc i (1-g^2)}, {@code dz_o = tanh(c') o(1-o)}; {@code dW_k = x dz_k},
     * {@code dU_k = h0 dz_k}, {@code db_k = dz_k}, {@code dh0 = sum U_k dz_k}, {@code dc0 = dc f},
     * {@code dx = sum W_k dz_k}.
     */
    @Test
    void tinyLstmStepGradientsMatchHandDerivation() {
        RnnSpec spec = new RnnSpec(CellType.LSTM, 1, 1, Activation.TANH, Activation.SIGMOID, true, false);
        double x = 0.7, h0 = 0.2, c0 = 0.3;
        double[] w = {0.1, -0.4, 0.3, 0.5}, u = {0.6, 0.2, -0.7, 0.4}, b = {0.05, 1.0, -0.1, 0.2};
        double[] z = new double[4];
        for (int k = 0; k < 4; k++) {
            z[k] = x * w[k] + h0 * u[k] + b[k];
        }
        double i = 1 / (1 + Math.exp(-z[0])), f = 1 / (1 + Math.exp(-z[1])), g = Math.tanh(z[2]), o = 1 / (1 + Math.exp(-z[3]));
        double c = f * c0 + i * g, tc = Math.tanh(c);
        double dc = o * (1 - tc * tc);
        double[] dz = {dc * g * i * (1 - i), dc * c0 * f * (1 - f), dc * i * (1 - g * g), tc * o * (1 - o)};
        Tensor tx = be.fromArray(new float[] {(float) x}, 1, 1, 1);
        Tensor tw = be.fromArray(toFloat(w), 1, 4), tu = be.fromArray(toFloat(u), 1, 4), tb = be.fromArray(toFloat(b), 4);
        Tensor out = be.zeros(1, 1, 1), fh = be.zeros(1, 1), fc = be.zeros(1, 1);
        RnnForwardArgs f1 = new RnnForwardArgs(tx, tw, tu, tb, be.fromArray(new float[] {(float) h0}, 1, 1),
                be.fromArray(new float[] {(float) c0}, 1, 1), null, null, null, false, false, true, out, fh, fc);
        Tensor dx = be.zeros(1, 1, 1), dh0 = be.zeros(1, 1), dc0 = be.zeros(1, 1);
        Tensor dw = be.zeros(1, 4), du = be.zeros(1, 4), db = be.zeros(4);
        try (RnnWorkspace ws = be.rnnWorkspace(spec, 1, 1)) {
            be.rnnForward(spec, ws, f1);
            be.rnnBackward(spec, ws, f1, new RnnBackwardArgs(be.fromArray(new float[] {1f}, 1, 1, 1), null, null,
                    dx, dh0, dc0, dw, du, db));
        }
        assertEquals(o * tc, out.toArray()[0], 1e-6, "h'");
        assertEquals(c, fc.toArray()[0], 1e-6, "c'");
        double sumU = 0, sumW = 0;
        for (int k = 0; k < 4; k++) {
            assertEquals(x * dz[k], dw.toArray()[k], 1e-6, "dKernel gate " + k);
            assertEquals(h0 * dz[k], du.toArray()[k], 1e-6, "dRecurrentKernel gate " + k);
            assertEquals(dz[k], db.toArray()[k], 1e-6, "dBias gate " + k);
            sumU += u[k] * dz[k];
            sumW += w[k] * dz[k];
        }
        assertEquals(sumU, dh0.toArray()[0], 1e-6, "dInitialH");
        assertEquals(dc * f, dc0.toArray()[0], 1e-6, "dInitialC");
        assertEquals(sumW, dx.toArray()[0], 1e-6, "dx");
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    // ------------------------------------------------------------------ masks, stated directly

    /**
     * A fully masked row: output zeros (no previous output), state carried unchanged from the
     * initial state, and every gradient of the carried state passes straight to dInitialH.
     */
    @Test
    void fullyMaskedRowCarriesInitialStateAndPassesGradientThrough() {
        RnnCase c = RnnCase.builder(CellType.GRU, 1, 4, 2, 3).initialStates().mask(0.0, true).seed(9).build();
        RnnResult r = c.run(be);
        assertArrayEquals(new double[12], r.get("output"), 0.0);
        for (int j = 0; j < 3; j++) {
            assertEquals(c.initialH[j], r.get("finalH")[j], 0.0);
            assertEquals(c.dFinalH[j], r.get("dInitialH")[j], 0.0);
        }
        assertArrayEquals(new double[4 * 2], r.get("dx"), 0.0);
        for (int i = 0; i < c.dKernelStart.length; i++) {
            assertEquals(c.dKernelStart[i], r.get("dKernel")[i], 0.0, "dKernel must be untouched");
        }
    }

    // ------------------------------------------------------------------ bad calls

    private RnnSpec lstm() {
        return new RnnSpec(CellType.LSTM, 3, 2, Activation.TANH, Activation.SIGMOID, true, false);
    }

    private RnnForwardArgs lstmArgs(Backend owner, boolean training) {
        RnnSpec s = lstm();
        return new RnnForwardArgs(owner.zeros(2, 4, 3), owner.zeros(3, 8), owner.zeros(2, 8), owner.zeros(8),
                null, null, null, null, null, false, false, training,
                owner.zeros(2, 4, 2), owner.zeros(2, 2), owner.zeros(2, 2));
    }

    private RnnBackwardArgs lstmGrads(Backend owner) {
        return new RnnBackwardArgs(owner.zeros(2, 4, 2), null, null, null, null, null,
                owner.zeros(3, 8), owner.zeros(2, 8), owner.zeros(8));
    }

    @Test
    void backwardWithoutTrainingForwardOrWithOtherInputsIsRejected() {
        RnnSpec s = lstm();
        try (RnnWorkspace ws = be.rnnWorkspace(s, 2, 4)) {
            RnnForwardArgs f = lstmArgs(be, false);
            assertThrows(IllegalStateException.class, () -> be.rnnBackward(s, ws, f, lstmGrads(be)));
            be.rnnForward(s, ws, f);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> be.rnnBackward(s, ws, f, lstmGrads(be)));
            assertTrue(e.getMessage().contains("training"), e.getMessage());
            RnnForwardArgs t = lstmArgs(be, true);
            be.rnnForward(s, ws, t);
            assertThrows(IllegalArgumentException.class, () -> be.rnnBackward(s, ws, lstmArgs(be, true), lstmGrads(be)),
                    "other input tensors than the forward pass used");
            be.rnnBackward(s, ws, t, lstmGrads(be));
        }
    }

    @Test
    void workspaceOfOtherSizesSpecOrBackendIsRejected() {
        RnnSpec s = lstm();
        RnnForwardArgs f = lstmArgs(be, true);
        try (RnnWorkspace wrongTime = be.rnnWorkspace(s, 2, 5);
             RnnWorkspace wrongSpec = be.rnnWorkspace(new RnnSpec(CellType.LSTM, 3, 2, Activation.RELU,
                     Activation.SIGMOID, true, false), 2, 4);
             RnnWorkspace foreign = new JavaBackend().rnnWorkspace(s, 2, 4)) {
            assertThrows(IllegalArgumentException.class, () -> be.rnnForward(s, wrongTime, f));
            assertThrows(IllegalArgumentException.class, () -> be.rnnForward(s, wrongSpec, f));
            assertThrows(IllegalArgumentException.class, () -> be.rnnForward(s, foreign, f));
        }
        RnnWorkspace closed = be.rnnWorkspace(s, 2, 4);
        closed.close();
        assertThrows(IllegalArgumentException.class, () -> be.rnnForward(s, closed, f));
        assertThrows(IllegalArgumentException.class, () -> be.rnnWorkspace(s, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> be.rnnWorkspace(s, 2, 0));
    }

    @Test
    void foreignTensorIsRejectedBeforeAnythingIsWritten() {
        RnnSpec s = lstm();
        JavaBackend other = new JavaBackend();
        RnnForwardArgs good = lstmArgs(be, true);
        float[] before = good.output().toArray();
        java.util.Arrays.fill(before, 7f);
        be.copyFromHost(before, 0, good.output(), 0, before.length);
        RnnForwardArgs bad = new RnnForwardArgs(good.x(), good.kernel(), good.recurrentKernel(), good.bias(),
                null, null, null, null, null, false, false, true, good.output(), good.finalH(), other.zeros(2, 2));
        try (RnnWorkspace ws = be.rnnWorkspace(s, 2, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.rnnForward(s, ws, bad));
            assertTrue(e.getMessage().contains("finalC"), e.getMessage());
            assertArrayEquals(before, good.output().toArray(), "output written before the check");
        }
    }

    @Test
    void wrongShapesAreRejectedWithBothShapes() {
        RnnSpec s = lstm();
        RnnForwardArgs good = lstmArgs(be, true);
        RnnForwardArgs bad = new RnnForwardArgs(good.x(), be.zeros(2, 8), good.recurrentKernel(), good.bias(),
                null, null, null, null, null, false, false, true, good.output(), good.finalH(), good.finalC());
        try (RnnWorkspace ws = be.rnnWorkspace(s, 2, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.rnnForward(s, ws, bad));
            assertTrue(e.getMessage().contains("[3, 8]") && e.getMessage().contains("[2, 8]"), e.getMessage());
        }
    }
}
