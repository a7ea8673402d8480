package io.rnn4j.simd;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.RnnSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import static io.rnn4j.simd.SimdRnnRun.S;
import static io.rnn4j.simd.SimdRnnRun.VL;
import static io.rnn4j.simd.SimdRnnRun.ld;
import static io.rnn4j.simd.VectorMath.apply;
import static io.rnn4j.simd.VectorMath.derivative;

/**
 * The pointwise part of each built-in cell, vectorized: one pass over a row's gates right after
 * the recurrent GEMM of that row (bias, activations, state update, output, mask) and, backward,
 * one pass producing the gate gradients before the row's {@code dG·Uᵀ} GEMM. Each step method
 * handles batch rows {@code [b0, b1)}; forward and backward of a cell sit side by side, with the
 * same formulas and the same order of terms as the java reference.
 */
final class SimdCells {
    private SimdCells() {
    }

    abstract static class Cell {
        final Activation act;
        final Activation rec;

        Cell(RnnSpec spec) {
            this.act = spec.activation();
            this.rec = spec.recurrentActivation();
        }

        /** Packs the recurrent kernel blocks the forward steps multiply by. */
        void packForward(SimdRnnRun q) {
            q.packForward(0, q.gates);
        }

        /** Packs the transposed blocks the backward steps multiply by. */
        void packBackward(SimdRnnRun q) {
            q.packBackward(0, q.gates);
        }

        abstract void forwardStep(SimdRnnRun q, int s, int b0, int b1);

        abstract void backwardStep(SimdRnnRun q, int s, int b0, int b1);

        /** After the walk: dU and db from the gate gradients of all timesteps. */
        void recurrentGradients(SimdRnnRun q) {
            q.recurrentKernelGradient(q.ws.dGates, 0, q.gates);
            if (q.bias != null) {
                q.biasGradient(q.ws.dGates, 0);
            }
        }
    }

    static Cell of(RnnSpec spec) {
        return switch (spec.cell()) {
            case SIMPLE_RNN -> new SimpleRnn(spec);
            case LSTM -> new Lstm(spec);
            case GRU -> spec.resetAfter() ? new GruResetAfter(spec) : new GruResetBefore(spec);
        };
    }

    private static FloatVector plusBias(FloatVector v, float[] bias, int i, VectorMask<Float> m) {
        return bias == null ? v : v.add(ld(bias, i, m));
    }

    // ------------------------------------------------------------------ SimpleRNN

    /** Keras {@code SimpleRNNCell}: {@code h' = a(x W + b + h U)}. */
    static final class SimpleRnn extends Cell {
        SimpleRnn(RnnSpec spec) {
            super(spec);
        }

        @Override
        void forwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units;
            q.recurrentProduct(t, 0, 1, b0, b1);
            float[] g = q.ws.gates, hu = q.ws.recurrent, bias = q.bias;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.carryMasked(s, b, t);
                    continue;
                }
                int p = q.row(b, t) * n;
                int r = b * n;
                float[] hNext = q.nextH(s);
                int d = q.nextStateOffset(s, b);
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector y = apply(act, plusBias(ld(g, p + j, m), bias, j, m).add(ld(hu, r + j, m)));
                    y.intoArray(g, p + j, m);
                    y.intoArray(hNext, d + j, m);
                }
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units;
            float[] g = q.ws.gates, dG = q.ws.dGates, dh = q.ws.dh;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                int p = q.row(b, t) * n;
                int r = b * n;
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector dhj = q.newStateGradient(s, b, j, m);
                    dhj.mul(derivative(act, ld(g, p + j, m))).intoArray(dG, p + j, m);
                    FloatVector.zero(S).intoArray(dh, r + j, m); // h reaches h' only through h U
                }
            }
            q.recurrentBackward(dG, t, 0, 1, b0, b1);
        }
    }

    // ------------------------------------------------------------------ LSTM

    /** Keras {@code LSTMCell}, gates i, f, c, o: {@code c' = f c + i a(z_c); h' = o a(c')}. */
    static final class Lstm extends Cell {
        Lstm(RnnSpec spec) {
            super(spec);
        }

        @Override
        void forwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            q.recurrentProduct(t, 0, 4, b0, b1);
            float[] g = q.ws.gates, hu = q.ws.recurrent, bias = q.bias, cPrev = q.ws.cPrev, actC = q.ws.actC;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.carryMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int r = b * gw;
                int st = row * n;
                float[] hNext = q.nextH(s), cNext = q.nextC(s);
                int d = q.nextStateOffset(s, b);
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector i = apply(rec, plusBias(ld(g, p + j, m).add(ld(hu, r + j, m)), bias, j, m));
                    FloatVector f = apply(rec, plusBias(ld(g, p + n + j, m).add(ld(hu, r + n + j, m)), bias, n + j, m));
                    FloatVector c = apply(act, plusBias(ld(g, p + 2 * n + j, m).add(ld(hu, r + 2 * n + j, m)), bias, 2 * n + j, m));
                    FloatVector o = apply(rec, plusBias(ld(g, p + 3 * n + j, m).add(ld(hu, r + 3 * n + j, m)), bias, 3 * n + j, m));
                    FloatVector cNew = f.mul(ld(cPrev, st + j, m)).add(i.mul(c));
                    FloatVector ac = apply(act, cNew);
                    i.intoArray(g, p + j, m);
                    f.intoArray(g, p + n + j, m);
                    c.intoArray(g, p + 2 * n + j, m);
                    o.intoArray(g, p + 3 * n + j, m);
                    ac.intoArray(actC, st + j, m);
                    cNew.intoArray(cNext, d + j, m);
                    o.mul(ac).intoArray(hNext, d + j, m);
                }
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, dG = q.ws.dGates, cPrev = q.ws.cPrev, actC = q.ws.actC;
            float[] dh = q.ws.dh, dc = q.ws.dc;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector i = ld(g, p + j, m), f = ld(g, p + n + j, m);
                    FloatVector c = ld(g, p + 2 * n + j, m), o = ld(g, p + 3 * n + j, m);
                    FloatVector ac = ld(actC, st + j, m);
                    FloatVector dhj = q.newStateGradient(s, b, j, m);
                    FloatVector dcTotal = ld(dc, r + j, m).add(dhj.mul(o).mul(derivative(act, ac)));
                    dcTotal.mul(c).mul(derivative(rec, i)).intoArray(dG, p + j, m);
                    dcTotal.mul(ld(cPrev, st + j, m)).mul(derivative(rec, f)).intoArray(dG, p + n + j, m);
                    dcTotal.mul(i).mul(derivative(act, c)).intoArray(dG, p + 2 * n + j, m);
                    dhj.mul(ac).mul(derivative(rec, o)).intoArray(dG, p + 3 * n + j, m);
                    dcTotal.mul(f).intoArray(dc, r + j, m);
                    FloatVector.zero(S).intoArray(dh, r + j, m); // h reaches the step only through h U
                }
            }
            q.recurrentBackward(dG, t, 0, 4, b0, b1);
        }
    }

    // ------------------------------------------------------------------ GRU, reset_after

    /**
     * Keras {@code GRUCell}, {@code reset_after=True}: {@code xp = x W + b_in; hp = h U + b_rec;
     * z = s(xp_z + hp_z); r = s(xp_r + hp_r); hh = a(xp_h + r * hp_h); h' = z h + (1 - z) hh}.
     */
    static final class GruResetAfter extends Cell {
        GruResetAfter(RnnSpec spec) {
            super(spec);
        }

        @Override
        void forwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            q.recurrentProduct(t, 0, 3, b0, b1);
            float[] g = q.ws.gates, hu = q.ws.recurrent, bias = q.bias, hPrev = q.ws.hPrev, aux = q.ws.gruAux;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.carryMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int r = b * gw;
                int st = row * n;
                float[] hNext = q.nextH(s);
                int d = q.nextStateOffset(s, b);
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector xz = plusBias(ld(g, p + j, m), bias, j, m);
                    FloatVector xr = plusBias(ld(g, p + n + j, m), bias, n + j, m);
                    FloatVector xh = plusBias(ld(g, p + 2 * n + j, m), bias, 2 * n + j, m);
                    FloatVector hz = plusBias(ld(hu, r + j, m), bias, gw + j, m);
                    FloatVector hr = plusBias(ld(hu, r + n + j, m), bias, gw + n + j, m);
                    FloatVector hh = plusBias(ld(hu, r + 2 * n + j, m), bias, gw + 2 * n + j, m);
                    FloatVector z = apply(rec, xz.add(hz));
                    FloatVector rr = apply(rec, xr.add(hr));
                    FloatVector cand = apply(act, xh.add(rr.mul(hh)));
                    z.intoArray(g, p + j, m);
                    rr.intoArray(g, p + n + j, m);
                    cand.intoArray(g, p + 2 * n + j, m);
                    hh.intoArray(aux, st + j, m);
                    z.mul(ld(hPrev, st + j, m)).add(FloatVector.broadcast(S, 1f).sub(z).mul(cand)).intoArray(hNext, d + j, m);
                }
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, dG = q.ws.dGates, dGr = q.ws.dRecurrentGates, hPrev = q.ws.hPrev, aux = q.ws.gruAux;
            float[] dh = q.ws.dh;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector z = ld(g, p + j, m), rr = ld(g, p + n + j, m), cand = ld(g, p + 2 * n + j, m);
                    FloatVector dhj = q.newStateGradient(s, b, j, m);
                    FloatVector dz = dhj.mul(ld(hPrev, st + j, m).sub(cand)).mul(derivative(rec, z));
                    FloatVector dCand = dhj.mul(FloatVector.broadcast(S, 1f).sub(z)).mul(derivative(act, cand));
                    FloatVector dr = dCand.mul(ld(aux, st + j, m)).mul(derivative(rec, rr));
                    dz.intoArray(dG, p + j, m);
                    dr.intoArray(dG, p + n + j, m);
                    dCand.intoArray(dG, p + 2 * n + j, m);
                    dz.intoArray(dGr, p + j, m);
                    dr.intoArray(dGr, p + n + j, m);
                    dCand.mul(rr).intoArray(dGr, p + 2 * n + j, m);
                    dhj.mul(z).intoArray(dh, r + j, m); // the direct path z * h
                }
            }
            q.recurrentBackward(dGr, t, 0, 3, b0, b1);
        }

        @Override
        void recurrentGradients(SimdRnnRun q) {
            q.recurrentKernelGradient(q.ws.dRecurrentGates, 0, 3);
            if (q.bias != null) {
                q.biasGradient(q.ws.dGates, 0);
                q.biasGradient(q.ws.dRecurrentGates, q.gateWidth);
            }
        }
    }

    // ------------------------------------------------------------------ GRU, reset_before

    /**
     * Keras {@code GRUCell}, {@code reset_after=False}: {@code xp = x W + b; z = s(xp_z + h U_z);
     * r = s(xp_r + h U_r); hh = a(xp_h + (r h) U_h); h' = z h + (1 - z) hh}. The candidate's GEMM
     * needs r first, so a step is two pointwise passes around it, all on the task's own rows.
     */
    static final class GruResetBefore extends Cell {
        GruResetBefore(RnnSpec spec) {
            super(spec);
        }

        @Override
        void packForward(SimdRnnRun q) {
            q.packForward(0, 2);
            q.packForward(2, 3);
        }

        @Override
        void packBackward(SimdRnnRun q) {
            q.packBackward(0, 2);
            q.packBackward(2, 3);
        }

        @Override
        void forwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            q.recurrentProduct(t, 0, 2, b0, b1);
            float[] g = q.ws.gates, hu = q.ws.recurrent, bias = q.bias, hPrev = q.ws.hPrev, aux = q.ws.gruAux;
            for (int b = b0; b < b1; b++) {
                int row = q.row(b, t);
                int p = row * gw;
                int r = b * gw;
                int st = row * n;
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector z = apply(rec, plusBias(ld(g, p + j, m).add(ld(hu, r + j, m)), bias, j, m));
                    FloatVector rr = apply(rec, plusBias(ld(g, p + n + j, m).add(ld(hu, r + n + j, m)), bias, n + j, m));
                    z.intoArray(g, p + j, m);
                    rr.intoArray(g, p + n + j, m);
                    rr.mul(ld(hPrev, st + j, m)).mul(q.recurrentDrop(b, 2, j, m)).intoArray(aux, st + j, m);
                }
            }
            if (b1 > b0) {
                q.gemm.gemmSerial(b1 - b0, 1f, aux, (b0 * q.time + t) * n, q.time * n, q.ws.forwardPack(2, 3),
                        0f, hu, b0 * gw + 2 * n, gw);
            }
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.carryMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int r = b * gw;
                int st = row * n;
                float[] hNext = q.nextH(s);
                int d = q.nextStateOffset(s, b);
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector z = ld(g, p + j, m);
                    FloatVector cand = apply(act, plusBias(ld(g, p + 2 * n + j, m).add(ld(hu, r + 2 * n + j, m)), bias, 2 * n + j, m));
                    cand.intoArray(g, p + 2 * n + j, m);
                    z.mul(ld(hPrev, st + j, m)).add(FloatVector.broadcast(S, 1f).sub(z).mul(cand)).intoArray(hNext, d + j, m);
                }
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, dG = q.ws.dGates, hPrev = q.ws.hPrev;
            float[] dh = q.ws.dh, dRh = q.ws.stepScratch;
            // Phase 1: update gate and candidate.
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector z = ld(g, p + j, m), cand = ld(g, p + 2 * n + j, m);
                    FloatVector dhj = q.newStateGradient(s, b, j, m);
                    dhj.mul(ld(hPrev, st + j, m).sub(cand)).mul(derivative(rec, z)).intoArray(dG, p + j, m);
                    dhj.mul(FloatVector.broadcast(S, 1f).sub(z)).mul(derivative(act, cand)).intoArray(dG, p + 2 * n + j, m);
                    dhj.mul(z).intoArray(dh, r + j, m); // the direct path z * h
                }
            }
            // d(r * h_h) = dG_h · U_hᵀ for this task's rows
            if (b1 > b0) {
                q.gemm.gemmSerial(b1 - b0, 1f, dG, (b0 * q.time + t) * gw + 2 * n, q.time * gw, q.ws.backwardPack(2, 3),
                        0f, dRh, b0 * n, n);
            }
            // Phase 2: reset gate, and h's path through r * h.
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                for (int j = 0; j < n; j += VL) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector rr = ld(g, p + n + j, m);
                    FloatVector md = q.recurrentDrop(b, 2, j, m);
                    FloatVector drh = ld(dRh, r + j, m);
                    drh.mul(ld(hPrev, st + j, m)).mul(md).mul(derivative(rec, rr)).intoArray(dG, p + n + j, m);
                    ld(dh, r + j, m).add(drh.mul(rr).mul(md)).intoArray(dh, r + j, m);
                }
            }
            q.recurrentBackward(dG, t, 0, 2, b0, b1);
        }

        @Override
        void recurrentGradients(SimdRnnRun q) {
            int n = q.units;
            q.recurrentKernelGradient(q.ws.dGates, 0, 2);
            q.gemm.gemm(true, false, n, n, q.batch * q.time, 1f, q.ws.gruAux, 0, n,
                    q.ws.dGates, 2 * n, q.gateWidth, 1f, (float[]) q.bwd.dRecurrentKernel().storage(), 2 * n, q.gateWidth);
            if (q.bias != null) {
                q.biasGradient(q.ws.dGates, 0);
            }
        }
    }
}
