package io.rnn4j.backend;

import io.rnn4j.Tensor;

import java.util.Arrays;

/** Shape checks shared by the recurrent kernel argument records. */
final class RnnArgChecks {
    private RnnArgChecks() {
    }

    static void shape(String name, Tensor t, int... expected) {
        if (t == null) {
            throw new IllegalArgumentException("rnn kernel: " + name + " is required, expected shape " + Arrays.toString(expected));
        }
        if (!t.hasShape(expected)) {
            throw new IllegalArgumentException("rnn kernel: " + name + " must have shape " + Arrays.toString(expected)
                    + ", got " + Arrays.toString(t.shape()));
        }
    }

    static void optionalShape(String name, Tensor t, int... expected) {
        if (t != null) {
            shape(name, t, expected);
        }
    }
}
