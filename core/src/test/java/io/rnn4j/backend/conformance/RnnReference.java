package io.rnn4j.backend.conformance;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;

import java.util.Arrays;

/**
 * An independent float64 reference of the fused recurrent kernels, written the way Keras writes
 * its cells and its TensorFlow {@code rnn} loop: one batch row, one step, one unit at a time,
 * scalar by scalar, with {@code tf.where}-style selection for masks. Gradients come from a
 * scalar reverse-mode tape, not from hand-written BPTT, so this shares no code and no
 * derivation with the kernels under test; its own gradients are checked against central finite
 * differences in {@code RnnReferenceGradientTest}.
 */
public final class RnnReference {
    private RnnReference() {
    }

    /** Outputs and gradients of {@code c} in float64, named like {@link RnnCase#run}'s results. */
    public static RnnResult run(RnnCase c) {
        Graph g = new Graph(c, null, -1, 0);
        double[] grad = g.tape.gradients(g.seeds());
        RnnResult r = new RnnResult();
        r.put("output", g.values(g.out));
        r.put("finalH", g.values(g.hState));
        if (c.spec.states() == 2) {
            r.put("finalC", g.values(g.cState));
        }
        if (c.wantInputGradients) {
            r.put("dx", g.grads(grad, g.x, null));
            r.put("dInitialH", g.grads(grad, g.h0, null));
            if (c.spec.states() == 2) {
                r.put("dInitialC", g.grads(grad, g.c0, null));
            }
        }
        r.put("dKernel", g.grads(grad, g.w, c.dKernelStart));
        r.put("dRecurrentKernel", g.grads(grad, g.u, c.dRecurrentKernelStart));
        if (c.bias != null) {
            r.put("dBias", g.grads(grad, g.bias, c.dBiasStart));
        }
        return r;
    }

    /**
     * The scalar loss {@code sum dOutput*output + dFinalH*finalH + dFinalC*finalC} whose gradient
     * {@link #run} computes, with element {@code index} of parameter {@code param} ({@code x},
     * {@code kernel}, {@code recurrentKernel}, {@code bias}, {@code initialH}, {@code initialC})
     * shifted by {@code delta}: the function a finite-difference check differentiates.
     */
    public static double loss(RnnCase c, String param, int index, double delta) {
        Graph g = new Graph(c, param, index, delta);
        double[] seeds = g.seeds();
        double l = 0;
        for (int i = 0; i < seeds.length; i++) {
            l += seeds[i] == 0 ? 0 : seeds[i] * g.tape.value(i);
        }
        return l;
    }

    /** The tape gradient of {@link #loss} wrt {@code param} (without the accumulators' start values). */
    public static double[] gradient(RnnCase c, String param) {
        Graph g = new Graph(c, null, -1, 0);
        double[] grad = g.tape.gradients(g.seeds());
        return g.grads(grad, g.leaves(param), null);
    }

    /** Builds the whole unrolled computation on a tape. */
    private static final class Graph {
        final Tape tape = new Tape();
        final RnnCase c;
        final int B, T, I, H, G;
        final int[] x, w, u, bias, h0, c0;
        final int[] hState, cState;  // current, at the end final, states (node ids)
        final int[] out;   // (B, T, H) node ids
        final int zero;

        Graph(RnnCase rc, String param, int index, double delta) {
            c = rc;
            B = rc.batch;
            T = rc.time;
            I = rc.spec.inputSize();
            H = rc.spec.units();
            G = rc.spec.gates();
            zero = tape.constant(0);
            x = leaves(rc.x, "x", param, index, delta);
            w = leaves(rc.kernel, "kernel", param, index, delta);
            u = leaves(rc.recurrentKernel, "recurrentKernel", param, index, delta);
            bias = rc.bias == null ? null : leaves(rc.bias, "bias", param, index, delta);
            h0 = leaves(rc.initialH == null ? new float[B * H] : rc.initialH, "initialH", param, index, delta);
            c0 = leaves(rc.initialC == null ? new float[B * H] : rc.initialC, "initialC", param, index, delta);
            hState = h0.clone();
            cState = c0.clone();
            out = new int[B * T * H];
            int[] prevOut = new int[B * H];
            Arrays.fill(prevOut, zero);
            for (int s = 0; s < T; s++) {
                int t = rc.goBackwards ? T - 1 - s : s;
                for (int b = 0; b < B; b++) {
                    int[] newC = new int[H];
                    int[] newH = step(b, t, newC);
                    boolean keep = rc.mask == null || rc.mask[b * T + t] != 0f;
                    for (int j = 0; j < H; j++) {
                        int o = keep ? newH[j] : (rc.zeroOutputForMask ? zero : prevOut[b * H + j]);
                        out[(b * T + s) * H + j] = o;
                        prevOut[b * H + j] = o;
                        if (keep) {
                            hState[b * H + j] = newH[j];
                            cState[b * H + j] = newC[j];
                        }
                    }
                }
            }
        }

        int[] leaves(String param) {
            return switch (param) {
                case "x" -> x;
                case "kernel" -> w;
                case "recurrentKernel" -> u;
                case "bias" -> bias;
                case "initialH" -> h0;
                case "initialC" -> c0;
                default -> throw new IllegalArgumentException(param);
            };
        }

        private int[] leaves(float[] data, String name, String param, int index, double delta) {
            int[] ids = new int[data.length];
            for (int i = 0; i < data.length; i++) {
                double v = data[i];
                if (name.equals(param) && i == index) {
                    v += delta;
                }
                ids[i] = tape.constant(v);
            }
            return ids;
        }

        /** Input x[b, t] times the dropout mask of gate k, dotted with column k*H+j of W. */
        private int inputPart(int b, int t, int k, int j) {
            int sum = zero;
            for (int i = 0; i < I; i++) {
                int xi = x[(b * T + t) * I + i];
                if (c.dropMask != null) {
                    xi = tape.scale(xi, c.dropMask[b * G * I + k * I + i]);
                }
                sum = tape.add(sum, tape.mul(xi, w[i * G * H + k * H + j]));
            }
            return sum;
        }

        /** Previous state of row b times the recurrent dropout mask of gate k (Keras's h_tm1_k). */
        private int[] droppedState(int b, int k) {
            int[] hk = new int[H];
            for (int l = 0; l < H; l++) {
                hk[l] = c.recurrentDropMask == null ? hState[b * H + l]
                        : tape.scale(hState[b * H + l], c.recurrentDropMask[b * G * H + k * H + l]);
            }
            return hk;
        }

        /** {@code v · U[:, k*H + j]} for a length-H vector v. */
        private int recurrentPart(int[] v, int k, int j) {
            int sum = zero;
            for (int l = 0; l < H; l++) {
                sum = tape.add(sum, tape.mul(v[l], u[l * G * H + k * H + j]));
            }
            return sum;
        }

        private int b(int i) {
            return bias == null ? zero : bias[i];
        }

        /** One cell step for row b at time index t: returns h', fills c' (LSTM). */
        private int[] step(int bRow, int t, int[] newC) {
            Activation act = c.spec.activation(), rec = c.spec.recurrentActivation();
            int[] hNew = new int[H];
            CellType cell = c.spec.cell();
            if (cell == CellType.SIMPLE_RNN) {
                int[] hd = droppedState(bRow, 0);
                for (int j = 0; j < H; j++) {
                    int pre = tape.add(tape.add(inputPart(bRow, t, 0, j), b(j)), recurrentPart(hd, 0, j));
                    hNew[j] = tape.act(act, pre);
                }
            } else if (cell == CellType.LSTM) {
                int[][] hd = new int[4][];
                for (int k = 0; k < 4; k++) {
                    hd[k] = droppedState(bRow, k);
                }
                for (int j = 0; j < H; j++) {
                    int[] z = new int[4];
                    for (int k = 0; k < 4; k++) {
                        z[k] = tape.add(tape.add(inputPart(bRow, t, k, j), recurrentPart(hd[k], k, j)), b(k * H + j));
                    }
                    int i = tape.act(rec, z[0]);
                    int f = tape.act(rec, z[1]);
                    int g = tape.act(act, z[2]);
                    int o = tape.act(rec, z[3]);
                    newC[j] = tape.add(tape.mul(f, cState[bRow * H + j]), tape.mul(i, g));
                    hNew[j] = tape.mul(o, tape.act(act, newC[j]));
                }
            } else if (c.spec.resetAfter()) {
                int[][] hd = new int[3][];
                for (int k = 0; k < 3; k++) {
                    hd[k] = droppedState(bRow, k);
                }
                int gw = 3 * H;
                for (int j = 0; j < H; j++) {
                    int xz = tape.add(inputPart(bRow, t, 0, j), b(j));
                    int xr = tape.add(inputPart(bRow, t, 1, j), b(H + j));
                    int xh = tape.add(inputPart(bRow, t, 2, j), b(2 * H + j));
                    int rz = tape.add(recurrentPart(hd[0], 0, j), b(gw + j));
                    int rr = tape.add(recurrentPart(hd[1], 1, j), b(gw + H + j));
                    int rh = tape.add(recurrentPart(hd[2], 2, j), b(gw + 2 * H + j));
                    int z = tape.act(rec, tape.add(xz, rz));
                    int r = tape.act(rec, tape.add(xr, rr));
                    int hh = tape.act(act, tape.add(xh, tape.mul(r, rh)));
                    hNew[j] = tape.add(tape.mul(z, hState[bRow * H + j]), tape.mul(tape.oneMinus(z), hh));
                }
            } else {
                int[] hz = droppedState(bRow, 0), hr = droppedState(bRow, 1), hh = droppedState(bRow, 2);
                int[] z = new int[H], r = new int[H];
                for (int j = 0; j < H; j++) {
                    z[j] = tape.act(rec, tape.add(tape.add(inputPart(bRow, t, 0, j), b(j)), recurrentPart(hz, 0, j)));
                    r[j] = tape.act(rec, tape.add(tape.add(inputPart(bRow, t, 1, j), b(H + j)), recurrentPart(hr, 1, j)));
                }
                int[] resetState = new int[H];
                for (int l = 0; l < H; l++) {
                    resetState[l] = tape.mul(r[l], hh[l]);
                }
                for (int j = 0; j < H; j++) {
                    int cand = tape.act(act, tape.add(tape.add(inputPart(bRow, t, 2, j), b(2 * H + j)),
                            recurrentPart(resetState, 2, j)));
                    hNew[j] = tape.add(tape.mul(z[j], hState[bRow * H + j]), tape.mul(tape.oneMinus(z[j]), cand));
                }
            }
            return hNew;
        }

        /** Upstream gradients placed on the output and final-state nodes. */
        double[] seeds() {
            double[] s = new double[tape.size()];
            if (c.dOutput != null) {
                for (int i = 0; i < out.length; i++) {
                    s[out[i]] += c.dOutput[i];
                }
            }
            if (c.dFinalH != null) {
                for (int i = 0; i < hState.length; i++) {
                    s[hState[i]] += c.dFinalH[i];
                }
            }
            if (c.dFinalC != null) {
                for (int i = 0; i < cState.length; i++) {
                    s[cState[i]] += c.dFinalC[i];
                }
            }
            s[zero] = 0;
            return s;
        }

        double[] values(int[] ids) {
            double[] v = new double[ids.length];
            for (int i = 0; i < ids.length; i++) {
                v[i] = tape.value(ids[i]);
            }
            return v;
        }

        double[] grads(double[] grad, int[] ids, float[] start) {
            double[] g = new double[ids.length];
            for (int i = 0; i < ids.length; i++) {
                g[i] = grad[ids[i]] + (start == null ? 0 : start[i]);
            }
            return g;
        }
    }

    /** A scalar reverse-mode tape: each node has a value and up to two parents with local derivatives. */
    static final class Tape {
        private double[] val = new double[4096];
        private int[] pa = new int[4096], pb = new int[4096];
        private double[] da = new double[4096], db = new double[4096];
        private int n;

        int size() {
            return n;
        }

        double value(int i) {
            return val[i];
        }

        private int node(double v, int a, double dA, int b, double dB) {
            if (n == val.length) {
                int cap = n * 2;
                val = Arrays.copyOf(val, cap);
                pa = Arrays.copyOf(pa, cap);
                pb = Arrays.copyOf(pb, cap);
                da = Arrays.copyOf(da, cap);
                db = Arrays.copyOf(db, cap);
            }
            val[n] = v;
            pa[n] = a;
            da[n] = dA;
            pb[n] = b;
            db[n] = dB;
            return n++;
        }

        int constant(double v) {
            return node(v, -1, 0, -1, 0);
        }

        int add(int a, int b) {
            return node(val[a] + val[b], a, 1, b, 1);
        }

        int mul(int a, int b) {
            return node(val[a] * val[b], a, val[b], b, val[a]);
        }

        int scale(int a, double k) {
            return node(val[a] * k, a, k, -1, 0);
        }

        int oneMinus(int a) {
            return node(1 - val[a], a, -1, -1, 0);
        }

        /** Activations and their derivatives written from the input, in double. */
        int act(Activation f, int a) {
            double x = val[a];
            return switch (f) {
                case LINEAR -> node(x, a, 1, -1, 0);
                case TANH -> {
                    double ch = Math.cosh(x);
                    yield node(Math.tanh(x), a, 1 / (ch * ch), -1, 0);
                }
                case SIGMOID -> {
                    double ch = Math.cosh(x / 2);
                    yield node(1 / (1 + Math.exp(-x)), a, 0.25 / (ch * ch), -1, 0);
                }
                case HARD_SIGMOID -> node(Math.max(0, Math.min(1, x / 6 + 0.5)), a, (x > -3 && x < 3) ? 1.0 / 6 : 0, -1, 0);
                case RELU -> node(Math.max(0, x), a, x > 0 ? 1 : 0, -1, 0);
            };
        }

        /** Reverse sweep from the seeded node gradients; returns d(sum seed*node)/d(node) for every node. */
        double[] gradients(double[] seed) {
            double[] g = Arrays.copyOf(seed, n);
            for (int i = n - 1; i >= 0; i--) {
                double gi = g[i];
                if (gi == 0) {
                    continue;
                }
                if (pa[i] >= 0) {
                    g[pa[i]] += da[i] * gi;
                }
                if (pb[i] >= 0) {
                    g[pb[i]] += db[i] * gi;
                }
            }
            return g;
        }
    }
}
