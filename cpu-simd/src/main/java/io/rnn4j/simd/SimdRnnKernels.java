package io.rnn4j.simd;

import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

/**
 * Entry points of the simd backend's fused whole-sequence kernels: argument and workspace
 * checks (all before any write), then a {@link SimdRnnRun}. The contracts are those of
 * {@link io.rnn4j.backend.RnnForwardArgs} and {@link io.rnn4j.backend.RnnBackwardArgs}, and the
 * arithmetic follows the java reference term by term.
 */
final class SimdRnnKernels {
    private final SimdBackend backend;

    SimdRnnKernels(SimdBackend backend) {
        this.backend = backend;
    }

    RnnWorkspace workspace(RnnSpec spec, int batch, int time) {
        if (spec == null) {
            throw new IllegalArgumentException("rnnWorkspace: spec must not be null");
        }
        if (batch <= 0 || time <= 0) {
            throw new IllegalArgumentException("rnnWorkspace: batch and time must be positive, got batch="
                    + batch + ", time=" + time);
        }
        return new SimdRnnWorkspace(backend, spec, batch, time);
    }

    void forward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        if (a == null) {
            throw new IllegalArgumentException("rnnForward: args must not be null");
        }
        a.validate(spec);
        SimdRnnWorkspace ws = checkWorkspace("rnnForward", spec, workspace, a);
        SimdRnnRun q = ws.run.bind(a, null);
        ws.lastTrainingForward = null; // the stored activations are about to change
        q.forward();
        if (a.training()) {
            ws.lastTrainingForward = a;
        }
    }

    void backward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs f, RnnBackwardArgs b) {
        if (f == null || b == null) {
            throw new IllegalArgumentException("rnnBackward: forward and backward args must not be null");
        }
        f.validate(spec);
        b.validate(spec, f);
        SimdRnnWorkspace ws = checkWorkspace("rnnBackward", spec, workspace, f);
        RnnForwardArgs last = ws.lastTrainingForward;
        if (last == null || !sameInputs(last, f)) {
            throw new IllegalArgumentException("rnnBackward: " + ws + " holds no training forward pass of these"
                    + " arguments; run rnnForward with training=true on the same workspace, inputs, weights,"
                    + " masks and options first");
        }
        ws.run.bind(f, b).backward();
    }

    /** What the backward pass reads from the forward arguments must be what the forward pass used. */
    private static boolean sameInputs(RnnForwardArgs a, RnnForwardArgs b) {
        return a.x() == b.x() && a.kernel() == b.kernel() && a.recurrentKernel() == b.recurrentKernel()
                && a.bias() == b.bias() && a.initialH() == b.initialH() && a.initialC() == b.initialC()
                && a.mask() == b.mask() && a.dropMask() == b.dropMask()
                && a.recurrentDropMask() == b.recurrentDropMask() && a.goBackwards() == b.goBackwards()
                && a.zeroOutputForMask() == b.zeroOutputForMask();
    }

    private SimdRnnWorkspace checkWorkspace(String op, RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        if (!(workspace instanceof SimdRnnWorkspace ws) || ws.owner != backend) {
            throw new IllegalArgumentException(op + ": workspace " + workspace
                    + " was not created by this simd backend's rnnWorkspace");
        }
        if (ws.isClosed()) {
            throw new IllegalArgumentException(op + ": workspace " + ws + " was closed");
        }
        if (!ws.spec.equals(spec)) {
            throw new IllegalArgumentException(op + ": workspace was sized for " + ws.spec + ", called with " + spec);
        }
        if (ws.batch != a.batch() || ws.time != a.time()) {
            throw new IllegalArgumentException(op + ": workspace was sized for batch=" + ws.batch + ", time="
                    + ws.time + " but x has batch=" + a.batch() + ", time=" + a.time());
        }
        return ws;
    }
}
