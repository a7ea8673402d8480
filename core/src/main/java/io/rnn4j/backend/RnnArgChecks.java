package io.rnn4j.backend;

import io.rnn4j.Tensor;

import java.util.Arrays;

/**
 * Shape checks shared by the recurrent kernel argument records. They run on every fused call
 * (every streamed step too), so the passing path compares dimensions without building arrays or
 * messages; both are made only for the exception.
 */
final class RnnArgChecks {
    private RnnArgChecks() {
    }

    static void shape(String name, Tensor t, int d0) {
        if (t == null || t.rank() != 1 || t.dim(0) != d0) {
            fail(name, t, d0);
        }
    }

    static void shape(String name, Tensor t, int d0, int d1) {
        if (t == null || t.rank() != 2 || t.dim(0) != d0 || t.dim(1) != d1) {
            fail(name, t, d0, d1);
        }
    }

    static void shape(String name, Tensor t, int d0, int d1, int d2) {
        if (t == null || t.rank() != 3 || t.dim(0) != d0 || t.dim(1) != d1 || t.dim(2) != d2) {
            fail(name, t, d0, d1, d2);
        }
    }

    static void optionalShape(String name, Tensor t, int d0, int d1) {
        if (t != null) {
            shape(name, t, d0, d1);
        }
    }

    static void optionalShape(String name, Tensor t, int d0, int d1, int d2) {
        if (t != null) {
            shape(name, t, d0, d1, d2);
        }
    }

    /** The bias (or its gradient) of {@code spec}: {@link RnnSpec#biasShape()} without allocating it. */
    static void bias(String name, Tensor t, RnnSpec spec) {
        if (spec.resetAfter()) {
            shape(name, t, 2, spec.gateWidth());
        } else {
            shape(name, t, spec.gateWidth());
        }
    }

    private static void fail(String name, Tensor t, int... expected) {
        if (t == null) {
            throw new IllegalArgumentException("rnn kernel: " + name + " is required, expected shape " + Arrays.toString(expected));
        }
        throw new IllegalArgumentException("rnn kernel: " + name + " must have shape " + Arrays.toString(expected)
                + ", got " + Arrays.toString(t.shape()));
    }
}
