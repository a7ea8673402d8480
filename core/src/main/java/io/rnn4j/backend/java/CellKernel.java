package io.rnn4j.backend.java;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.RnnSpec;

/**
 * The pointwise part of one built-in cell in the fused kernels: what happens at one step
 * after the recurrent GEMM (forward) and before the {@code dG·Uᵀ} GEMM (backward), for all
 * batch rows in one pass. The walk over the rows and the masking rules live here once; a cell
 * writes only the math of one kept row, forward and backward side by side in its class.
 */
abstract class CellKernel {
    /** Keras {@code activation}. */
    final Activation act;
    /** Keras {@code recurrent_activation} (unused by SimpleRNN). */
    final Activation rec;

    CellKernel(RnnSpec spec) {
        this.act = spec.activation();
        this.rec = spec.recurrentActivation();
    }

    static CellKernel of(RnnSpec spec) {
        return switch (spec.cell()) {
            case SIMPLE_RNN -> new SimpleRnnKernel(spec);
            case LSTM -> new LstmKernel(spec);
            case GRU -> spec.resetAfter() ? new GruResetAfterKernel(spec) : new GruResetBeforeKernel(spec);
        };
    }

    /** Step {@code s} of the forward walk: recurrent GEMM over every gate, then one fused pass over the gates. */
    void forwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        q.recurrentProduct(t, 0, q.gates);
        forwardRows(q, s, t);
    }

    /** Step {@code s} of the reverse walk: one fused pass producing dG_t, then the dG_t·Uᵀ GEMM. */
    void backwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        backwardRows(q, s, t);
        q.recurrentBackward(q.ws.dGates, t, 0, q.gates);
    }

    /** After the walk: {@code dU} and {@code db} from the gate gradients of all timesteps. */
    void recurrentGradients(RnnRun q) {
        q.recurrentKernelGradient(q.ws.dGates, 0, q.gates);
        if (q.bias != null) {
            q.biasGradient(q.dGates, 0);
        }
    }

    /**
     * The forward pass over the rows of time index {@code t}: a kept row gets its new state from
     * {@link #forwardRow} and outputs it, a masked row carries its states.
     */
    final void forwardRows(RnnRun q, int s, int t) {
        float[] hNext = q.nextH(s);
        for (int b = 0; b < q.batch; b++) {
            if (!q.keep(b, t)) {
                q.carryMasked(s, b, t);
                continue;
            }
            int d = q.nextStateOffset(s, b);
            forwardRow(q, s, b, q.row(b, t), hNext, d);
            q.emitOutput(s, b, hNext, d);
        }
    }

    /**
     * The backward pass over the rows of time index {@code t}: a kept row gathers the gradient of
     * its new state ({@code dhNew}) and {@link #backwardRow} turns it into gate gradients, dh and
     * dc; a masked row passes dh and dc through.
     */
    final void backwardRows(RnnRun q, int s, int t) {
        for (int b = 0; b < q.batch; b++) {
            if (!q.keep(b, t)) {
                q.passMasked(s, b, t);
                continue;
            }
            q.gatherNewStateGradient(s, b);
            backwardRow(q, b, q.row(b, t));
        }
    }

    /**
     * One kept row's gate math: reads its gate pre-activations ({@code gateBuf} row {@code row},
     * recurrent products row {@code b}), stores what backward needs, writes the new h at
     * {@code hNext[d..]} (and c, for LSTM, at {@code nextC(s)[d..]}).
     */
    abstract void forwardRow(RnnRun q, int s, int b, int row, float[] hNext, int d);

    /** One kept row's adjoint of {@link #forwardRow}: dG (row {@code row}), dh and dc (row {@code b}) from {@code dhNew}. */
    abstract void backwardRow(RnnRun q, int b, int row);
}
