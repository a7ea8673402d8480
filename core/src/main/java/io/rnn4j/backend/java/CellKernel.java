package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnSpec;

/**
 * The pointwise part of one built-in cell in the fused kernels: what happens at one step
 * after the recurrent GEMM (forward) and before the {@code dG·Uᵀ} GEMM (backward), for all
 * batch rows in one pass. Forward and backward of a cell sit side by side in its class.
 */
abstract class CellKernel {

    /** Step {@code s} of the forward walk: recurrent GEMM(s), then one fused pass over the gates. */
    abstract void forwardStep(RnnRun q, int s);

    /** Step {@code s} of the reverse walk: one fused pass producing dG_t, then the dG_t·Uᵀ GEMM(s). */
    abstract void backwardStep(RnnRun q, int s);

    /** After the walk: {@code dU} and {@code db} from the gate gradients of all timesteps. */
    void recurrentGradients(RnnRun q) {
        q.recurrentKernelGradient(q.ws.dGates, 0, q.gates);
        if (q.bias != null) {
            q.biasGradient(q.dGates, 0);
        }
    }

    static CellKernel of(RnnSpec spec) {
        return switch (spec.cell()) {
            case SIMPLE_RNN -> new SimpleRnnKernel(spec);
            case LSTM -> new LstmKernel(spec);
            case GRU -> spec.resetAfter() ? new GruResetAfterKernel(spec) : new GruResetBeforeKernel(spec);
        };
    }
}
