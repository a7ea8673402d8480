package io.rnn4j.cuda;

import io.rnn4j.Tensor;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

import java.util.HashMap;
import java.util.Map;

/**
 * Whole-sequence SimpleRNN / LSTM / GRU on the device, shaped like cuDNN's RNN API.
 *
 * <p>Layout: every per-step buffer is {@code [B, T, width]} batch-major and indexed by input time
 * {@code t}, like {@code x}; a step is then B rows with leading dimension {@code T * width}. So
 * <ul>
 *   <li>forward: the input projection {@code X W} of all steps is one GEMM over {@code B*T} rows
 *       (one strided-batched GEMM over the gates with per-gate input dropout); each step is one
 *       recurrent GEMM {@code h U} (strided-batched over gates with recurrent dropout) and one fused
 *       kernel (bias, activations, state update, mask, output, next step's dropped state). GRU with
 *       {@code reset_after = false} needs {@code r} before {@code (r h) U_h}: two GEMMs and two
 *       kernels per step.</li>
 *   <li>backward: per step one fused kernel (gate gradients, state gradients, masks) and one
 *       {@code dG U^T} GEMM; after the loop {@code dW += X^T dG}, {@code dU += Hprev^T dG},
 *       {@code dx = dG W^T} are one GEMM each and the bias gradient one column-sum kernel.</li>
 * </ul>
 * {@code hPrev[b, t]} holds the state each step starts from, so {@code Hprev^T dG} needs no copy.
 */
final class CudaRnn {
    private final CudaBackend backend;

    CudaRnn(CudaBackend backend) {
        this.backend = backend;
    }

    /** Device scratch for one (spec, batch, time), allocated lazily once and reused. */
    final class Workspace implements RnnWorkspace {
        final RnnSpec spec;
        final int batch, time;
        private final Map<String, DeviceBuffer> buffers = new HashMap<>();
        /** The arguments of the last training forward pass (what backward may be called with), or null. */
        RnnForwardArgs trained;
        boolean closed;

        Workspace(RnnSpec spec, int batch, int time) {
            this.spec = spec;
            this.batch = batch;
            this.time = time;
        }

        CudaRnn owner() {
            return CudaRnn.this;
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int time() {
            return time;
        }

        DevicePtr buf(String name, long floats) {
            DeviceBuffer b = buffers.get(name);
            if (b == null) {
                b = backend.allocate(floats);
                buffers.put(name, b);
            }
            return new DevicePtr(b, 0);
        }

        /** A B x H buffer of zeros that nothing writes (the zero initial state). */
        DevicePtr zeroState() {
            boolean fresh = !buffers.containsKey("zeroState");
            DevicePtr p = buf("zeroState", (long) batch * spec.units());
            if (fresh) {
                backend.fillRaw(p, batch * spec.units(), 0f);
            }
            return p;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (DeviceBuffer b : buffers.values()) {
                backend.free(b);
            }
            buffers.clear();
        }
    }

    RnnWorkspace workspace(RnnSpec spec, int batch, int time) {
        if (spec == null) {
            throw new IllegalArgumentException("rnnWorkspace: spec must not be null");
        }
        if (batch <= 0 || time <= 0) {
            throw new IllegalArgumentException("rnnWorkspace: batch and time must be positive, got batch=" + batch + ", time=" + time);
        }
        backend.checkOpen();
        return new Workspace(spec, batch, time);
    }

    private Workspace check(RnnSpec spec, RnnWorkspace ws, RnnForwardArgs a, String op) {
        if (!(ws instanceof Workspace w) || w.owner() != this) {
            throw new IllegalArgumentException(op + ": workspace " + ws + " was not made by this cuda backend's rnnWorkspace");
        }
        if (w.closed) {
            throw new IllegalStateException(op + ": workspace was used after close()");
        }
        if (!w.spec.equals(spec) || w.batch != a.batch() || w.time != a.time()) {
            throw new IllegalArgumentException(op + ": workspace was made for " + w.spec + " batch " + w.batch + " time " + w.time
                    + ", called with " + spec + " batch " + a.batch() + " time " + a.time());
        }
        return w;
    }

    private static int act(io.rnn4j.backend.Activation a) {
        return a.ordinal();
    }

    // =================================================================== forward

    void forward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a) {
        if (spec == null || a == null) {
            throw new IllegalArgumentException("rnnForward: spec and args must not be null");
        }
        a.validate(spec);
        Workspace ws = check(spec, workspace, a, "rnnForward");
        final String op = "rnnForward";
        DevicePtr x = backend.ptr(a.x(), op, "x"), w = backend.ptr(a.kernel(), op, "kernel"),
                u = backend.ptr(a.recurrentKernel(), op, "recurrentKernel"), bias = backend.ptrOrNull(a.bias(), op, "bias"),
                h0 = backend.ptrOrNull(a.initialH(), op, "initialH"), c0 = backend.ptrOrNull(a.initialC(), op, "initialC"),
                mask = backend.ptrOrNull(a.mask(), op, "mask"), dm = backend.ptrOrNull(a.dropMask(), op, "dropMask"),
                rdm = backend.ptrOrNull(a.recurrentDropMask(), op, "recurrentDropMask"),
                out = backend.ptr(a.output(), op, "output"), finalH = backend.ptr(a.finalH(), op, "finalH"),
                finalC = backend.ptrOrNull(a.finalC(), op, "finalC");
        Device dev = backend.device();
        final int B = a.batch(), T = a.time(), I = spec.inputSize(), H = spec.units(), G = spec.gates(), GW = spec.gateWidth();
        final CellType cell = spec.cell();
        final boolean rb = cell == CellType.GRU && !spec.resetAfter();
        final int recGates = rb ? 2 : G;
        final int zeroOut = a.zeroOutputForMask() ? 1 : 0;
        final long BT = (long) B * T;

        DevicePtr xp = ws.buf("xp", BT * GW);
        DevicePtr hp = ws.buf("hp", (long) B * GW);
        DevicePtr hPrev = ws.buf("hPrev", BT * H);
        boolean keepSaved = a.training() || rb;
        DevicePtr saved = keepSaved ? ws.buf("saved", BT * GW) : null;
        DevicePtr aux = (cell == CellType.GRU && (a.training() || rb)) ? ws.buf("aux", BT * H) : null;
        DevicePtr cAll = cell == CellType.LSTM ? ws.buf("cAll", BT * H) : null;
        DevicePtr hd = rdm != null ? ws.buf("hd", (long) G * BT * H) : null;
        ws.trained = null; // the stored activations are about to change

        // Input projection of every step: one GEMM, or one strided-batched GEMM over the dropped inputs.
        if (dm == null) {
            backend.gemmRowMajor(false, false, (int) BT, GW, I, 1f, x, I, w, GW, 0f, xp, GW);
        } else {
            DevicePtr xd = ws.buf("xd", (long) G * BT * I);
            dev.launch(Kernel.INPUT_DROPOUT, (long) G * BT * I, B, T, I, G, x, dm, xd);
            backend.gemmRowMajorBatched(false, false, (int) BT, H, I, 1f, xd, I, BT * I, w, GW, H, 0f, xp, GW, H, G);
        }

        int t0 = time(a, 0, T);
        if (h0 != null) {
            backend.copy2dRaw(B, H, h0, H, hPrev.plus((long) t0 * H), T * H);
        } else {
            backend.copy2dRaw(B, H, ws.zeroState(), H, hPrev.plus((long) t0 * H), T * H);
        }
        if (rdm != null) {
            dev.launch(Kernel.STATE_DROPOUT, (long) B * H, B, H, G, hPrev.plus((long) t0 * H), T * H, rdm, GW,
                    hd.plus((long) t0 * H), (int) (BT * H), T * H);
        }
        DevicePtr cInit = cell == CellType.LSTM ? (c0 != null ? c0 : ws.zeroState()) : null;

        for (int s = 0; s < T; s++) {
            int t = time(a, s, T);
            boolean last = s == T - 1;
            int tn = last ? -1 : time(a, s + 1, T);
            DevicePtr hIn = hPrev.plus((long) t * H);
            DevicePtr xpT = xp.plus((long) t * GW);
            DevicePtr maskT = mask != null ? mask.plus(t) : null;
            DevicePtr outPrev = s == 0 ? null : out.plus((long) (s - 1) * H);
            DevicePtr outS = out.plus((long) s * H);
            DevicePtr hNext = last ? finalH : hPrev.plus((long) tn * H);
            int ldhn = last ? H : T * H;
            DevicePtr hdNext = (rdm != null && !last) ? hd.plus((long) tn * H) : null;
            DevicePtr savedT = saved != null ? saved.plus((long) t * GW) : null;

            // Recurrent GEMM: hp = h U (per gate with recurrent dropout).
            int width = rb ? 2 * H : GW;
            if (rdm == null) {
                backend.gemmRowMajor(false, false, B, width, H, 1f, hIn, T * H, u, GW, 0f, hp, width);
            } else {
                backend.gemmRowMajorBatched(false, false, B, H, H, 1f, hd.plus((long) t * H), T * H, BT * H,
                        u, GW, H, 0f, hp, width, H, recGates);
            }
            switch (cell) {
                case SIMPLE_RNN -> dev.launch(Kernel.SIMPLE_FORWARD, (long) B * H, B, H, act(spec.activation()), zeroOut,
                        xpT, T * GW, hp, bias, maskT, T, hIn, T * H, outPrev, T * H, savedT, T * GW,
                        hNext, ldhn, outS, rdm, GW, hdNext, (int) (BT * H), T * H);
                case LSTM -> {
                    DevicePtr cPrev = s == 0 ? cInit : cAll.plus((long) time(a, s - 1, T) * H);
                    int ldcp = s == 0 ? H : T * H;
                    dev.launch(Kernel.LSTM_FORWARD, (long) B * H, B, H, act(spec.activation()), act(spec.recurrentActivation()), zeroOut,
                            xpT, T * GW, hp, bias, maskT, T, hIn, T * H, cPrev, ldcp, outPrev, T * H, savedT, T * GW,
                            hNext, ldhn, cAll.plus((long) t * H), T * H, outS, rdm, GW, hdNext, (int) (BT * H), T * H);
                }
                case GRU -> {
                    if (!rb) {
                        DevicePtr hn = aux != null ? aux.plus((long) t * H) : null;
                        dev.launch(Kernel.GRU_FORWARD, (long) B * H, B, H, act(spec.activation()), act(spec.recurrentActivation()), zeroOut,
                                xpT, T * GW, hp, bias, maskT, T, hIn, T * H, outPrev, T * H, savedT, T * GW, hn, T * H,
                                hNext, ldhn, outS, rdm, GW, hdNext, (int) (BT * H), T * H);
                    } else {
                        DevicePtr rh = aux.plus((long) t * H);
                        DevicePtr hph = hp.plus(2L * B * H);
                        dev.launch(Kernel.GRU_RB_FORWARD_ZR, (long) B * H, B, H, act(spec.recurrentActivation()),
                                xpT, T * GW, hp, bias, hIn, T * H, rdm, GW, savedT, T * GW, rh, T * H);
                        backend.gemmRowMajor(false, false, B, H, H, 1f, rh, T * H, u.plus(2L * H), GW, 0f, hph, H);
                        dev.launch(Kernel.GRU_RB_FORWARD_H, (long) B * H, B, H, act(spec.activation()), zeroOut,
                                xpT, T * GW, hph, bias, maskT, T, hIn, T * H, outPrev, T * H, savedT, T * GW,
                                hNext, ldhn, outS, rdm, GW, hdNext, (int) (BT * H), T * H);
                    }
                }
            }
        }
        if (cell == CellType.LSTM) {
            backend.copy2dRaw(B, H, cAll.plus((long) time(a, T - 1, T) * H), T * H, finalC, H);
        }
        ws.trained = a.training() ? a : null;
    }

    /** What the backward pass reads from the forward arguments must be what the forward pass used. */
    private static boolean sameInputs(RnnForwardArgs a, RnnForwardArgs b) {
        return a.x() == b.x() && a.kernel() == b.kernel() && a.recurrentKernel() == b.recurrentKernel()
                && a.bias() == b.bias() && a.initialH() == b.initialH() && a.initialC() == b.initialC()
                && a.mask() == b.mask() && a.dropMask() == b.dropMask() && a.recurrentDropMask() == b.recurrentDropMask()
                && a.goBackwards() == b.goBackwards() && a.zeroOutputForMask() == b.zeroOutputForMask();
    }

    /** Input time index of processing step s. */
    private static int time(RnnForwardArgs a, int s, int T) {
        return a.goBackwards() ? T - 1 - s : s;
    }

    // =================================================================== backward

    void backward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs a, RnnBackwardArgs g) {
        if (spec == null || a == null || g == null) {
            throw new IllegalArgumentException("rnnBackward: spec and args must not be null");
        }
        a.validate(spec);
        g.validate(spec, a);
        Workspace ws = check(spec, workspace, a, "rnnBackward");
        if (ws.trained == null) {
            throw new IllegalStateException("rnnBackward: the workspace holds no training forward pass (run rnnForward with training=true first)");
        }
        if (!sameInputs(ws.trained, a)) {
            throw new IllegalArgumentException("rnnBackward: the workspace holds a training forward pass of other inputs, weights,"
                    + " masks or options; run rnnForward with training=true on these arguments first");
        }
        final String op = "rnnBackward";
        DevicePtr x = backend.ptr(a.x(), op, "x"), w = backend.ptr(a.kernel(), op, "kernel"),
                u = backend.ptr(a.recurrentKernel(), op, "recurrentKernel"),
                c0 = backend.ptrOrNull(a.initialC(), op, "initialC"),
                mask = backend.ptrOrNull(a.mask(), op, "mask"), dm = backend.ptrOrNull(a.dropMask(), op, "dropMask"),
                rdm = backend.ptrOrNull(a.recurrentDropMask(), op, "recurrentDropMask"),
                dOut = backend.ptrOrNull(g.dOutput(), op, "dOutput"), dFinalH = backend.ptrOrNull(g.dFinalH(), op, "dFinalH"),
                dFinalC = backend.ptrOrNull(g.dFinalC(), op, "dFinalC"), dx = backend.ptrOrNull(g.dx(), op, "dx"),
                dH0 = backend.ptrOrNull(g.dInitialH(), op, "dInitialH"), dC0 = backend.ptrOrNull(g.dInitialC(), op, "dInitialC"),
                dW = backend.ptr(g.dKernel(), op, "dKernel"), dU = backend.ptr(g.dRecurrentKernel(), op, "dRecurrentKernel"),
                dBias = backend.ptrOrNull(g.dBias(), op, "dBias");
        Device dev = backend.device();
        final int B = a.batch(), T = a.time(), I = spec.inputSize(), H = spec.units(), G = spec.gates(), GW = spec.gateWidth();
        final CellType cell = spec.cell();
        final boolean rb = cell == CellType.GRU && !spec.resetAfter();
        final boolean ra = cell == CellType.GRU && spec.resetAfter();
        final int recGates = rb ? 2 : G;
        final int zeroOut = a.zeroOutputForMask() ? 1 : 0;
        final long BT = (long) B * T;
        final int BH = B * H;

        DevicePtr hPrev = ws.buf("hPrev", BT * H), saved = ws.buf("saved", BT * GW);
        DevicePtr aux = cell == CellType.GRU ? ws.buf("aux", BT * H) : null;
        DevicePtr cAll = cell == CellType.LSTM ? ws.buf("cAll", BT * H) : null;
        DevicePtr dG = ws.buf("dG", BT * GW);
        DevicePtr dGr = ra ? ws.buf("dGr", BT * GW) : dG;
        DevicePtr dh = ws.buf("dh", BH);
        DevicePtr dc = cell == CellType.LSTM ? ws.buf("dc", BH) : null;
        DevicePtr carry = (mask != null && zeroOut == 0) ? ws.buf("carry", BH) : null;
        DevicePtr dhRec = rdm != null ? ws.buf("dhRec", (long) recGates * BH) : null;
        DevicePtr drh = rb ? ws.buf("drh", BH) : null;

        if (dFinalH != null) {
            dev.copyDeviceToDevice(dFinalH, dh, BH);
        } else {
            backend.fillRaw(dh, BH, 0f);
        }
        if (dc != null) {
            if (dFinalC != null) {
                dev.copyDeviceToDevice(dFinalC, dc, BH);
            } else {
                backend.fillRaw(dc, BH, 0f);
            }
        }
        if (carry != null) {
            backend.fillRaw(carry, BH, 0f);
        }
        DevicePtr cInit = cell == CellType.LSTM ? (c0 != null ? c0 : ws.zeroState()) : null;

        for (int s = T - 1; s >= 0; s--) {
            int t = time(a, s, T);
            DevicePtr hIn = hPrev.plus((long) t * H);
            DevicePtr maskT = mask != null ? mask.plus(t) : null;
            DevicePtr dOutS = dOut != null ? dOut.plus((long) s * H) : null;
            DevicePtr savedT = saved.plus((long) t * GW);
            DevicePtr dGt = dG.plus((long) t * GW), dGrt = dGr.plus((long) t * GW);
            DevicePtr rec = (rdm != null && s < T - 1) ? dhRec : null;
            switch (cell) {
                case SIMPLE_RNN -> dev.launch(Kernel.SIMPLE_BACKWARD, BH, B, H, act(spec.activation()), zeroOut,
                        savedT, T * GW, maskT, T, dOutS, T * H, carry, dh, rec, recGates, rdm, GW, dGt, T * GW);
                case LSTM -> {
                    DevicePtr cPrev = s == 0 ? cInit : cAll.plus((long) time(a, s - 1, T) * H);
                    int ldcp = s == 0 ? H : T * H;
                    dev.launch(Kernel.LSTM_BACKWARD, BH, B, H, act(spec.activation()), act(spec.recurrentActivation()), zeroOut,
                            savedT, T * GW, cPrev, ldcp, cAll.plus((long) t * H), T * H, maskT, T, dOutS, T * H,
                            carry, dh, rec, recGates, rdm, GW, dc, dGt, T * GW);
                }
                case GRU -> {
                    if (ra) {
                        dev.launch(Kernel.GRU_BACKWARD, BH, B, H, act(spec.activation()), act(spec.recurrentActivation()), zeroOut,
                                savedT, T * GW, aux.plus((long) t * H), T * H, hIn, T * H, maskT, T, dOutS, T * H,
                                carry, dh, rec, recGates, rdm, GW, dGt, T * GW, dGrt, T * GW);
                    } else {
                        dev.launch(Kernel.GRU_RB_BACKWARD_ZH, BH, B, H, act(spec.activation()), act(spec.recurrentActivation()), zeroOut,
                                savedT, T * GW, hIn, T * H, maskT, T, dOutS, T * H, carry, dh, rec, recGates, rdm, GW, dGt, T * GW);
                        // d(r h) = dhh U_h^T, then dr and the r-path of dh.
                        backend.gemmRowMajor(false, true, B, H, H, 1f, dGt.plus(2L * H), T * GW, u.plus(2L * H), GW, 0f, drh, H);
                        dev.launch(Kernel.GRU_RB_BACKWARD_R, BH, B, H, act(spec.recurrentActivation()),
                                savedT, T * GW, hIn, T * H, maskT, T, drh, rdm, GW, dh, dGt, T * GW);
                    }
                }
            }
            // dh_{s-1} += dG U^T over the gates whose GEMM took h (z, r only for reset_after=false).
            int width = rb ? 2 * H : GW;
            if (rdm == null) {
                backend.gemmRowMajor(false, true, B, H, width, 1f, dGrt, T * GW, u, GW, 1f, dh, H);
            } else {
                backend.gemmRowMajorBatched(false, true, B, H, H, 1f, dGrt, T * GW, H, u, GW, H, 0f, dhRec, H, BH, recGates);
            }
        }
        if (rdm != null) {
            dev.launch(Kernel.STATE_DROPOUT_BACKWARD, BH, B, H, recGates, dhRec, rdm, GW, dh);
        }
        if (dH0 != null) {
            dev.copyDeviceToDevice(dh, dH0, BH);
        }
        if (dC0 != null) {
            dev.copyDeviceToDevice(dc, dC0, BH);
        }

        // Weight gradients: one GEMM each over all B*T rows (accumulated, beta = 1).
        if (dm == null) {
            backend.gemmRowMajor(true, false, I, GW, (int) BT, 1f, x, I, dG, GW, 1f, dW, GW);
        } else {
            DevicePtr xd = ws.buf("xd", (long) G * BT * I);
            backend.gemmRowMajorBatched(true, false, I, H, (int) BT, 1f, xd, I, BT * I, dG, GW, H, 1f, dW, GW, H, G);
        }
        int recWidth = rb ? 2 * H : GW;
        if (rdm == null) {
            backend.gemmRowMajor(true, false, H, recWidth, (int) BT, 1f, hPrev, H, dGr, GW, 1f, dU, GW);
        } else {
            DevicePtr hd = ws.buf("hd", (long) G * BT * H);
            backend.gemmRowMajorBatched(true, false, H, H, (int) BT, 1f, hd, H, BT * H, dGr, GW, H, 1f, dU, GW, H, recGates);
        }
        if (rb) {
            backend.gemmRowMajor(true, false, H, H, (int) BT, 1f, aux, H, dG.plus(2L * H), GW, 1f, dU.plus(2L * H), GW);
        }
        if (dBias != null) {
            dev.launch(Kernel.SUM_ROWS, GW, (int) BT, GW, dG, 1f, dBias);
            if (ra) {
                dev.launch(Kernel.SUM_ROWS, GW, (int) BT, GW, dGr, 1f, dBias.plus(GW));
            }
        }
        if (dx != null) {
            if (dm == null) {
                backend.gemmRowMajor(false, true, (int) BT, I, GW, 1f, dG, GW, w, GW, 0f, dx, I);
            } else {
                DevicePtr dxd = ws.buf("dxd", (long) G * BT * I);
                backend.gemmRowMajorBatched(false, true, (int) BT, I, H, 1f, dG, GW, H, w, GW, H, 0f, dxd, I, BT * I, G);
                dev.launch(Kernel.INPUT_DROPOUT_BACKWARD, BT * I, B, T, I, G, dxd, dm, dx);
            }
        }
    }
}
