package io.rnn4j.simd;

import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.RnnWorkspaceChecks;

/**
 * Entry points of the simd backend's fused whole-sequence kernels: argument and workspace
 * checks (all before any write), then a {@link SimdRnnRun}. The contracts are those of
 * {@link io.rnn4j.backend.RnnForwardArgs} and {@link io.rnn4j.backend.RnnBackwardArgs}, and the
 * arithmetic follows the java reference's formulas (products summed in their own order, and
 * {@code x·W + h·U} as one product under {@link SimdRnnRun#stackedStep}), within float rounding
 * of it.
 */
final class SimdRnnKernels {
    private final SimdBackend backend;

    SimdRnnKernels(SimdBackend backend) {
        this.backend = backend;
    }

    RnnWorkspace workspace(RnnSpec spec, int batch, int time) {
        RnnWorkspaceChecks.checkSizes(spec, batch, time);
        return new SimdRnnWorkspace(backend, spec, batch, time);
    }

    void forward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        RnnWorkspaceChecks.checkForwardArgs(spec, a);
        SimdRnnWorkspace ws = checkWorkspace("rnnForward", spec, workspace, a);
        SimdRnnRun q = ws.run.bind(a, null);
        ws.lastTrainingForward = null; // the stored activations are about to change
        q.forward();
        if (a.training()) {
            ws.lastTrainingForward = a;
        }
    }

    void backward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs f, RnnBackwardArgs b) {
        RnnWorkspaceChecks.checkBackwardArgs(spec, f, b);
        SimdRnnWorkspace ws = checkWorkspace("rnnBackward", spec, workspace, f);
        RnnWorkspaceChecks.requireTrainingForward(ws, ws.lastTrainingForward, f);
        ws.run.bind(f, b).backward();
    }

    private SimdRnnWorkspace checkWorkspace(String op, RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        if (!(workspace instanceof SimdRnnWorkspace ws) || ws.owner != backend) {
            throw RnnWorkspaceChecks.notCreatedBy(op, backend, workspace);
        }
        RnnWorkspaceChecks.checkFits(op, ws, ws.isClosed(), ws.spec, spec, a);
        return ws;
    }
}
