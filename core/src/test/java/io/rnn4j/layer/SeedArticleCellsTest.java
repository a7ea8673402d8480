package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.cell.Cell;
import io.rnn4j.cell.GradientCheckReport;
import io.rnn4j.cell.GradientChecker;
import io.rnn4j.cell.Ops;
import io.rnn4j.cell.Step;
import io.rnn4j.cell.Var;
import io.rnn4j.cell.Weight;
import io.rnn4j.init.Initializers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three user-written cells of the seed article, written the Keras way in rnn4j: build
 * checks, gradient checks and a few steps of plain SGD (written here with the layers' own
 * forward / backward) that must lower the loss.
 */
class SeedArticleCellsTest {
    private static final Backend JAVA = Backends.get("java");

    /**
     * Article cell (1): {@code output = tanh([x, h] · kernel + bias)}, next state
     * {@code output · recurrent_kernel}. {@code articleMistake} sizes the kernel
     * {@code (units + units, units)} as the article wrote it.
     */
    static final class MinimalRnnCell extends Cell {
        final int units;
        final boolean articleMistake;
        Weight kernel, bias, recurrentKernel;

        MinimalRnnCell(int units, boolean articleMistake) {
            this.units = units;
            this.articleMistake = articleMistake;
        }

        @Override
        public int[] stateSizes() {
            return new int[] {units};
        }

        @Override
        public int outputSize() {
            return units;
        }

        @Override
        protected void build(int inputSize) {
            int rows = articleMistake ? units + units : inputSize + units;
            kernel = addWeight("kernel", Initializers.glorotUniform(), rows, units);
            bias = addWeight("bias", Initializers.zeros(), units);
            recurrentKernel = addWeight("recurrent_kernel", Initializers.orthogonal(), units, units);
        }

        @Override
        public Step call(Ops ops, Var x, Var[] states) {
            Var output = ops.tanh(ops.add(ops.matmul(ops.concat(x, states[0]), kernel), bias));
            return Step.of(output, ops.matmul(output, recurrentKernel));
        }
    }

    /** Article cell (3): two states of {@code units} each ({@code state_size = [units, units]}). */
    static final class TwoStateCell extends Cell {
        final int units;
        Weight kernel, recurrentKernel, slowKernel, bias;

        TwoStateCell(int units) {
            this.units = units;
        }

        @Override
        public int[] stateSizes() {
            return new int[] {units, units};
        }

        @Override
        public int outputSize() {
            return units;
        }

        @Override
        protected void build(int inputSize) {
            kernel = addWeight("kernel", Initializers.glorotUniform(), inputSize, units);
            recurrentKernel = addWeight("recurrent_kernel", Initializers.orthogonal(), units, units);
            slowKernel = addWeight("slow_kernel", Initializers.orthogonal(), units, units);
            bias = addWeight("bias", Initializers.zeros(), units);
        }

        @Override
        public Step call(Ops ops, Var x, Var[] states) {
            Var fast = ops.tanh(ops.add(ops.add(ops.matmul(x, kernel), ops.matmul(states[0], recurrentKernel)), bias));
            // the slow state is a running average of the fast one, read back through its own kernel
            Var slow = ops.add(ops.scale(states[1], 0.8f), ops.scale(fast, 0.2f));
            Var output = ops.add(fast, ops.tanh(ops.matmul(slow, slowKernel)));
            return Step.of(output, fast, slow);
        }
    }

    @Test
    void articleKernelSizeFailsAtBuildNamingBothSizes() {
        MinimalRnnCell cell = new MinimalRnnCell(4, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Rnn(cell).build(JAVA, new int[] {-1, 3}));
        // [x, h] has 3 + 4 = 7 columns, the kernel (4 + 4, 4) has 8 rows
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains("8") && e.getMessage().contains("kernel"), e.getMessage());
        assertTrue(!cell.isBuilt());
        // with input width == units the article's sizing happens to fit
        new Rnn(new MinimalRnnCell(4, true)).build(JAVA, new int[] {-1, 4});
    }

    @Test
    void minimalCellGradients() {
        MinimalRnnCell cell = new MinimalRnnCell(4, false);
        cell.seed(1);
        GradientCheckReport r = GradientChecker.check(cell, 3, 2, 5, 7);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void twoStateCellGradients() {
        TwoStateCell cell = new TwoStateCell(3);
        cell.seed(2);
        GradientCheckReport r = GradientChecker.of(cell, 2).batch(2).time(4).mask(true).seed(8).check();
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void minimalCellTrainsAlone() {
        Rnn rnn = new Rnn(new MinimalRnnCell(4, false).seed(3));
        assertTrue(trainLastOutput(rnn, 3) < 0.7, "loss ratio");
    }

    @Test
    void twoStateCellTrains() {
        Rnn rnn = new Rnn(new TwoStateCell(4).seed(4));
        assertTrue(trainLastOutput(rnn, 2) < 0.7, "loss ratio");
    }

    /** Article example (2): the cell in an Rnn with return_sequences, then Dense(1), trained with SGD. */
    @Test
    void minimalCellWithReturnSequencesBeforeDense() {
        Rnn rnn = new Rnn(new MinimalRnnCell(6, false).seed(5)).returnSequences(true);
        Dense dense = new Dense(null, 1, io.rnn4j.backend.Activation.LINEAR, true, 6L);
        int b = 8, t = 5, in = 3;
        rnn.build(JAVA, new int[] {-1, in});
        dense.build(JAVA, rnn.outputShape(new int[] {-1, in}));
        SplittableRandom rnd = new SplittableRandom(9);
        float[] x = new float[b * t * in], y = new float[b * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (int n = 0; n < b; n++) {
            float sum = 0;
            for (int s = 0; s < t; s++) {
                sum += x[(n * t + s) * in];
                y[n * t + s] = 0.3f * sum; // a running sum of the first feature
            }
        }
        Tensor xt = JAVA.fromArray(x, b, t, in);
        List<Parameter> params = new ArrayList<>(rnn.parameters());
        params.addAll(dense.parameters());
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            params.forEach(Parameter::zeroGrad);
            Tensor out = dense.forward(rnn.forward(xt, true), true); // (b, t, 1)
            float[] o = out.toArray();
            float[] d = new float[o.length];
            double loss = 0;
            for (int i = 0; i < o.length; i++) {
                double e = o[i] - y[i];
                loss += e * e / o.length;
                d[i] = (float) (2 * e / o.length);
            }
            rnn.backward(dense.backward(JAVA.fromArray(d, b, t, 1)));
            for (Parameter p : params) {
                JAVA.sgdUpdate(p.value(), p.grad(), null, 0.5f, 0f, false);
            }
            if (step == 0) {
                first = loss;
            }
            last = loss;
        }
        assertTrue(last < 0.5 * first, "loss went from " + first + " to " + last);
    }

    /** A few steps of plain SGD on the last output; returns final loss / first loss. */
    static double trainLastOutput(Rnn rnn, int in) {
        int b = 6, t = 4;
        rnn.build(JAVA, new int[] {-1, in});
        int units = rnn.cell().outputSize();
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = new float[b * t * in], y = new float[b * units];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (0.8 * (rnd.nextDouble() * 2 - 1));
        }
        Tensor xt = JAVA.fromArray(x, b, t, in);
        double first = 0, last = 0;
        for (int step = 0; step < 40; step++) {
            rnn.parameters().forEach(Parameter::zeroGrad);
            float[] o = rnn.forward(xt, true).toArray();
            float[] d = new float[o.length];
            double loss = 0;
            for (int i = 0; i < o.length; i++) {
                double e = o[i] - y[i];
                loss += e * e / o.length;
                d[i] = (float) (2 * e / o.length);
            }
            rnn.backward(JAVA.fromArray(d, b, units));
            for (Parameter p : rnn.parameters()) {
                JAVA.sgdUpdate(p.value(), p.grad(), null, 0.5f, 0f, false);
            }
            if (step == 0) {
                first = loss;
            }
            last = loss;
        }
        return last / first;
    }
}
