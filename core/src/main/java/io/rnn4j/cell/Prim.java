package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

/**
 * The primitives of {@link Ops}: each forward next to its hand-written adjoint, in the same
 * order of terms. Adjoints accumulate ({@code +=}) into the gradients of their inputs, since a
 * value may feed several primitives. Everything runs through the {@link Backend} SPI.
 */
enum Prim {
    /** An external value (step input, state, dropout mask): nothing to compute or propagate. */
    LEAF {
        @Override
        void forward(Ops o, Ops.Node y) {
        }

        @Override
        void backward(Ops o, Ops.Node y) {
        }
    },
    /** A cell weight: its gradient buffer is the parameter's, so adjoints accumulate straight into it. */
    WEIGHT {
        @Override
        void forward(Ops o, Ops.Node y) {
        }

        @Override
        void backward(Ops o, Ops.Node y) {
        }
    },
    /** {@code Y = A B}; {@code dA += dY Bᵀ}, {@code dB += Aᵀ dY}. */
    MATMUL {
        @Override
        void forward(Ops o, Ops.Node y) {
            Ops.Node a = o.in(y, 0), b = o.in(y, 1);
            int m = a.rows, k = a.cols, n = b.cols;
            o.backend().gemm(false, false, m, n, k, 1f, a.value, 0, k, b.value, 0, n, 0f, y.value, 0, n);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node a = o.in(y, 0), b = o.in(y, 1);
            int m = a.rows, k = a.cols, n = b.cols;
            if (a.grad != null) {
                o.backend().gemm(false, true, m, k, n, 1f, y.grad, 0, n, b.value, 0, n, 1f, a.grad, 0, k);
            }
            if (b.grad != null) {
                o.backend().gemm(true, false, k, n, m, 1f, a.value, 0, k, y.grad, 0, n, 1f, b.grad, 0, n);
            }
        }
    },
    /** {@code Y = A + B}; {@code dA += dY}, {@code dB += dY}. */
    ADD {
        @Override
        void forward(Ops o, Ops.Node y) {
            o.backend().add(o.in(y, 0).value, o.in(y, 1).value, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            accumulate(o, o.in(y, 0), y.grad);
            accumulate(o, o.in(y, 1), y.grad);
        }
    },
    /** {@code Y = X + 1 b} (b a row vector); {@code dX += dY}, {@code db += sum over rows of dY}. */
    BIAS_ADD {
        @Override
        void forward(Ops o, Ops.Node y) {
            o.backend().addRowVector(o.in(y, 0).value, o.in(y, 1).value, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            accumulate(o, o.in(y, 0), y.grad);
            Ops.Node b = o.in(y, 1);
            if (b.grad != null) {
                o.backend().sumRows(y.grad, 1f, b.grad);
            }
        }
    },
    /** {@code Y = A - B}; {@code dA += dY}, {@code dB -= dY}. */
    SUB {
        @Override
        void forward(Ops o, Ops.Node y) {
            o.backend().sub(o.in(y, 0).value, o.in(y, 1).value, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            accumulate(o, o.in(y, 0), y.grad);
            Ops.Node b = o.in(y, 1);
            if (b.grad != null) {
                o.backend().sub(b.grad, y.grad, b.grad);
            }
        }
    },
    /** {@code Y = A * B}; {@code dA += dY * B}, {@code dB += dY * A}. */
    MUL {
        @Override
        void forward(Ops o, Ops.Node y) {
            o.backend().mul(o.in(y, 0).value, o.in(y, 1).value, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node a = o.in(y, 0), b = o.in(y, 1);
            Tensor t = o.scratch(y, 0, y.rows, y.cols);
            if (a.grad != null) {
                o.backend().mul(y.grad, b.value, t);
                o.backend().add(a.grad, t, a.grad);
            }
            if (b.grad != null) {
                o.backend().mul(y.grad, a.value, t);
                o.backend().add(b.grad, t, b.grad);
            }
        }
    },
    /** {@code Y = alpha X}; {@code dX += alpha dY}. */
    SCALE {
        @Override
        void forward(Ops o, Ops.Node y) {
            Tensor x = o.in(y, 0).value;
            o.backend().axpby(y.floatArg, x, 0f, x, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            if (x.grad != null) {
                o.backend().axpby(y.floatArg, y.grad, 1f, x.grad, x.grad);
            }
        }
    },
    /** {@code Y = 1 - X}; {@code dX -= dY}. */
    ONE_MINUS {
        @Override
        void forward(Ops o, Ops.Node y) {
            o.backend().fill(y.value, 1f);
            o.backend().sub(y.value, o.in(y, 0).value, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            if (x.grad != null) {
                o.backend().sub(x.grad, y.grad, x.grad);
            }
        }
    },
    /** {@code Y = f(X)}; {@code dX += f'(X) dY} with {@code f'} taken from {@code Y}. */
    ACTIVATION {
        @Override
        void forward(Ops o, Ops.Node y) {
            o.backend().activation(y.act, o.in(y, 0).value, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            if (x.grad != null) {
                o.backend().activationBackward(y.act, y.value, y.grad, 1f, x.grad);
            }
        }
    },
    /** {@code Y = [X_0 | X_1 | ...]}; {@code dX_i += the column block i of dY}. */
    CONCAT {
        @Override
        void forward(Ops o, Ops.Node y) {
            int col = 0;
            for (int i = 0; i < y.arity; i++) {
                Ops.Node x = o.in(y, i);
                o.backend().copy2d(y.rows, x.cols, x.value, 0, x.cols, y.value, col, y.cols);
                col += x.cols;
            }
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            int col = 0;
            for (int i = 0; i < y.arity; i++) {
                Ops.Node x = o.in(y, i);
                if (x.grad != null) {
                    Tensor t = o.scratch(y, i, y.rows, x.cols);
                    o.backend().copy2d(y.rows, x.cols, y.grad, col, y.cols, t, 0, x.cols);
                    o.backend().add(x.grad, t, x.grad);
                }
                col += x.cols;
            }
        }
    },
    /** {@code Y = X[:, s:s+n]}; {@code dX[:, s:s+n] += dY}. */
    COLUMNS {
        @Override
        void forward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            o.backend().copy2d(y.rows, y.cols, x.value, y.intArg, x.cols, y.value, 0, y.cols);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            if (x.grad != null) {
                Tensor t = o.scratch(y, 0, y.rows, y.cols);
                o.backend().copy2d(y.rows, y.cols, x.grad, y.intArg, x.cols, t, 0, y.cols);
                o.backend().add(t, y.grad, t);
                o.backend().copy2d(y.rows, y.cols, t, 0, y.cols, x.grad, y.intArg, x.cols);
            }
        }
    },
    /** {@code Y = X[s:s+n, :]}; {@code dX[s:s+n, :] += dY}. */
    ROWS {
        @Override
        void forward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            o.backend().copy(x.value, y.intArg * x.cols, y.value, 0, y.rows * y.cols);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            Ops.Node x = o.in(y, 0);
            if (x.grad != null) {
                Tensor t = o.scratch(y, 0, y.rows, y.cols);
                o.backend().copy(x.grad, y.intArg * x.cols, t, 0, y.rows * y.cols);
                o.backend().add(t, y.grad, t);
                o.backend().copy(t, 0, x.grad, y.intArg * x.cols, y.rows * y.cols);
            }
        }
    },
    /** A cell's {@link CustomOp}: its own forward and its own backward. */
    CUSTOM {
        @Override
        void forward(Ops o, Ops.Node y) {
            for (int i = 0; i < y.arity; i++) {
                y.customIn[i] = o.in(y, i).value;
            }
            y.custom.forward(o.backend(), y.customIn, y.value);
        }

        @Override
        void backward(Ops o, Ops.Node y) {
            for (int i = 0; i < y.arity; i++) {
                Ops.Node x = o.in(y, i);
                y.customIn[i] = x.value;
                // Inputs without a gradient (never the case on a tape after zeroGrads) get a throwaway buffer.
                y.customDIn[i] = x.grad != null ? x.grad : o.scratch(y, i, x.rows, x.cols);
            }
            y.custom.backward(o.backend(), y.customIn, y.value, y.grad, y.customDIn);
        }
    };

    abstract void forward(Ops o, Ops.Node y);

    abstract void backward(Ops o, Ops.Node y);

    private static void accumulate(Ops o, Ops.Node x, Tensor dy) {
        if (x.grad != null) {
            o.backend().add(x.grad, dy, x.grad);
        }
    }
}
