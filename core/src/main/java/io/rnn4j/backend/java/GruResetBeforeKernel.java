package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnSpec;

import static io.rnn4j.backend.java.JavaBackend.apply;
import static io.rnn4j.backend.java.JavaBackend.derivative;

/**
 * Keras {@code GRUCell} with {@code reset_after=False}, gates z, r, h: {@code xp = x W + b;
 * z = s(xp_z + h U_z); r = s(xp_r + h U_r); hh = a(xp_h + (r h) U_h); h' = z h + (1 - z) hh}.
 * The candidate's recurrent GEMM needs r first, so each step runs two pointwise passes around
 * it (forward and backward alike); {@code r * (h * m_h)} is kept per step for {@code dU_h}.
 */
final class GruResetBeforeKernel extends CellKernel {

    GruResetBeforeKernel(RnnSpec spec) {
        super(spec);
    }

    @Override
    void forwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        int n = q.units, gw = q.gateWidth;
        q.recurrentProduct(t, 0, 2);
        float[] g = q.gateBuf, hu = q.recurrent, bias = q.bias, hPrev = q.hPrev, aux = q.gruAux;
        // Pass 1: update and reset gates, and the reset state r * (h * m_h).
        for (int b = 0; b < q.batch; b++) {
            int row = q.row(b, t);
            int p = row * gw;
            int r = b * gw;
            int st = row * n;
            for (int j = 0; j < n; j++) {
                float z = apply(rec, g[p + j] + hu[r + j] + (bias == null ? 0f : bias[j]));
                float rr = apply(rec, g[p + n + j] + hu[r + n + j] + (bias == null ? 0f : bias[n + j]));
                g[p + j] = z;
                g[p + n + j] = rr;
                aux[st + j] = rr * hPrev[st + j] * q.recurrentDrop(b, 2, j);
            }
        }
        q.be.gemm(false, false, q.batch, n, n, 1f, q.ws.gruAux, t * n, q.time * n,
                q.fwd.recurrentKernel(), 2 * n, gw, 0f, q.ws.recurrent, 2 * n, gw);
        // Pass 2: candidate and new state.
        forwardRows(q, s, t);
    }

    /** Pass 2 of {@link #forwardStep}: the candidate from {@code (r h) U_h}, and the new state. */
    @Override
    void forwardRow(RnnRun q, int s, int b, int row, float[] hNext, int d) {
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, hu = q.recurrent, bias = q.bias, hPrev = q.hPrev;
        int p = row * gw;
        int r = b * gw;
        int st = row * n;
        for (int j = 0; j < n; j++) {
            float z = g[p + j];
            float cand = apply(act, g[p + 2 * n + j] + hu[r + 2 * n + j] + (bias == null ? 0f : bias[2 * n + j]));
            g[p + 2 * n + j] = cand;
            hNext[d + j] = z * hPrev[st + j] + (1f - z) * cand;
        }
    }

    /** Phase 1 of {@link #backwardStep}: update gate and candidate, and h's direct path. */
    @Override
    void backwardRow(RnnRun q, int b, int row) {
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, dG = q.dGates, hPrev = q.hPrev;
        float[] dh = q.dh, dhNew = q.dhNew;
        int p = row * gw;
        int st = row * n;
        int r = b * n;
        for (int j = 0; j < n; j++) {
            float z = g[p + j], cand = g[p + 2 * n + j];
            float dhj = dhNew[r + j];
            dG[p + j] = dhj * (hPrev[st + j] - cand) * derivative(rec, z);
            dG[p + 2 * n + j] = dhj * (1f - z) * derivative(act, cand);
            dh[r + j] = dhj * z; // the direct path z * h
        }
    }

    @Override
    void backwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, dG = q.dGates, hPrev = q.hPrev;
        float[] dh = q.dh, dRh = q.stepScratch;
        // Phase 1: update gate and candidate.
        backwardRows(q, s, t);
        // d(r * h_h) = dG_h · U_hᵀ
        q.be.gemm(false, true, q.batch, n, n, 1f, q.ws.dGates, t * gw + 2 * n, q.time * gw,
                q.fwd.recurrentKernel(), 2 * n, gw, 0f, q.ws.stepScratch, 0, n);
        // Phase 2: reset gate, and h's path through r * h.
        for (int b = 0; b < q.batch; b++) {
            if (!q.keep(b, t)) {
                continue;
            }
            int row = q.row(b, t);
            int p = row * gw;
            int st = row * n;
            int r = b * n;
            for (int j = 0; j < n; j++) {
                float rr = g[p + n + j];
                float m = q.recurrentDrop(b, 2, j);
                float drh = dRh[r + j];
                dG[p + n + j] = drh * hPrev[st + j] * m * derivative(rec, rr);
                dh[r + j] += drh * rr * m;
            }
        }
        q.recurrentBackward(q.ws.dGates, t, 0, 2);
    }

    @Override
    void recurrentGradients(RnnRun q) {
        int n = q.units;
        q.recurrentKernelGradient(q.ws.dGates, 0, 2);
        q.be.gemm(true, false, n, n, q.batch * q.time, 1f, q.ws.gruAux, 0, n,
                q.ws.dGates, 2 * n, q.gateWidth, 1f, q.bwd.dRecurrentKernel(), 2 * n, q.gateWidth);
        if (q.bias != null) {
            q.biasGradient(q.dGates, 0);
        }
    }
}
