package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.GruCell;
import io.rnn4j.cell.KerasCell;
import io.rnn4j.cell.LstmCell;
import io.rnn4j.cell.SimpleRnnCell;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in cells on the backend's fused kernels against the same cells on the op-recorded
 * path (whose adjoints are checked against finite differences elsewhere): forward outputs,
 * final states and every gradient, with masks, go_backwards, initial states and dropout (both
 * layers draw the same masks from the same seed).
 */
class FusedVsRecordedTest {
    private static final Backend JAVA = Backends.get("java");

    record Case(String name, Supplier<KerasCell> cell, boolean seq, boolean back, boolean mask, boolean init, boolean zeroOut) {
        @Override
        public String toString() {
            return name + (seq ? " seq" : "") + (back ? " back" : "") + (mask ? " mask" : "") + (init ? " init" : "") + (zeroOut ? " zero" : "");
        }
    }

    static Stream<Case> cases() {
        List<Case> l = new ArrayList<>();
        List<Supplier<KerasCell>> cells = List.of(
                () -> new SimpleRnnCell(5).seed(1),
                () -> new SimpleRnnCell(3).useBias(false).activation(Activation.RELU).seed(2),
                () -> new LstmCell(5).seed(3),
                () -> new LstmCell(3).unitForgetBias(false).useBias(false).seed(4),
                () -> new LstmCell(4).dropout(0.3).recurrentDropout(0.2).seed(5),
                () -> new LstmCell(4).dropout(0.25).seed(6),
                () -> new GruCell(5).seed(7),
                () -> new GruCell(3).resetAfter(false).seed(8),
                () -> new GruCell(4).dropout(0.2).recurrentDropout(0.3).seed(9),
                () -> new GruCell(4).resetAfter(false).recurrentDropout(0.3).recurrentActivation(Activation.HARD_SIGMOID).seed(10),
                () -> new SimpleRnnCell(4).dropout(0.3).recurrentDropout(0.3).seed(11));
        int i = 0;
        for (Supplier<KerasCell> c : cells) {
            String n = c.get().type() + "#" + i++;
            l.add(new Case(n, c, false, false, false, false, false));
            l.add(new Case(n, c, true, true, true, true, false));
            l.add(new Case(n, c, true, false, true, false, true));
        }
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fusedMatchesRecorded(Case c) {
        int b = 3, t = 6, in = 7;
        Rnn fused = new Rnn(c.cell.get()).returnSequences(c.seq).goBackwards(c.back).zeroOutputForMask(c.zeroOut);
        Rnn recorded = new Rnn(c.cell.get()).useFusedKernels(false).returnSequences(c.seq).goBackwards(c.back).zeroOutputForMask(c.zeroOut);
        fused.build(JAVA, new int[] {-1, in});
        recorded.build(JAVA, new int[] {-1, in});
        assertTrue(fused.usesFusedKernels());
        recorded.setWeights(fused.getWeights());
        SplittableRandom rnd = new SplittableRandom(42);
        Tensor x = rand(rnd, b, t, in);
        Tensor mask = null;
        if (c.mask) {
            float[] m = new float[b * t];
            for (int i = 0; i < m.length; i++) {
                m[i] = rnd.nextDouble() < 0.3 ? 0 : 1;
            }
            mask = JAVA.fromArray(m, b, t);
        }
        int[] sizes = fused.cell().stateSizes();
        List<Tensor> init = null;
        if (c.init) {
            init = new ArrayList<>();
            for (int s : sizes) {
                init.add(rand(rnd, b, s));
            }
        }
        for (int round = 0; round < 2; round++) { // twice: dropout masks are redrawn per sequence, identically
            RnnResult rf = fused.call(x, mask, init, true);
            RnnResult rr = recorded.call(x, mask, init, true);
            close("output", rr.output(), rf.output());
            for (int k = 0; k < sizes.length; k++) {
                close("state" + k, rr.states().get(k), rf.states().get(k));
            }
            Tensor dOut = rand(rnd, rf.output().shape());
            List<Tensor> dStates = new ArrayList<>();
            for (int s : sizes) {
                dStates.add(rand(rnd, b, s));
            }
            for (Parameter p : fused.parameters()) {
                p.zeroGrad();
            }
            for (Parameter p : recorded.parameters()) {
                p.zeroGrad();
            }
            RnnGradients gf = fused.backward(dOut, dStates);
            RnnGradients gr = recorded.backward(dOut, dStates);
            close("dx", gr.dx(), gf.dx());
            for (int k = 0; k < sizes.length; k++) {
                close("dState" + k, gr.dInitialStates().get(k), gf.dInitialStates().get(k));
            }
            for (int i = 0; i < fused.parameters().size(); i++) {
                close("d" + fused.parameters().get(i).name(), recorded.parameters().get(i).grad(), fused.parameters().get(i).grad());
            }
        }
        // inference (no dropout) agrees too
        close("inference", recorded.call(x, mask, init, false).output(), fused.call(x, mask, init, false).output());
    }

    @org.junit.jupiter.api.Test
    void bidirectionalFusedMatchesRecorded() {
        for (String mode : new String[] {"concat", "sum", "mul", "ave"}) {
            Bidirectional fused = new Bidirectional(new Lstm(3).seed(1).returnSequences(true), new Lstm(3).seed(2)
                    .returnSequences(true).goBackwards(true), mode);
            Bidirectional recorded = new Bidirectional(new Lstm(3).seed(1).returnSequences(true).useFusedKernels(false),
                    new Lstm(3).seed(2).returnSequences(true).goBackwards(true).useFusedKernels(false), mode);
            fused.build(JAVA, new int[] {-1, 2});
            recorded.build(JAVA, new int[] {-1, 2});
            recorded.setWeights(fused.getWeights());
            SplittableRandom rnd = new SplittableRandom(3);
            Tensor x = rand(rnd, 2, 5, 2);
            Tensor mask = JAVA.fromArray(new float[] {1, 1, 0, 1, 0, 1, 1, 1, 1, 0}, 2, 5);
            RnnResult rf = fused.call(x, mask, null, true), rr = recorded.call(x, mask, null, true);
            close(mode + " output", rr.output(), rf.output());
            Tensor d = rand(rnd, rf.output().shape());
            fused.parameters().forEach(Parameter::zeroGrad);
            recorded.parameters().forEach(Parameter::zeroGrad);
            close(mode + " dx", recorded.backward(d), fused.backward(d));
            for (int i = 0; i < fused.parameters().size(); i++) {
                close(mode + " d" + i, recorded.parameters().get(i).grad(), fused.parameters().get(i).grad());
            }
        }
    }

    static Tensor rand(SplittableRandom rnd, int... shape) {
        float[] v = new float[Tensor.sizeOf(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return JAVA.fromArray(v, shape);
    }

    static void close(String what, Tensor expected, Tensor actual) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what);
        float[] e = expected.toArray(), a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            double tol = 2e-5 + 2e-4 * Math.abs(e[i]);
            assertTrue(Math.abs(e[i] - a[i]) <= tol, what + "[" + i + "]: recorded " + e[i] + " fused " + a[i]);
        }
    }
}
