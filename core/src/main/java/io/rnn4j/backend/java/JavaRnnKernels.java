package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

/** Fused whole-sequence SimpleRNN / LSTM / GRU forward and BPTT for the java backend. */
final class JavaRnnKernels {
    private final JavaBackend backend;

    JavaRnnKernels(JavaBackend backend) {
        this.backend = backend;
    }

    RnnWorkspace workspace(RnnSpec spec, int batch, int time) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    void forward(RnnSpec spec, RnnWorkspace ws, RnnForwardArgs a) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    void backward(RnnSpec spec, RnnWorkspace ws, RnnForwardArgs f, RnnBackwardArgs b) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
