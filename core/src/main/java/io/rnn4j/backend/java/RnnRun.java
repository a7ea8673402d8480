package io.rnn4j.backend.java;

import io.rnn4j.Tensor;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspaceChecks;

import java.util.Arrays;

/**
 * One fused forward or backward call: the arguments' host arrays bound to a workspace, and the
 * sequence-level pieces every cell shares (the input-side GEMMs over all timesteps, the per-step
 * recurrent GEMMs with per-gate recurrent dropout, the masking rules, the weight-gradient GEMMs
 * after the loop). The cells ({@link CellKernel}) only add their pointwise gate math.
 *
 * <p>Rows: {@code row(b, t) = b*T + t} in every {@code (B*T, F)} buffer (see
 * {@link JavaRnnWorkspace}); step {@code s} reads time index {@code t = goBackwards ? T-1-s : s}.
 *
 * <p>Each workspace owns one run, made with it and re-bound ({@link #bind}) to the arguments of
 * every call, so that a call creates no object (streaming inference calls the kernels once per
 * timestep). {@link #bind} fetches all host arrays (and so ownership-checks them) before anything
 * is written. Each forward piece sits next to its adjoint.
 */
final class RnnRun {
    final JavaBackend be;
    final RnnSpec spec;
    final JavaRnnWorkspace ws;
    final int batch, time, inputSize, units, gates, gateWidth;
    final float[] gateBuf, hPrev, cPrev, actC, gruAux, recurrent, stepScratch;

    // the arguments of the current call, set by bind
    RnnForwardArgs fwd;
    float[] bias;              // null without bias
    float[] mask;              // (B, T) or null
    float[] dropMask;          // (B, G*I) or null
    float[] recurrentDropMask; // (B, G*H) or null
    float[] output;            // (B, T, H)
    float[] finalH;
    float[] finalC;            // LSTM
    boolean goBackwards, zeroOutputForMask;

    // backward only
    RnnBackwardArgs bwd;
    float[] dOutput;           // (B, T, H) or null
    float[] dGates, dRecurrentGates, dh, dc, dhNew, dOutputCarry;

    /** The run of {@code ws}: binds the workspace's own buffers, which live as long as it. */
    RnnRun(JavaBackend be, JavaRnnWorkspace ws) {
        this.be = be;
        this.spec = ws.spec;
        this.ws = ws;
        batch = ws.batch;
        time = ws.time;
        inputSize = spec.inputSize();
        units = spec.units();
        gates = spec.gates();
        gateWidth = spec.gateWidth();
        gateBuf = host(ws.gates);
        hPrev = host(ws.hPrev);
        cPrev = host(ws.cPrev);
        actC = host(ws.actC);
        gruAux = host(ws.gruAux);
        recurrent = host(ws.recurrent);
        stepScratch = host(ws.stepScratch);
    }

    /**
     * Binds the arguments of one call (backward: {@code b} non-null) after checking that this
     * backend owns every tensor; the caller has checked that they fit the workspace's spec, batch
     * and time. Nothing is written before every check has passed.
     */
    RnnRun bind(RnnForwardArgs a, RnnBackwardArgs b) {
        RnnWorkspaceChecks.checkOwned(be, a, b); // every argument, before any write
        this.fwd = a;
        this.bwd = b;
        this.bias = host(a.bias());
        this.mask = host(a.mask());
        this.dropMask = host(a.dropMask());
        this.recurrentDropMask = host(a.recurrentDropMask());
        this.output = host(a.output());
        this.finalH = host(a.finalH());
        this.finalC = host(a.finalC());
        this.dOutput = b == null ? null : host(b.dOutput());
        goBackwards = a.goBackwards();
        zeroOutputForMask = a.zeroOutputForMask();
        return this;
    }

    /** Drops the references to the last call's arguments (the workspace was closed). */
    void unbind() {
        fwd = null;
        bwd = null;
        bias = mask = dropMask = recurrentDropMask = output = finalH = finalC = dOutput = null;
    }

    /** Binds the gradient buffers (allocated once per workspace); call before the backward walk. */
    void bindBackwardBuffers() {
        ws.ensureBackwardBuffers();
        dGates = host(ws.dGates);
        dRecurrentGates = host(ws.dRecurrentGates);
        dh = host(ws.dh);
        dc = host(ws.dc);
        dhNew = host(ws.dhNew);
        dOutputCarry = host(ws.dOutputCarry);
    }

    private static float[] host(Tensor t) {
        return t == null ? null : (float[]) t.storage();
    }

    // ------------------------------------------------------------------ indexing

    /** Input time index read by processing step {@code s}. */
    int timeIndex(int s) {
        return goBackwards ? time - 1 - s : s;
    }

    int row(int b, int t) {
        return b * time + t;
    }

    /** Whether row {@code b} runs the cell at time index {@code t} (else its states are carried). */
    boolean keep(int b, int t) {
        return mask == null || mask[b * time + t] != 0f;
    }

    /** Recurrent-dropout multiplier of gate block {@code k} for unit {@code j} of row {@code b}. */
    float recurrentDrop(int b, int k, int j) {
        return recurrentDropMask == null ? 1f : recurrentDropMask[b * gateWidth + k * units + j];
    }

    /** Array receiving the state h produced by step {@code s}: the next step's h_prev row, or finalH. */
    float[] nextH(int s) {
        return s + 1 < time ? hPrev : finalH;
    }

    float[] nextC(int s) {
        return s + 1 < time ? cPrev : finalC;
    }

    /** Offset in {@link #nextH}/{@link #nextC} of row {@code b}'s state produced by step {@code s}. */
    int nextStateOffset(int s, int b) {
        return s + 1 < time ? row(b, timeIndex(s + 1)) * units : b * units;
    }

    // ------------------------------------------------------------------ states at both ends of the walk

    /** Puts the initial states into the h_prev (and c_prev) rows of step 0. */
    void loadInitialStates() {
        int t0 = timeIndex(0);
        int ld = time * units;
        if (fwd.initialH() != null) {
            be.copy2d(batch, units, fwd.initialH(), 0, units, ws.hPrev, t0 * units, ld);
        } else {
            for (int b = 0; b < batch; b++) {
                Arrays.fill(hPrev, row(b, t0) * units, row(b, t0) * units + units, 0f);
            }
        }
        if (cPrev != null) {
            if (fwd.initialC() != null) {
                be.copy2d(batch, units, fwd.initialC(), 0, units, ws.cPrev, t0 * units, ld);
            } else {
                for (int b = 0; b < batch; b++) {
                    Arrays.fill(cPrev, row(b, t0) * units, row(b, t0) * units + units, 0f);
                }
            }
        }
    }

    /** Writes dInitialH / dInitialC (overwritten) from the gradients left after step 0. */
    void storeInitialStateGradients() {
        if (bwd.dInitialH() != null) {
            System.arraycopy(dh, 0, (float[]) bwd.dInitialH().storage(), 0, batch * units);
        }
        if (bwd.dInitialC() != null) {
            System.arraycopy(dc, 0, (float[]) bwd.dInitialC().storage(), 0, batch * units);
        }
    }

    /** Starts the reverse walk: dh = dFinalH, dc = dFinalC (or zeros), no carried output gradient. */
    void loadFinalStateGradients() {
        copyOrZero(bwd.dFinalH(), dh);
        copyOrZero(bwd.dFinalC(), dc);
        Arrays.fill(dOutputCarry, 0f);
    }

    private void copyOrZero(Tensor src, float[] dst) {
        if (src == null) {
            Arrays.fill(dst, 0f);
        } else {
            System.arraycopy((float[]) src.storage(), 0, dst, 0, dst.length);
        }
    }

    // ------------------------------------------------------------------ input side: one GEMM over all timesteps, forward and backward

    /**
     * The input projection of every timestep: {@code gates = x·W} as one GEMM over the
     * {@code (B*T, I)} view, or with input dropout one GEMM per gate block {@code k} on
     * {@code x * dropMask_k} (block {@code k} of the columns of W and of the gates).
     */
    void inputProjection() {
        int rows = batch * time;
        if (dropMask == null) {
            be.gemm(false, false, rows, gateWidth, inputSize, 1f, fwd.x(), 0, inputSize,
                    fwd.kernel(), 0, gateWidth, 0f, ws.gates, 0, gateWidth);
            return;
        }
        for (int k = 0; k < gates; k++) {
            droppedInput(k);
            be.gemm(false, false, rows, units, inputSize, 1f, ws.sequenceScratch(), 0, inputSize,
                    fwd.kernel(), k * units, gateWidth, 0f, ws.gates, k * units, gateWidth);
        }
    }

    /**
     * The input side after the walk: {@code dW += Xᵀ·dG} and {@code dx = dG·Wᵀ}, one GEMM each
     * over all timesteps; with input dropout one per gate block, {@code dW_k += (x*m_k)ᵀ·dG_k} and
     * {@code dx = sum_k (dG_k·W_kᵀ) * m_k}.
     */
    void inputGradients() {
        int rows = batch * time;
        Tensor dG = ws.dGates;
        if (dropMask == null) {
            be.gemm(true, false, inputSize, gateWidth, rows, 1f, fwd.x(), 0, inputSize,
                    dG, 0, gateWidth, 1f, bwd.dKernel(), 0, gateWidth);
            if (bwd.dx() != null) {
                be.gemm(false, true, rows, inputSize, gateWidth, 1f, dG, 0, gateWidth,
                        fwd.kernel(), 0, gateWidth, 0f, bwd.dx(), 0, inputSize);
            }
            return;
        }
        for (int k = 0; k < gates; k++) {
            droppedInput(k);
            be.gemm(true, false, inputSize, units, rows, 1f, ws.sequenceScratch(), 0, inputSize,
                    dG, k * units, gateWidth, 1f, bwd.dKernel(), k * units, gateWidth);
        }
        if (bwd.dx() == null) {
            return;
        }
        float[] dx = (float[]) bwd.dx().storage();
        float[] scratch = (float[]) ws.sequenceScratch().storage();
        Arrays.fill(dx, 0, rows * inputSize, 0f);
        for (int k = 0; k < gates; k++) {
            be.gemm(false, true, rows, inputSize, units, 1f, dG, k * units, gateWidth,
                    fwd.kernel(), k * units, gateWidth, 0f, ws.sequenceScratch(), 0, inputSize);
            for (int b = 0; b < batch; b++) {
                int m = b * gates * inputSize + k * inputSize;
                for (int t = 0; t < time; t++) {
                    int r = row(b, t) * inputSize;
                    for (int i = 0; i < inputSize; i++) {
                        dx[r + i] += scratch[r + i] * dropMask[m + i];
                    }
                }
            }
        }
    }

    /** {@code sequenceScratch (B*T, I) = x * dropMask_k}, the mask row of b broadcast over time. */
    private void droppedInput(int k) {
        float[] x = (float[]) fwd.x().storage();
        float[] out = (float[]) ws.sequenceScratch().storage();
        for (int b = 0; b < batch; b++) {
            int m = b * gates * inputSize + k * inputSize;
            for (int t = 0; t < time; t++) {
                int r = row(b, t) * inputSize;
                for (int i = 0; i < inputSize; i++) {
                    out[r + i] = x[r + i] * dropMask[m + i];
                }
            }
        }
    }

    // ------------------------------------------------------------------ recurrent side: per-step GEMMs, then dU over all timesteps

    /**
     * {@code recurrent[:, blocks k0..k1) = (h_prev(t) * recurrentDropMask_k) · U_k}: one GEMM on the
     * strided h_prev rows of time index {@code t}, or one per block with recurrent dropout.
     */
    void recurrentProduct(int t, int k0, int k1) {
        int ld = time * units;
        if (recurrentDropMask == null) {
            be.gemm(false, false, batch, (k1 - k0) * units, units, 1f, ws.hPrev, t * units, ld,
                    fwd.recurrentKernel(), k0 * units, gateWidth, 0f, ws.recurrent, k0 * units, gateWidth);
            return;
        }
        for (int k = k0; k < k1; k++) {
            for (int b = 0; b < batch; b++) {
                int src = row(b, t) * units;
                int m = b * gateWidth + k * units;
                for (int j = 0; j < units; j++) {
                    stepScratch[b * units + j] = hPrev[src + j] * recurrentDropMask[m + j];
                }
            }
            be.gemm(false, false, batch, units, units, 1f, ws.stepScratch, 0, units,
                    fwd.recurrentKernel(), k * units, gateWidth, 0f, ws.recurrent, k * units, gateWidth);
        }
    }

    /**
     * {@code dh += sum_k (dG_k(t) · U_kᵀ) * recurrentDropMask_k} over blocks {@code k0..k1}: one
     * GEMM on the strided rows of time index {@code t}, or one per block with recurrent dropout.
     */
    void recurrentBackward(Tensor dG, int t, int k0, int k1) {
        int ld = time * gateWidth;
        if (recurrentDropMask == null) {
            be.gemm(false, true, batch, units, (k1 - k0) * units, 1f, dG, t * gateWidth + k0 * units, ld,
                    fwd.recurrentKernel(), k0 * units, gateWidth, 1f, ws.dh, 0, units);
            return;
        }
        for (int k = k0; k < k1; k++) {
            be.gemm(false, true, batch, units, units, 1f, dG, t * gateWidth + k * units, ld,
                    fwd.recurrentKernel(), k * units, gateWidth, 0f, ws.stepScratch, 0, units);
            for (int b = 0; b < batch; b++) {
                int m = b * gateWidth + k * units;
                for (int j = 0; j < units; j++) {
                    dh[b * units + j] += stepScratch[b * units + j] * recurrentDropMask[m + j];
                }
            }
        }
    }

    /**
     * {@code dU[:, blocks k0..k1) += (H_prev * recurrentDropMask_k)ᵀ · dG_k}: one GEMM over all
     * timesteps, or one per block with recurrent dropout.
     */
    void recurrentKernelGradient(Tensor dG, int k0, int k1) {
        int rows = batch * time;
        if (recurrentDropMask == null) {
            be.gemm(true, false, units, (k1 - k0) * units, rows, 1f, ws.hPrev, 0, units,
                    dG, k0 * units, gateWidth, 1f, bwd.dRecurrentKernel(), k0 * units, gateWidth);
            return;
        }
        float[] scratch = (float[]) ws.sequenceScratch().storage();
        for (int k = k0; k < k1; k++) {
            for (int b = 0; b < batch; b++) {
                int m = b * gateWidth + k * units;
                for (int t = 0; t < time; t++) {
                    int r = row(b, t) * units;
                    for (int j = 0; j < units; j++) {
                        scratch[r + j] = hPrev[r + j] * recurrentDropMask[m + j];
                    }
                }
            }
            be.gemm(true, false, units, units, rows, 1f, ws.sequenceScratch(), 0, units,
                    dG, k * units, gateWidth, 1f, bwd.dRecurrentKernel(), k * units, gateWidth);
        }
    }

    // ------------------------------------------------------------------ per row: outputs and masking

    /** A kept row's output is its new state h. */
    void emitOutput(int s, int b, float[] h, int hOffset) {
        System.arraycopy(h, hOffset, output, (b * time + s) * units, units);
    }

    /**
     * For a kept row of step {@code s}: {@code dhNew[b] = dh[b] + dOutput[b, s] + carry[b]}, the
     * whole gradient of the new state h (the step's output is that h); the carry is consumed.
     */
    void gatherNewStateGradient(int s, int b) {
        int o = b * units;
        int d = (b * time + s) * units;
        for (int j = 0; j < units; j++) {
            float g = dh[o + j] + dOutputCarry[o + j];
            if (dOutput != null) {
                g += dOutput[d + j];
            }
            dhNew[o + j] = g;
            dOutputCarry[o + j] = 0f;
        }
    }

    /**
     * A masked row: states carried unchanged into the next step, output the previous step's
     * output (zeros at step 0) or zeros with {@code zeroOutputForMask}.
     */
    void carryMasked(int s, int b, int t) {
        int src = row(b, t) * units;
        int dst = nextStateOffset(s, b);
        System.arraycopy(hPrev, src, nextH(s), dst, units);
        if (cPrev != null) {
            System.arraycopy(cPrev, src, nextC(s), dst, units);
        }
        int out = (b * time + s) * units;
        if (zeroOutputForMask || s == 0) {
            Arrays.fill(output, out, out + units, 0f);
        } else {
            System.arraycopy(output, out - units, output, out, units);
        }
    }

    /**
     * For a masked row of step {@code s}: no gate gradient; dh and dc pass unchanged to the
     * carried states; the output's gradient goes to the previous step's output (which it copied),
     * unless the output was zeros.
     */
    void passMasked(int s, int b, int t) {
        int g = row(b, t) * gateWidth;
        Arrays.fill(dGates, g, g + gateWidth, 0f);
        if (dRecurrentGates != null) {
            Arrays.fill(dRecurrentGates, g, g + gateWidth, 0f);
        }
        if (!zeroOutputForMask && dOutput != null) {
            int o = b * units;
            int d = (b * time + s) * units;
            for (int j = 0; j < units; j++) {
                dOutputCarry[o + j] += dOutput[d + j];
            }
        }
    }

    // ------------------------------------------------------------------ bias

    /** {@code dBias[offset + c] += sum over all rows of dG[:, c]}, accumulated in double. */
    void biasGradient(float[] dG, int offset) {
        float[] db = (float[]) bwd.dBias().storage();
        double[] acc = new double[gateWidth]; // once per backward call, after the time loop
        for (int r = 0, rows = batch * time; r < rows; r++) {
            int base = r * gateWidth;
            for (int c = 0; c < gateWidth; c++) {
                acc[c] += dG[base + c];
            }
        }
        for (int c = 0; c < gateWidth; c++) {
            db[offset + c] += (float) acc[c];
        }
    }
}
