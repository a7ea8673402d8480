package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.RnnWorkspaceChecks;

/**
 * Fused whole-sequence SimpleRNN / LSTM / GRU forward and BPTT for the java backend, in the
 * shape of cuDNN's RNN API:
 * <ul>
 *   <li>forward: the input projection {@code x·W} of all timesteps as one GEMM over the
 *       {@code (B*T, I)} view (with per-gate dropout: one per gate on a masked copy of x); in
 *       the time loop only the recurrent GEMM {@code h_{t-1}·U}, then one fused pointwise pass
 *       over the gates (bias, activations, state update, mask). Per-step activations stay in
 *       the {@link JavaRnnWorkspace}.</li>
 *   <li>backward: time walked in reverse, one fused pointwise pass producing {@code dG_t}, one
 *       {@code dG_t·Uᵀ} GEMM per step for dh; after the loop {@code dW += Xᵀ·dG},
 *       {@code dU += H_prevᵀ·dG} and {@code dx = dG·Wᵀ} as one GEMM each, {@code db += }
 *       column sums of dG.</li>
 * </ul>
 * The sequence-level pieces are in {@link RnnRun}, each cell's pointwise math in its
 * {@link CellKernel}.
 */
final class JavaRnnKernels {
    private final JavaBackend backend;

    JavaRnnKernels(JavaBackend backend) {
        this.backend = backend;
    }

    RnnWorkspace workspace(RnnSpec spec, int batch, int time) {
        RnnWorkspaceChecks.checkSizes(spec, batch, time);
        return new JavaRnnWorkspace(backend, spec, batch, time);
    }

    void forward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        RnnWorkspaceChecks.checkForwardArgs(spec, a);
        JavaRnnWorkspace ws = checkWorkspace("rnnForward", spec, workspace, a);
        RnnRun q = ws.run.bind(a, null);
        CellKernel cell = ws.cellKernel;
        ws.lastTrainingForward = null; // the stored activations are about to change
        q.inputProjection();
        q.loadInitialStates();
        for (int s = 0; s < q.time; s++) {
            cell.forwardStep(q, s);
        }
        if (a.training()) {
            ws.lastTrainingForward = a;
        }
    }

    void backward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs f, RnnBackwardArgs b) {
        RnnWorkspaceChecks.checkBackwardArgs(spec, f, b);
        JavaRnnWorkspace ws = checkWorkspace("rnnBackward", spec, workspace, f);
        RnnWorkspaceChecks.requireTrainingForward(ws, ws.lastTrainingForward, f);
        RnnRun q = ws.run.bind(f, b);
        CellKernel cell = ws.cellKernel;
        q.bindBackwardBuffers();
        q.loadFinalStateGradients();
        for (int s = q.time - 1; s >= 0; s--) {
            cell.backwardStep(q, s);
        }
        q.storeInitialStateGradients();
        cell.recurrentGradients(q);
        q.inputGradients();
    }

    private JavaRnnWorkspace checkWorkspace(String op, RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        if (!(workspace instanceof JavaRnnWorkspace ws) || ws.owner != backend) {
            throw RnnWorkspaceChecks.notCreatedBy(op, backend, workspace);
        }
        RnnWorkspaceChecks.checkFits(op, ws, ws.isClosed(), ws.spec, spec, a);
        return ws;
    }
}
