package io.rnn4j.simd;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.RnnSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import static io.rnn4j.simd.SimdRnnRun.S;
import static io.rnn4j.simd.SimdRnnRun.VL;
import static io.rnn4j.simd.VectorMath.apply;
import static io.rnn4j.simd.VectorMath.derivative;

/**
 * The pointwise part of each built-in cell, vectorized: right after the recurrent GEMM of a
 * task's rows, a few passes over each row's gates while they are in L1 (pre-activation with
 * bias, activations, state update, output, mask) and, backward, the gate gradients before the
 * rows' {@code dG·Uᵀ} GEMM. Forward and backward of a cell sit side by side, with the formulas
 * and order of terms of the java reference, except that under {@link SimdRnnRun#stackedStep}
 * LSTM and SimpleRNN take {@code x·W + h·U} from one product, one sum over {@code I + H} terms.
 *
 * <p>Activations go through the array loops of {@link VectorMath} (one call per gate block and
 * row) rather than being inlined here: a method holding five inlined exp polynomials is one C2
 * gives up inlining into, and every vector crossing a call it did not inline is boxed on the heap.
 */
final class SimdCells {
    private SimdCells() {
    }

    abstract static class Cell {
        final Activation act;
        final Activation rec;
        /** Keras' default activations (sigmoid gates, tanh candidate or cell): LSTM and GRU run a fused backward row. */
        final boolean keras;

        Cell(RnnSpec spec) {
            this.act = spec.activation();
            this.rec = spec.recurrentActivation();
            this.keras = rec == Activation.SIGMOID && act == Activation.TANH;
        }

        /** Packs the recurrent kernel blocks the forward steps multiply by. */
        void packForward(SimdRnnRun q) {
            q.packForward(0, q.gates);
        }

        /** Packs the transposed blocks the backward steps multiply by. */
        void packBackward(SimdRnnRun q) {
            q.packBackward(0, q.gates);
        }

        /**
         * Whether the pointwise pass takes {@code x·W + h·U} of every gate whole, so a step may
         * compute it as one product on {@code [W; U]} ({@link SimdRnnRun#stackedStep}). GRU
         * keeps {@code h·U} apart for the candidate.
         */
        boolean stacksProducts() {
            return false;
        }

        /** Gate blocks {@code [0, n)} of the step's first recurrent product {@code h·U}. */
        int forwardBlocks(SimdRnnRun q) {
            return q.gates;
        }

        /** Gate blocks {@code [0, n)} of dG whose step rows multiply Uᵀ at the end of a backward step. */
        int backwardBlocks(SimdRnnRun q) {
            return q.gates;
        }

        /**
         * Columns {@code [c0, c1)} of that product for step {@code t} (batch below MR rows, the
         * product split by columns across the team after the step).
         */
        void backwardColumns(SimdRnnRun q, int t, int c0, int c1) {
            q.recurrentBackwardColumns(q.ws.dGates, q.gateWidth, 0, t, 0, backwardBlocks(q), c0, c1);
        }

        /** Step {@code s} for batch rows {@code [b0, b1)}: their recurrent product, then their pointwise pass. */
        abstract void forwardStep(SimdRnnRun q, int s, int b0, int b1);

        /** Whether the pointwise pass is per unit, so a step may be cut by unit ranges ({@link #forwardUnits}). */
        boolean splitsUnits() {
            return false;
        }

        /**
         * Step {@code s} for units {@code [u0, u1)} of every row: those units' columns of every
         * gate block of the recurrent product, then their pointwise pass. Only where
         * {@link #splitsUnits}.
         */
        void forwardUnits(SimdRnnRun q, int s, int u0, int u1) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " does not split a step by units");
        }

        abstract void backwardStep(SimdRnnRun q, int s, int b0, int b1);

        /**
         * After the walk: dU from the gate gradients of all timesteps, and with dU the blocks of
         * dW that share its product's dG ({@code inputGradients} does the rest); db from the
         * batch rows' partial sums the walk made ({@link SimdRnnRun#addBiasRow}).
         */
        void recurrentGradients(SimdRnnRun q) {
            q.recurrentKernelGradientWithInput(q.gates); // dU, and dW with it
            q.biasGradient(0, q.gateWidth, 0);
        }
    }

    static Cell of(RnnSpec spec) {
        return switch (spec.cell()) {
            case SIMPLE_RNN -> new SimpleRnn(spec);
            case LSTM -> new Lstm(spec);
            case GRU -> spec.resetAfter() ? new GruResetAfter(spec) : new GruResetBefore(spec);
        };
    }

    // ------------------------------------------------------------------ row loops

    /** {@code out = (a + b) + bias} over {@code n} (bias may be null; out may alias a). */
    static void addBias(float[] a, int ao, float[] b, int bo, float[] bias, int biasOff, float[] out, int oo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector v = FloatVector.fromArray(S, a, ao + j).add(FloatVector.fromArray(S, b, bo + j));
            if (bias != null) {
                v = v.add(FloatVector.fromArray(S, bias, biasOff + j));
            }
            v.intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector v = FloatVector.fromArray(S, a, ao + j, m).add(FloatVector.fromArray(S, b, bo + j, m));
            if (bias != null) {
                v = v.add(FloatVector.fromArray(S, bias, biasOff + j, m));
            }
            v.intoArray(out, oo + j, m);
        }
    }

    /**
     * {@code out = (a + bias[j]) + (b + bias[recurrent + j])} over {@code n}: the GRU's
     * {@code xp + hp} for z and r in one pass, with the terms and order of the two bias adds and
     * the sum done one after the other (bias may be null: {@code a + b}).
     */
    static void sumOfBiased(float[] a, int ao, float[] b, int bo, float[] bias, int recurrent, float[] out, int oo, int n) {
        if (bias == null) {
            addBias(a, ao, b, bo, null, 0, out, oo, n);
            return;
        }
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector x = FloatVector.fromArray(S, a, ao + j).add(FloatVector.fromArray(S, bias, j));
            FloatVector h = FloatVector.fromArray(S, b, bo + j).add(FloatVector.fromArray(S, bias, recurrent + j));
            x.add(h).intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector x = FloatVector.fromArray(S, a, ao + j, m).add(FloatVector.fromArray(S, bias, j, m));
            FloatVector h = FloatVector.fromArray(S, b, bo + j, m).add(FloatVector.fromArray(S, bias, recurrent + j, m));
            x.add(h).intoArray(out, oo + j, m);
        }
    }

    /** {@code out = a + bias} over {@code n} (in place allowed). */
    static void plusBias(float[] a, int ao, float[] bias, int biasOff, float[] out, int oo, int n) {
        if (bias == null) {
            if (a != out || ao != oo) {
                System.arraycopy(a, ao, out, oo, n);
            }
            return;
        }
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, a, ao + j).add(FloatVector.fromArray(S, bias, biasOff + j)).intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, a, ao + j, m).add(FloatVector.fromArray(S, bias, biasOff + j, m)).intoArray(out, oo + j, m);
        }
    }

    /**
     * {@code h' = z h + (1 - z) cand} (GRU state update), and one float per vector iteration of
     * each of {@code t1}, {@code t2}, {@code t3} from their offsets touched: the rows of the row
     * computed next that are cold, so their misses overlap this pass ({@link Prefetch}).
     */
    static void gruUpdate(float[] z, int zo, float[] h, int ho, float[] cand, int co, float[] out, int oo, int n,
                          float[] t1, int o1, float[] t2, int o2, float[] t3, int o3) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        float touched = 0f;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            touched += t1[o1 + j] + t2[o2 + j] + t3[o3 + j];
            FloatVector zv = FloatVector.fromArray(S, z, zo + j);
            zv.mul(FloatVector.fromArray(S, h, ho + j)).add(one.sub(zv).mul(FloatVector.fromArray(S, cand, co + j))).intoArray(out, oo + j);
        }
        Prefetch.keep(touched);
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector zv = FloatVector.fromArray(S, z, zo + j, m);
            zv.mul(FloatVector.fromArray(S, h, ho + j, m)).add(one.sub(zv).mul(FloatVector.fromArray(S, cand, co + j, m))).intoArray(out, oo + j, m);
        }
    }

    /**
     * GRU's state update of row {@code b} of step {@code s} (time index {@code t}, gates from
     * {@code p}, state from {@code st}) into {@code hNext[d..]} ({@link #gruUpdate}), touching
     * the cold rows (h', hp_h, output) of the row computed after it, {@code b + 1} ({@code b}
     * itself after a chunk's last row {@code b1 - 1}): one thread, against a burst over them
     * before the row (itself 0.96-0.98x of none), GRU 64x100x128x256 training took 0.97-0.99x
     * the time, inference 0.96-0.985x.
     */
    static void gruUpdateRow(SimdRnnRun q, int s, int t, int b, int b1, int p, int st, float[] hNext, int d) {
        int n = q.units, nb = b + 1 < b1 ? b + 1 : b;
        float[] g = q.ws.gates;
        gruUpdate(g, p, q.ws.hPrev, st, g, p + 2 * n, hNext, d, n,
                hNext, q.nextStateOffset(s, nb), q.ws.gruAux, q.stateRow(nb, t) * n, q.output, q.outputOffset(s, nb));
    }

    /**
     * The batch row a thread's backward walk computes after row {@code b} of its rows
     * {@code [b0, b1)}: {@code b + 1}, or after the last one the next step's first,
     * {@code b0} (of step {@link #nextRowStep}).
     */
    static int nextRow(int b, int b0, int b1) {
        return b + 1 < b1 ? b + 1 : b0;
    }

    /** The step of {@link #nextRow}: {@code s}, or {@code s - 1} after the last row (at step 0, where no step follows, {@code s}). */
    static int nextRowStep(int s, int b, int b1) {
        return b + 1 < b1 || s == 0 ? s : s - 1;
    }

    /** {@code out = a * b} over {@code n}. */
    static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, a, ao + j).mul(FloatVector.fromArray(S, b, bo + j)).intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, a, ao + j, m).mul(FloatVector.fromArray(S, b, bo + j, m)).intoArray(out, oo + j, m);
        }
    }

    // Backward rows are chains of these tiny loops rather than one loop per cell: a long loop of
    // vector code is one C1 cannot compile ("out of virtual registers"), and a method C1 cannot
    // compile may never be promoted to C2, leaving it on the Vector API's boxing fallback.

    /** {@code out = (a * b) * c} over {@code n}. */
    static void mul3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] out, int oo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, a, ao + j).mul(FloatVector.fromArray(S, b, bo + j))
                    .mul(FloatVector.fromArray(S, c, co + j)).intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, a, ao + j, m).mul(FloatVector.fromArray(S, b, bo + j, m))
                    .mul(FloatVector.fromArray(S, c, co + j, m)).intoArray(out, oo + j, m);
        }
    }

    /** {@code acc = acc + (a * b) * c} over {@code n}. */
    static void addMul3(float[] acc, int acco, float[] a, int ao, float[] b, int bo, float[] c, int co, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, acc, acco + j)
                    .add(FloatVector.fromArray(S, a, ao + j).mul(FloatVector.fromArray(S, b, bo + j))
                            .mul(FloatVector.fromArray(S, c, co + j)))
                    .intoArray(acc, acco + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, acc, acco + j, m)
                    .add(FloatVector.fromArray(S, a, ao + j, m).mul(FloatVector.fromArray(S, b, bo + j, m))
                            .mul(FloatVector.fromArray(S, c, co + j, m)))
                    .intoArray(acc, acco + j, m);
        }
    }

    /** {@code acc = acc + a * b} over {@code n}. */
    static void addMul(float[] acc, int acco, float[] a, int ao, float[] b, int bo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, acc, acco + j)
                    .add(FloatVector.fromArray(S, a, ao + j).mul(FloatVector.fromArray(S, b, bo + j)))
                    .intoArray(acc, acco + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, acc, acco + j, m)
                    .add(FloatVector.fromArray(S, a, ao + j, m).mul(FloatVector.fromArray(S, b, bo + j, m)))
                    .intoArray(acc, acco + j, m);
        }
    }

    /** {@code out = (a * (b - c)) * d} over {@code n}. */
    static void mulDiff3(float[] a, int ao, float[] b, int bo, float[] c, int co, float[] d, int dof, float[] out, int oo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, a, ao + j)
                    .mul(FloatVector.fromArray(S, b, bo + j).sub(FloatVector.fromArray(S, c, co + j)))
                    .mul(FloatVector.fromArray(S, d, dof + j)).intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, a, ao + j, m)
                    .mul(FloatVector.fromArray(S, b, bo + j, m).sub(FloatVector.fromArray(S, c, co + j, m)))
                    .mul(FloatVector.fromArray(S, d, dof + j, m)).intoArray(out, oo + j, m);
        }
    }

    /** {@code out = (a * (1 - z)) * d} over {@code n}. */
    static void mulOneMinus3(float[] a, int ao, float[] z, int zo, float[] d, int dof, float[] out, int oo, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, a, ao + j).mul(one.sub(FloatVector.fromArray(S, z, zo + j)))
                    .mul(FloatVector.fromArray(S, d, dof + j)).intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, a, ao + j, m).mul(one.sub(FloatVector.fromArray(S, z, zo + j, m)))
                    .mul(FloatVector.fromArray(S, d, dof + j, m)).intoArray(out, oo + j, m);
        }
    }

    /** {@code out = a + r * h} over {@code n}. */
    static void addProduct(float[] a, int ao, float[] r, int ro, float[] h, int ho, float[] out, int oo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, a, ao + j)
                    .add(FloatVector.fromArray(S, r, ro + j).mul(FloatVector.fromArray(S, h, ho + j)))
                    .intoArray(out, oo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, a, ao + j, m)
                    .add(FloatVector.fromArray(S, r, ro + j, m).mul(FloatVector.fromArray(S, h, ho + j, m)))
                    .intoArray(out, oo + j, m);
        }
    }

    /**
     * The GRU's candidate sum with both biases in one pass over {@code n}: {@code hp = hu + bias[bRec + j]}
     * (stored in {@code aux}, kept for backward) and {@code x = (x + bias[bIn + j]) + r * hp} in
     * place, the operations and order of {@link #plusBias} twice and then {@link #addProduct}.
     */
    static void biasedCandidate(float[] x, int xo, float[] hu, int ho, float[] bias, int bIn, int bRec,
                                float[] r, int ro, float[] aux, int ao, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector hp = FloatVector.fromArray(S, hu, ho + j).add(FloatVector.fromArray(S, bias, bRec + j));
            hp.intoArray(aux, ao + j);
            FloatVector.fromArray(S, x, xo + j).add(FloatVector.fromArray(S, bias, bIn + j))
                    .add(FloatVector.fromArray(S, r, ro + j).mul(hp)).intoArray(x, xo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector hp = FloatVector.fromArray(S, hu, ho + j, m).add(FloatVector.fromArray(S, bias, bRec + j, m));
            hp.intoArray(aux, ao + j, m);
            FloatVector.fromArray(S, x, xo + j, m).add(FloatVector.fromArray(S, bias, bIn + j, m))
                    .add(FloatVector.fromArray(S, r, ro + j, m).mul(hp)).intoArray(x, xo + j, m);
        }
    }

    /** LSTM {@code c' = f c + i g} over {@code w} units from the activated gates at {@code g[p..]} (i, f, g blocks {@code n} apart). */
    static void lstmState(float[] g, int p, int n, int w, float[] cPrev, int st, float[] cNext, int d) {
        int j = 0;
        for (int bound = S.loopBound(w); j < bound; j += VL) {
            FloatVector i = FloatVector.fromArray(S, g, p + j);
            FloatVector f = FloatVector.fromArray(S, g, p + n + j);
            FloatVector c = FloatVector.fromArray(S, g, p + 2 * n + j);
            f.mul(FloatVector.fromArray(S, cPrev, st + j)).add(i.mul(c)).intoArray(cNext, d + j);
        }
        if (j < w) {
            VectorMask<Float> m = S.indexInRange(j, w);
            FloatVector i = FloatVector.fromArray(S, g, p + j, m);
            FloatVector f = FloatVector.fromArray(S, g, p + n + j, m);
            FloatVector c = FloatVector.fromArray(S, g, p + 2 * n + j, m);
            f.mul(FloatVector.fromArray(S, cPrev, st + j, m)).add(i.mul(c)).intoArray(cNext, d + j, m);
        }
    }

    // ------------------------------------------------------------------ SimpleRNN

    /** Keras {@code SimpleRNNCell}: {@code h' = a(x W + b + h U)}. */
    static final class SimpleRnn extends Cell {
        SimpleRnn(RnnSpec spec) {
            super(spec);
        }

        @Override
        boolean stacksProducts() {
            return true;
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
                int p = q.gateRow(b, t) * n;
                float[] hNext = q.nextH(s);
                int d = q.nextStateOffset(s, b);
                if (!q.stackedStep) {  // stacked: x W + h U + b came whole from the product
                    plusBias(g, p, bias, 0, g, p, n);
                    addBias(g, p, hu, b * n, null, 0, g, p, n);
                }
                apply(act, g, p, g, p, n);
                System.arraycopy(g, p, hNext, d, n);
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units;
            float[] g = q.ws.gates, dG = q.ws.dGates, dh = q.ws.dh, dhNew = q.ws.dhNew;
            for (int b = b0; b < b1; b++) {
                if (b + 1 < b1) {
                    prefetchBackwardRow(q, s, b + 1, t);
                }
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                q.gatherNewStateGradient(s, b);
                int p = q.row(b, t) * n;
                int r = b * n;
                int db = b * 5 * n;
                derivative(act, g, p, q.ws.derivatives, db, n);
                mul(dhNew, r, q.ws.derivatives, db, dG, p, n);
                java.util.Arrays.fill(dh, r, r + n, 0f); // h reaches h' only through h U
                q.addBiasRow(b, dG, p, 0, n);
            }
            q.recurrentBackward(dG, t, 0, 1, b0, b1);
        }

        /** Starts the cache misses of row {@code b}'s backward rows ({@link Prefetch}). */
        private static void prefetchBackwardRow(SimdRnnRun q, int s, int b, int t) {
            int n = q.units, p = q.row(b, t) * n;
            Prefetch.keep(Prefetch.lines(q.ws.gates, p, n) + Prefetch.lines(q.ws.dGates, p, n)
                    + Prefetch.lines(q.outputGradientRows(), q.outputGradientRow(s, b), n));
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
            q.recurrentProduct(t, 0, 4, b0, b1);
            for (int b = b0; b < b1; b++) {
                forwardRow(q, s, t, b, 0, q.units);
            }
        }

        @Override
        boolean splitsUnits() {
            return true;
        }

        @Override
        boolean stacksProducts() {
            return true;
        }

        @Override
        void forwardUnits(SimdRnnRun q, int s, int u0, int u1) {
            int t = q.timeIndex(s);
            q.recurrentProductUnits(t, u0, u1);
            for (int b = 0; b < q.batch; b++) {
                forwardRow(q, s, t, b, u0, u1 - u0);
            }
        }

        /** Units {@code [u0, u0 + w)} of row {@code b}'s pointwise pass, after the recurrent product. */
        private void forwardRow(SimdRnnRun q, int s, int t, int b, int u0, int w) {
            if (!q.keep(b, t)) {
                q.carryMasked(s, b, t, u0, w);
                return;
            }
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, hu = q.ws.recurrent, bias = q.bias, cPrev = q.ws.cPrev, actC = q.ws.actC;
            int row = q.stateRow(b, t);
            int p = q.gateRow(b, t) * gw + u0;   // unit u0 of gate i; gate k is k * n further
            int h = b * gw + u0;
            int st = row * n + u0;
            float[] hNext = q.nextH(s), cNext = q.nextC(s);
            int d = q.nextStateOffset(s, b);
            if (!q.stackedStep) {                                  // stacked: z computed whole
                for (int k = 0; k < 4; k++) {                      // z = x W + h U + b
                    addBias(g, p + k * n, hu, h + k * n, bias, k * n + u0, g, p + k * n, w);
                }
            }
            apply(rec, g, p, g, p, w);                             // i
            apply(rec, g, p + n, g, p + n, w);                     // f
            apply(act, g, p + 2 * n, g, p + 2 * n, w);             // c
            apply(rec, g, p + 3 * n, g, p + 3 * n, w);             // o
            lstmState(g, p, n, w, cPrev, st, cNext, d + u0);       // c' = f c + i g
            apply(act, cNext, d + u0, actC, st, w);                // a(c')
            mul(g, p + 3 * n, actC, st, hNext, d + u0, w);         // h' = o a(c')
            q.emitOutput(s, b, hNext, d, u0, w);
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, dG = q.ws.dGates, cPrev = q.ws.cPrev, actC = q.ws.actC;
            float[] dh = q.ws.dh, dc = q.ws.dc, dhNew = q.ws.dhNew;
            for (int b = b0; b < b1; b++) {
                if (b + 1 < b1 && !keras) {  // the fused row touches the next row as it goes
                    prefetchBackwardRow(q, s, b + 1, t);
                }
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                if (keras) {
                    sigmoidTanhRow(q, s, b, p, st, n, nextRow(b, b0, b1), nextRowStep(s, b, b1));
                    q.addBiasRow(b, dG, p, 0, gw);
                    continue;
                }
                q.gatherNewStateGradient(s, b);
                float[] dv = q.ws.derivatives;
                int db = b * 5 * n;
                derivative(rec, g, p, dv, db, 2 * n);                 // s'(i), s'(f)
                derivative(act, g, p + 2 * n, dv, db + 2 * n, n);     // a'(c)
                derivative(rec, g, p + 3 * n, dv, db + 3 * n, n);     // s'(o)
                derivative(act, actC, st, dv, db + 4 * n, n);         // a'(c') from a(c')
                addMul3(dc, r, dhNew, r, g, p + 3 * n, dv, db + 4 * n, n);     // dc' total = dc + dh o a'(c')
                mul3(dhNew, r, actC, st, dv, db + 3 * n, dG, p + 3 * n, n);   // dz_o = dh a(c') s'(o)
                mul3(dc, r, g, p + 2 * n, dv, db, dG, p, n);                  // dz_i = dc' g s'(i)
                mul3(dc, r, cPrev, st, dv, db + n, dG, p + n, n);             // dz_f = dc' c s'(f)
                mul3(dc, r, g, p, dv, db + 2 * n, dG, p + 2 * n, n);          // dz_c = dc' i a'(g)
                mul(dc, r, g, p + n, dc, r, n);                               // dc = dc' f
                java.util.Arrays.fill(dh, r, r + n, 0f); // h reaches the step only through h U
                q.addBiasRow(b, dG, p, 0, gw);
            }
            q.recurrentBackward(dG, t, 0, 4, b0, b1);
        }

        /**
         * Starts the cache misses of row {@code b}'s backward rows ({@link Prefetch}) before the
         * passes of the row before it: on one thread LSTM 64x100x128x256 training took 0.98x the
         * time (two builds in one JVM, both orders, Sapphire Rapids). The fused row touches the
         * next row inside its loop instead.
         */
        private static void prefetchBackwardRow(SimdRnnRun q, int s, int b, int t) {
            int n = q.units, gw = q.gateWidth, row = q.row(b, t);
            Prefetch.keep(Prefetch.lines(q.ws.gates, row * gw, gw) + Prefetch.lines(q.ws.dGates, row * gw, gw)
                    + Prefetch.lines(q.ws.cPrev, row * n, n) + Prefetch.lines(q.ws.actC, row * n, n)
                    + Prefetch.lines(q.outputGradientRows(), q.outputGradientRow(s, b), n));
        }

        /**
         * The backward row of a kept row {@code b} in one pass, for sigmoid gates and a tanh cell:
         * the same formulas, terms and order as the passes above ({@code s'(y) = y (1 - y)},
         * {@code a'(y) = 1 - y y}), so the results are the same bits (but for the sign of a zero
         * gradient: a missing output gradient is added as +0), but the eight rows it
         * reads (four gates, c, a(c'), the output's gradient, the carried dh and dc) are all
         * loaded in each iteration. The gates and c rows of a step are far apart in memory
         * (one 4 KiB page per row of gates) and cold; one pass per quantity waited for each
         * row's first cache misses in turn, a single pass has them in flight together. Each
         * iteration also loads one float of each of the rows of row {@code next} of step
         * {@code nextS}, the row this thread computes next (after a chunk's last row, the next
         * step's first), a cache line ahead of the pass that will read it ({@link Prefetch}).
         */
        private static void sigmoidTanhRow(SimdRnnRun q, int s, int b, int p, int st, int n, int next, int nextS) {
            float[] g = q.ws.gates, dG = q.ws.dGates, cPrev = q.ws.cPrev, actC = q.ws.actC;
            float[] dh = q.ws.dh, dc = q.ws.dc, carry = q.ws.dOutputCarry;
            int r = b * n;
            float[] dOut = q.outputGradientRows();
            int d = q.outputGradientRow(s, b);
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector zero = FloatVector.zero(S);
            int rowN = q.row(next, q.timeIndex(nextS)), pn = rowN * q.gateWidth, stn = rowN * n, dn = q.outputGradientRow(nextS, next);
            float touched = 0f;
            int j = 0;
            for (int bound = S.loopBound(n); j < bound; j += VL) {
                touched += g[pn + j] + g[pn + n + j] + g[pn + 2 * n + j] + g[pn + 3 * n + j]
                        + dG[pn + j] + dG[pn + n + j] + dG[pn + 2 * n + j] + dG[pn + 3 * n + j]
                        + cPrev[stn + j] + actC[stn + j] + dOut[dn + j];
                // the whole gradient of h': carried dh + output carry + the output's own gradient
                FloatVector dhNew = FloatVector.fromArray(S, dh, r + j).add(FloatVector.fromArray(S, carry, r + j))
                        .add(FloatVector.fromArray(S, dOut, d + j));
                FloatVector i = FloatVector.fromArray(S, g, p + j);
                FloatVector f = FloatVector.fromArray(S, g, p + n + j);
                FloatVector c = FloatVector.fromArray(S, g, p + 2 * n + j);
                FloatVector o = FloatVector.fromArray(S, g, p + 3 * n + j);
                FloatVector ac = FloatVector.fromArray(S, actC, st + j);
                FloatVector cp = FloatVector.fromArray(S, cPrev, st + j);
                FloatVector dcNew = FloatVector.fromArray(S, dc, r + j)
                        .add(dhNew.mul(o).mul(one.sub(ac.mul(ac))));                // dc' total
                dhNew.mul(ac).mul(o.mul(one.sub(o))).intoArray(dG, p + 3 * n + j);   // dz_o
                dcNew.mul(c).mul(i.mul(one.sub(i))).intoArray(dG, p + j);            // dz_i
                dcNew.mul(cp).mul(f.mul(one.sub(f))).intoArray(dG, p + n + j);       // dz_f
                dcNew.mul(i).mul(one.sub(c.mul(c))).intoArray(dG, p + 2 * n + j);    // dz_c
                dcNew.mul(f).intoArray(dc, r + j);                                   // dc = dc' f
                zero.intoArray(dh, r + j);     // h reaches the step only through h U
                zero.intoArray(carry, r + j);  // the carry is consumed
            }
            Prefetch.keep(touched);
            // The tail in scalar float arithmetic: the same IEEE operations lane by lane, so the
            // same bits (a masked copy of the body doubles its size and C2 then gives up inlining
            // the Vector API intrinsics of the method, 0.55x the speed).
            for (; j < n; j++) {
                float dhNew = dh[r + j] + carry[r + j] + dOut[d + j];
                float i = g[p + j], f = g[p + n + j], c = g[p + 2 * n + j], o = g[p + 3 * n + j];
                float ac = actC[st + j], cp = cPrev[st + j];
                float dcNew = dc[r + j] + dhNew * o * (1f - ac * ac);
                dG[p + 3 * n + j] = dhNew * ac * (o * (1f - o));
                dG[p + j] = dcNew * c * (i * (1f - i));
                dG[p + n + j] = dcNew * cp * (f * (1f - f));
                dG[p + 2 * n + j] = dcNew * i * (1f - c * c);
                dc[r + j] = dcNew * f;
                dh[r + j] = 0f;
                carry[r + j] = 0f;
            }
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

        // Backward, U's side: z and r multiply U_z and U_r with dG's own columns, the candidate
        // U_h with dhh * r (ws.dRecurrentCandidate, H wide): two products, so U is packed as
        // blocks [0, 2) and [2, 3).

        @Override
        void packBackward(SimdRnnRun q) {
            q.packBackward(0, 2);
            q.packBackward(2, 3);
        }

        @Override
        void backwardColumns(SimdRnnRun q, int t, int c0, int c1) {
            q.recurrentBackwardColumns(q.ws.dGates, q.gateWidth, 0, t, 0, 2, c0, c1);
            q.recurrentBackwardColumns(q.ws.dRecurrentCandidate, q.units, 0, t, 2, 3, c0, c1);
        }

        /** {@code dh += dG_zr(t)·U_zrᵀ + dRecurrentCandidate(t)·U_hᵀ} for rows {@code [b0, b1)}. */
        private static void recurrentBackward(SimdRnnRun q, int t, int b0, int b1) {
            q.recurrentBackward(q.ws.dGates, t, 0, 2, b0, b1);
            q.recurrentBackward(q.ws.dRecurrentCandidate, q.units, 0, t, 2, 3, b0, b1);
        }

        @Override
        void forwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            q.recurrentProduct(t, 0, 3, b0, b1);
            float[] g = q.ws.gates, hu = q.ws.recurrent, bias = q.bias, aux = q.ws.gruAux;
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.carryMasked(s, b, t);
                    continue;
                }
                int row = q.stateRow(b, t);
                int p = q.gateRow(b, t) * gw;
                int r = b * gw;
                int st = row * n;
                float[] hNext = q.nextH(s);
                int d = q.nextStateOffset(s, b);
                sumOfBiased(g, p, hu, r, bias, gw, g, p, 2 * n);   // (xp = x W + b_in) + (hp = h U + b_rec), z and r
                apply(rec, g, p, g, p, 2 * n);                     // z, r
                if (bias != null) {
                    biasedCandidate(g, p + 2 * n, hu, r + 2 * n, bias, 2 * n, gw + 2 * n, g, p + n, aux, st, n);
                } else {
                    System.arraycopy(hu, r + 2 * n, aux, st, n);                   // hp_h, kept for backward
                    addProduct(g, p + 2 * n, g, p + n, aux, st, g, p + 2 * n, n); // xp_h + r * hp_h
                }
                apply(act, g, p + 2 * n, g, p + 2 * n, n);         // hh
                gruUpdateRow(q, s, t, b, b1, p, st, hNext, d);
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, dG = q.ws.dGates, dRc = q.ws.dRecurrentCandidate, hPrev = q.ws.hPrev, aux = q.ws.gruAux;
            float[] dh = q.ws.dh, dhNew = q.ws.dhNew;
            for (int b = b0; b < b1; b++) {
                if (b + 1 < b1 && !keras) {  // the fused row touches the next row as it goes
                    prefetchBackwardRow(q, s, b + 1, t);
                }
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                if (!keras) {
                    q.gatherNewStateGradient(s, b);
                    float[] dv = q.ws.derivatives;
                    int db = b * 5 * n;
                    derivative(rec, g, p, dv, db, 2 * n);                 // s'(z), s'(r)
                    derivative(act, g, p + 2 * n, dv, db + 2 * n, n);     // a'(hh)
                    mulDiff3(dhNew, r, hPrev, st, g, p + 2 * n, dv, db, dG, p, n);      // dz = dh (h - hh) s'(z)
                    mulOneMinus3(dhNew, r, g, p, dv, db + 2 * n, dG, p + 2 * n, n);    // dhh = dh (1 - z) a'(hh)
                    mul3(dG, p + 2 * n, aux, st, dv, db + n, dG, p + n, n);           // dr = dhh hp_h s'(r)
                    mul(dG, p + 2 * n, g, p + n, dRc, st, n);                          // recurrent side: dhh r
                    mul(dhNew, r, g, p, dh, r, n);                                     // the direct path z * h
                } else {
                    sigmoidTanhRow(q, s, b, p, st, n, nextRow(b, b0, b1), nextRowStep(s, b, b1));
                }
                q.addBiasRow(b, dG, p, 0, gw);
                q.addBiasRow(b, dRc, st, gw, n);
            }
            recurrentBackward(q, t, b0, b1);
        }

        /**
         * Starts the cache misses of row {@code b}'s backward rows ({@link Prefetch}) before the
         * passes of the row before it: on one thread GRU 64x100x128x256 training took 0.97x the
         * time (two builds in one JVM, both orders, Sapphire Rapids). The fused row touches the
         * next row inside its loop instead.
         */
        private static void prefetchBackwardRow(SimdRnnRun q, int s, int b, int t) {
            int n = q.units, gw = q.gateWidth, row = q.row(b, t);
            Prefetch.keep(Prefetch.lines(q.ws.gates, row * gw, gw) + Prefetch.lines(q.ws.dGates, row * gw, gw)
                    + Prefetch.lines(q.ws.hPrev, row * n, n) + Prefetch.lines(q.ws.gruAux, row * n, n)
                    + Prefetch.lines(q.ws.dRecurrentCandidate, row * n, n)
                    + Prefetch.lines(q.outputGradientRows(), q.outputGradientRow(s, b), n));
        }

        /**
         * The backward row of a kept row {@code b} in one pass, for sigmoid gates and a tanh
         * candidate, as {@link Lstm}'s: the formulas, terms and order of the passes above
         * ({@code s'(y) = y (1 - y)}, {@code a'(y) = 1 - y y}), every input row loaded in each
         * iteration so their cache misses overlap, and one float of each of the rows of the row
         * this thread computes next (row {@code next} of step {@code nextS}) touched per
         * iteration ({@link Prefetch}); a scalar tail and a zero row for a missing output
         * gradient for the same reasons.
         */
        private static void sigmoidTanhRow(SimdRnnRun q, int s, int b, int p, int st, int n, int next, int nextS) {
            float[] g = q.ws.gates, dG = q.ws.dGates, dRc = q.ws.dRecurrentCandidate, hPrev = q.ws.hPrev, aux = q.ws.gruAux;
            float[] dh = q.ws.dh, carry = q.ws.dOutputCarry;
            int r = b * n;
            float[] dOut = q.outputGradientRows();
            int d = q.outputGradientRow(s, b);
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector zero = FloatVector.zero(S);
            int rowN = q.row(next, q.timeIndex(nextS)), pn = rowN * q.gateWidth, stn = rowN * n, dn = q.outputGradientRow(nextS, next);
            float touched = 0f;
            int j = 0;
            for (int bound = S.loopBound(n); j < bound; j += VL) {
                touched += g[pn + j] + g[pn + n + j] + g[pn + 2 * n + j] + dG[pn + j] + dG[pn + n + j] + dG[pn + 2 * n + j]
                        + hPrev[stn + j] + aux[stn + j] + dRc[stn + j] + dOut[dn + j];
                FloatVector dhNew = FloatVector.fromArray(S, dh, r + j).add(FloatVector.fromArray(S, carry, r + j))
                        .add(FloatVector.fromArray(S, dOut, d + j));
                FloatVector z = FloatVector.fromArray(S, g, p + j);
                FloatVector rr = FloatVector.fromArray(S, g, p + n + j);
                FloatVector hh = FloatVector.fromArray(S, g, p + 2 * n + j);
                FloatVector dz = dhNew.mul(FloatVector.fromArray(S, hPrev, st + j).sub(hh)).mul(z.mul(one.sub(z)));
                FloatVector dhh = dhNew.mul(one.sub(z)).mul(one.sub(hh.mul(hh)));
                FloatVector dr = dhh.mul(FloatVector.fromArray(S, aux, st + j)).mul(rr.mul(one.sub(rr)));
                dz.intoArray(dG, p + j);              // dz = dh (h - hh) s'(z)
                dr.intoArray(dG, p + n + j);          // dr = dhh hp_h s'(r)
                dhh.intoArray(dG, p + 2 * n + j);     // dhh = dh (1 - z) a'(hh)
                dhh.mul(rr).intoArray(dRc, st + j);   // recurrent side: dhh r
                dhNew.mul(z).intoArray(dh, r + j);    // the direct path z * h
                zero.intoArray(carry, r + j);         // the carry is consumed
            }
            Prefetch.keep(touched);
            for (; j < n; j++) {
                float dhNew = dh[r + j] + carry[r + j] + dOut[d + j];
                float z = g[p + j], rr = g[p + n + j], hh = g[p + 2 * n + j];
                float dz = dhNew * (hPrev[st + j] - hh) * (z * (1f - z));
                float dhh = dhNew * (1f - z) * (1f - hh * hh);
                float dr = dhh * aux[st + j] * (rr * (1f - rr));
                dG[p + j] = dz;
                dG[p + n + j] = dr;
                dG[p + 2 * n + j] = dhh;
                dRc[st + j] = dhh * rr;
                dh[r + j] = dhNew * z;
                carry[r + j] = 0f;
            }
        }

        @Override
        void recurrentGradients(SimdRnnRun q) {
            q.recurrentKernelGradientWithInput(2); // z and r: dU, and dW with it
            q.recurrentKernelGradient(q.ws.dRecurrentCandidate, q.units, 0, 2, 3);
            // The input side's sums, then the recurrent side's: its z and r gradients are dG's,
            // so their sums are too; its candidate's are dhh * r's.
            int n = q.units, gw = q.gateWidth;
            q.biasGradient(0, gw, 0);
            q.biasGradient(0, 2 * n, gw);
            q.biasGradient(gw, n, gw + 2 * n);
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
        int forwardBlocks(SimdRnnRun q) {
            return 2;
        }

        @Override
        int backwardBlocks(SimdRnnRun q) {
            return 2;
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
                int row = q.stateRow(b, t);
                int p = q.gateRow(b, t) * gw;
                int st = row * n;
                addBias(g, p, hu, b * gw, bias, 0, g, p, 2 * n);  // z, r pre-activations
                apply(rec, g, p, g, p, 2 * n);
                q.recurrentDropped(b, 2, g, p + n, hPrev, st, aux, st); // r * (h * m_h)
            }
            if (b1 > b0) {
                q.gemm.gemmSerial(b1 - b0, 1f, aux, q.stateRow(b0, t) * n, q.stateStride(), q.ws.forwardPack(2, 3),
                        0f, hu, b0 * gw + 2 * n, gw);
            }
            for (int b = b0; b < b1; b++) {
                if (!q.keep(b, t)) {
                    q.carryMasked(s, b, t);
                    continue;
                }
                int row = q.stateRow(b, t);
                int p = q.gateRow(b, t) * gw;
                int st = row * n;
                float[] hNext = q.nextH(s);
                int d = q.nextStateOffset(s, b);
                addBias(g, p + 2 * n, hu, b * gw + 2 * n, bias, 2 * n, g, p + 2 * n, n);
                apply(act, g, p + 2 * n, g, p + 2 * n, n);
                gruUpdateRow(q, s, t, b, b1, p, st, hNext, d);
                q.emitOutput(s, b, hNext, d);
            }
        }

        @Override
        void backwardStep(SimdRnnRun q, int s, int b0, int b1) {
            int t = q.timeIndex(s);
            int n = q.units, gw = q.gateWidth;
            float[] g = q.ws.gates, dG = q.ws.dGates, hPrev = q.ws.hPrev;
            float[] dh = q.ws.dh, dhNew = q.ws.dhNew, dRh = q.ws.stepScratch;
            float[] rdm = q.recurrentDropMask;
            float[] dv = q.ws.derivatives;
            // Phase 1: update gate and candidate.
            for (int b = b0; b < b1; b++) {
                if (b + 1 < b1) {
                    prefetchBackwardRow(q, s, b + 1, t);
                }
                if (!q.keep(b, t)) {
                    q.passMasked(s, b, t);
                    continue;
                }
                q.gatherNewStateGradient(s, b);
                int row = q.row(b, t);
                int p = row * gw;
                int st = row * n;
                int r = b * n;
                int db = b * 5 * n;
                derivative(rec, g, p, dv, db, 2 * n);                 // s'(z), s'(r)
                derivative(act, g, p + 2 * n, dv, db + 2 * n, n);     // a'(hh)
                mulDiff3(dhNew, r, hPrev, st, g, p + 2 * n, dv, db, dG, p, n);      // dz = dh (h - hh) s'(z)
                mulOneMinus3(dhNew, r, g, p, dv, db + 2 * n, dG, p + 2 * n, n);    // dhh = dh (1 - z) a'(hh)
                mul(dhNew, r, g, p, dh, r, n);                                     // the direct path z * h
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
                int mo = b * gw + 2 * n;
                int db = b * 5 * n;
                if (rdm == null) {
                    mul3(dRh, r, hPrev, st, dv, db + n, dG, p + n, n);             // dr = d(rh) h s'(r)
                    addMul(dh, r, dRh, r, g, p + n, n);                            // dh += d(rh) r
                } else {
                    mul(hPrev, st, rdm, mo, dv, db + 4 * n, n);                    // h m_h, in the spare slot
                    mul3(dRh, r, dv, db + 4 * n, dv, db + n, dG, p + n, n);
                    mul(g, p + n, rdm, mo, dv, db + 4 * n, n);                     // r m_h
                    addMul(dh, r, dRh, r, dv, db + 4 * n, n);
                }
                q.addBiasRow(b, dG, p, 0, gw);
            }
            q.recurrentBackward(dG, t, 0, 2, b0, b1);
        }

        /** Starts the cache misses of row {@code b}'s first backward phase ({@link Prefetch}). */
        private static void prefetchBackwardRow(SimdRnnRun q, int s, int b, int t) {
            int n = q.units, gw = q.gateWidth, row = q.row(b, t);
            Prefetch.keep(Prefetch.lines(q.ws.gates, row * gw, gw) + Prefetch.lines(q.ws.dGates, row * gw, gw)
                    + Prefetch.lines(q.ws.hPrev, row * n, n)
                    + Prefetch.lines(q.outputGradientRows(), q.outputGradientRow(s, b), n));
        }

        @Override
        void recurrentGradients(SimdRnnRun q) {
            int n = q.units;
            q.recurrentKernelGradientWithInput(2); // z and r: dU, and dW with it
            q.gemm.gemm(true, false, n, n, q.batch * q.time, 1f, q.ws.gruAux, 0, n,
                    q.ws.dGates, 2 * n, q.gateWidth, 1f, (float[]) q.bwd.dRecurrentKernel().storage(), 2 * n, q.gateWidth);
            q.biasGradient(0, q.gateWidth, 0);
        }


    }
}
