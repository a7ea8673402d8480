package io.rnn4j.backend.java;

import io.rnn4j.Tensor;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

/**
 * Per-(batch, time) memory of the java backend's fused recurrent kernels.
 *
 * <p>Every per-step buffer is laid out like the input {@code x (B, T, I)} viewed as
 * {@code (B*T, F)}: the row of batch element {@code b} at input time index {@code t} is
 * {@code b*T + t}. The input projection is then one GEMM over the whole {@code (B*T, I)} view,
 * {@code dW = Xᵀ·dG} and {@code dU = H_prevᵀ·dG} are one GEMM each over all rows, and the rows of
 * one step are a strided block ({@code ld = T*F}) that the per-step GEMMs address with an offset
 * and a leading dimension. Forward buffers are allocated with the workspace; the gradient buffers
 * on the first backward pass (an inference-only workspace never pays for them). Nothing is
 * allocated inside a time loop.
 */
final class JavaRnnWorkspace implements RnnWorkspace {
    final JavaBackend owner;
    final RnnSpec spec;
    final int batch;
    final int time;

    /** {@code (B*T, G*H)}: the input projection {@code x·W}, overwritten by the post-activation gates. */
    final Tensor gates;
    /** {@code (B*T, H)}: the state h entering each step (the undropped h of the formulas). */
    final Tensor hPrev;
    /** LSTM: {@code (B*T, H)} the cell state c entering each step; else null. */
    final Tensor cPrev;
    /** LSTM: {@code (B*T, H)} {@code a(c')} of each step; else null. */
    final Tensor actC;
    /**
     * GRU: {@code (B*T, H)} per step, with {@code resetAfter} the recurrent part of the candidate
     * {@code hp_h = (h·m_h)·U_h + b_rec_h}, else the reset state {@code r * (h·m_h)} fed to {@code U_h}.
     */
    final Tensor gruAux;
    /** {@code (B, G*H)}: this step's recurrent product {@code h·U}. */
    final Tensor recurrent;
    /** {@code (B, H)}: h times one recurrent-dropout block (forward) / one block of {@code dG_k·U_kᵀ} (backward). */
    final Tensor stepScratch;
    /** {@code (B*T, max(I, H))}: x or H_prev times one dropout block, for the per-gate GEMMs; only with dropout. */
    private Tensor sequenceScratch;

    /** {@code (B*T, G*H)}: gradient of the gate pre-activations on the input side ({@code dW}, {@code dx}, input bias). */
    Tensor dGates;
    /** GRU with {@code resetAfter}: {@code (B*T, 3H)} gradient of the recurrent pre-activations {@code hp}; else null. */
    Tensor dRecurrentGates;
    /** {@code (B, H)}: gradient of the carried state h (then c) of the step being walked. */
    Tensor dh;
    Tensor dc;
    /** {@code (B, H)}: the whole gradient of the new state h of the step being walked (carried + its output's). */
    Tensor dhNew;
    /** {@code (B, H)}: gradient reaching a masked step's copied output, owed to the previous output. */
    Tensor dOutputCarry;

    /**
     * The cell's pointwise kernel and the run bound to this workspace's buffers: made once here,
     * not per call, so a warm call of the kernels allocates nothing (streaming inference calls
     * them once per timestep). Both depend only on the spec and the buffers, fixed for the
     * workspace's life.
     */
    final CellKernel cellKernel;
    final RnnRun run;

    /** The arguments of the last forward run with {@code training == true}, or null. */
    RnnForwardArgs lastTrainingForward;
    private boolean closed;

    JavaRnnWorkspace(JavaBackend owner, RnnSpec spec, int batch, int time) {
        this.owner = owner;
        this.spec = spec;
        this.batch = batch;
        this.time = time;
        int rows = Math.multiplyExact(batch, time);
        int h = spec.units();
        gates = owner.zeros(rows, spec.gateWidth());
        hPrev = owner.zeros(rows, h);
        boolean lstm = spec.cell() == CellType.LSTM;
        cPrev = lstm ? owner.zeros(rows, h) : null;
        actC = lstm ? owner.zeros(rows, h) : null;
        gruAux = spec.cell() == CellType.GRU ? owner.zeros(rows, h) : null;
        recurrent = owner.zeros(batch, spec.gateWidth());
        stepScratch = owner.zeros(batch, h);
        cellKernel = CellKernel.of(spec);
        run = new RnnRun(owner, this);
    }

    /** The dropout scratch, allocated on first use (before or after a time loop, never inside one). */
    Tensor sequenceScratch() {
        if (sequenceScratch == null) {
            sequenceScratch = owner.zeros(batch * time, Math.max(spec.inputSize(), spec.units()));
        }
        return sequenceScratch;
    }

    /** Allocates the gradient buffers once, on the first backward pass. */
    void ensureBackwardBuffers() {
        if (dGates != null) {
            return;
        }
        int rows = batch * time;
        int h = spec.units();
        dGates = owner.zeros(rows, spec.gateWidth());
        dRecurrentGates = spec.resetAfter() ? owner.zeros(rows, spec.gateWidth()) : null;
        dh = owner.zeros(batch, h);
        dc = owner.zeros(batch, h);
        dhNew = owner.zeros(batch, h);
        dOutputCarry = owner.zeros(batch, h);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public int time() {
        return time;
    }

    @Override
    public void close() {
        closed = true;
        lastTrainingForward = null;
        run.unbind();
    }

    @Override
    public String toString() {
        return "JavaRnnWorkspace[" + spec.cell() + ", batch=" + batch + ", time=" + time + "]";
    }
}
