package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.init.Initializers;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker passes correct backwards and, crucially, fails wrong ones. */
class GradientCheckerTest {

    /** tanh as a custom op; {@code wrong} uses 1 - y instead of 1 - y^2 as the derivative. */
    static final class TanhOp implements CustomOp {
        final boolean wrong;

        TanhOp(boolean wrong) {
            this.wrong = wrong;
        }

        @Override
        public String name() {
            return "tanh_op";
        }

        @Override
        public int outputCols(int[] inputCols) {
            return inputCols[0];
        }

        @Override
        public void forward(Backend b, Tensor[] in, Tensor out) {
            b.activation(Activation.TANH, in[0], out);
        }

        @Override
        public void backward(Backend b, Tensor[] in, Tensor out, Tensor dOut, Tensor[] dIn) {
            if (wrong) {
                Tensor t = b.zeros(out.shape());
                b.fill(t, 1f);
                b.sub(t, out, t);
                b.mul(t, dOut, t);
                b.add(dIn[0], t, dIn[0]);
            } else {
                b.activationBackward(Activation.TANH, out, dOut, 1f, dIn[0]);
            }
        }
    }

    /** The seed article's first cell, with its own backward for the activation. */
    static final class CustomBackwardCell extends Cell {
        final int units;
        final boolean wrong;
        Weight kernel, bias, recurrentKernel;

        CustomBackwardCell(int units, boolean wrong) {
            this.units = units;
            this.wrong = wrong;
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
            kernel = addWeight("kernel", Initializers.glorotUniform(), inputSize + units, units);
            bias = addWeight("bias", Initializers.glorotUniform(), units);
            recurrentKernel = addWeight("recurrent_kernel", Initializers.orthogonal(), units, units);
        }

        @Override
        public Step call(Ops ops, Var x, Var[] states) {
            Var out = ops.custom(new TanhOp(wrong), ops.add(ops.matmul(ops.concat(x, states[0]), kernel), bias));
            return Step.of(out, ops.matmul(out, recurrentKernel));
        }
    }

    @Test
    void customBackwardPasses() {
        CustomBackwardCell c = new CustomBackwardCell(3, false);
        c.seed(1);
        c.build(Backends.get("java"), 2);
        GradientCheckReport r = GradientChecker.check(c, 2, 2, 4, 5);
        assertTrue(r.passed(), r.toString());
        assertTrue(r.maxRelativeError() < 1e-7, r.toString());
    }

    @Test
    void wrongCustomBackwardFails() {
        CustomBackwardCell c = new CustomBackwardCell(3, true);
        c.seed(1);
        c.build(Backends.get("java"), 2);
        GradientCheckReport r = GradientChecker.check(c, 2, 2, 4, 5);
        assertFalse(r.passed(), r.toString());
        assertTrue(r.maxRelativeError() > 1e-2, r.toString());
    }
}
