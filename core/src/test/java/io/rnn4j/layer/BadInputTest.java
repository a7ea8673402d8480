package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.LstmCell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is an IllegalArgumentException naming the layer and both shapes, and changes nothing. */
class BadInputTest {
    private static final Backend JAVA = Backends.get("java");

    private static void rejects(Executable call, String... mustContain) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' lacks '" + s + "'");
        }
    }

    private static Lstm built(boolean fused) {
        Lstm l = new Lstm(4).name("enc").seed(1).stateful(true).useFusedKernels(fused);
        l.build(JAVA, new int[] {-1, 3});
        return l;
    }

    private static Tensor x(int b, int t, int f) {
        float[] v = new float[b * t * f];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i);
        }
        return JAVA.fromArray(v, b, t, f);
    }

    @Test
    void everyBadCallIsRejectedAndChangesNothing() {
        for (boolean fused : new boolean[] {true, false}) {
            Lstm l = built(fused);
            l.forward(x(2, 5, 3), false);
            List<float[]> statesBefore = l.states().stream().map(Tensor::toArray).toList();
            List<float[]> weightsBefore = l.getWeights();

            rejects(() -> l.forward(x(2, 5, 4), false), "enc", "[2, 5, 4]", "3)");
            rejects(() -> l.forward(JAVA.zeros(2, 3), false), "enc", "[2, 3]", "(batch, time, 3)");
            rejects(() -> l.forward(JAVA.zeros(0, 5, 3), false), "enc", "[0, 5, 3]");
            rejects(() -> l.forward(JAVA.zeros(2, 0, 3), false), "enc", "[2, 0, 3]");
            rejects(() -> l.call(x(2, 5, 3), JAVA.zeros(2, 4), null, false), "enc", "mask", "[2, 5]", "[2, 4]");
            rejects(() -> l.call(x(2, 5, 3), null, List.of(JAVA.zeros(2, 4)), false), "enc", "2 initial state", "got 1");
            rejects(() -> l.call(x(2, 5, 3), null, List.of(JAVA.zeros(2, 4), JAVA.zeros(2, 5)), false),
                    "enc", "initial state 1", "[2, 4]", "[2, 5]");
            rejects(() -> l.forward(x(3, 5, 3), false), "enc", "batch of 2", "[3, 5, 3]");
            rejects(() -> l.setWeights(List.of(new float[12 * 3], new float[16 * 4])), "enc", "3 arrays", "got 2");
            rejects(() -> l.setWeights(List.of(new float[3 * 16], new float[4 * 16], new float[15])), "enc", "bias", "[16]", "15");
            rejects(() -> l.setWeights(List.of(new float[3 * 16], new float[5 * 16], new float[16])), "enc", "recurrent_kernel", "[4, 16]", "80");
            float[] nan = new float[2 * 5 * 3];
            nan[7] = Float.NaN;
            l.checkNumerics(true);
            rejects(() -> l.forward(JAVA.fromArray(nan, 2, 5, 3), false), "enc", "NaN");
            rejects(() -> l.call(x(2, 5, 3), null, List.of(JAVA.fromArray(new float[] {Float.NaN, 0, 0, 0, 0, 0, 0, 0}, 2, 4),
                    JAVA.zeros(2, 4)), false), "enc", "initial state 0", "NaN");

            List<float[]> statesAfter = l.states().stream().map(Tensor::toArray).toList();
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(statesBefore.get(k), statesAfter.get(k), "stateful states changed by a rejected call");
            }
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(weightsBefore.get(i), l.getWeights().get(i), "weights changed by a rejected setWeights");
            }
        }
    }

    @Test
    void backwardChecksGradientShapes() {
        Lstm l = new Lstm(4).name("dec").returnSequences(true);
        l.build(JAVA, new int[] {-1, 3});
        l.forward(x(2, 5, 3), true);
        rejects(() -> l.backward(JAVA.zeros(2, 4)), "dec", "[2, 5, 4]", "[2, 4]");
        rejects(() -> l.backward(JAVA.zeros(2, 5, 4), List.of(JAVA.zeros(2, 4))), "dec", "2 state gradients", "got 1");
        assertThrows(IllegalStateException.class, () -> new Lstm(2).backward(JAVA.zeros(1, 2)));
    }

    @Test
    void cellRebuiltWithAnotherWidthNamesBoth() {
        LstmCell c = new LstmCell(3);
        c.build(JAVA, 5);
        rejects(() -> c.build(JAVA, 6), "lstm_cell", "5", "6");
        Rnn r = new Rnn(new LstmCell(3)).name("r");
        r.build(JAVA, new int[] {-1, 5});
        rejects(() -> r.build(JAVA, new int[] {-1, 6}), "r", "5", "6");
    }

    @Test
    void cellStateMismatchIsABuildError() {
        // a cell whose step returns fewer states than it declares
        io.rnn4j.cell.Cell bad = new io.rnn4j.cell.Cell() {
            io.rnn4j.cell.Weight k;

            @Override
            public int[] stateSizes() {
                return new int[] {2, 2};
            }

            @Override
            public int outputSize() {
                return 2;
            }

            @Override
            protected void build(int inputSize) {
                k = addWeight("kernel", io.rnn4j.init.Initializers.glorotUniform(), inputSize, 2);
            }

            @Override
            public io.rnn4j.cell.Step call(io.rnn4j.cell.Ops ops, io.rnn4j.cell.Var x, io.rnn4j.cell.Var[] s) {
                io.rnn4j.cell.Var h = ops.tanh(ops.matmul(x, k));
                return io.rnn4j.cell.Step.of(h, h);
            }
        };
        rejects(() -> bad.build(JAVA, 3), "1 states", "[2, 2]");
    }
}
