package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnSpec;

import static io.rnn4j.backend.java.JavaBackend.apply;
import static io.rnn4j.backend.java.JavaBackend.derivative;

/**
 * Keras {@code GRUCell} with {@code reset_after=True} (the default, cuDNN's convention), gates
 * z, r, h: {@code xp = x W + b_in; hp = h U + b_rec; z = s(xp_z + hp_z); r = s(xp_r + hp_r);
 * hh = a(xp_h + r * hp_h); h' = z h + (1 - z) hh}. The bias is {@code (2, 3H)}: row 0 input,
 * row 1 recurrent. The candidate's recurrent gradient differs from its input gradient (it is
 * scaled by r), so the recurrent side has its own gradient buffer.
 */
final class GruResetAfterKernel extends CellKernel {

    GruResetAfterKernel(RnnSpec spec) {
        super(spec);
    }

    @Override
    void forwardRow(RnnRun q, int s, int b, int row, float[] hNext, int d) {
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, hu = q.recurrent, bias = q.bias, hPrev = q.hPrev, aux = q.gruAux;
        int p = row * gw;
        int r = b * gw;
        int st = row * n;
        for (int j = 0; j < n; j++) {
            float xz = g[p + j], xr = g[p + n + j], xh = g[p + 2 * n + j];
            float hz = hu[r + j], hr = hu[r + n + j], hh = hu[r + 2 * n + j];
            if (bias != null) {
                xz += bias[j];
                xr += bias[n + j];
                xh += bias[2 * n + j];
                hz += bias[gw + j];
                hr += bias[gw + n + j];
                hh += bias[gw + 2 * n + j];
            }
            float z = apply(rec, xz + hz);
            float rr = apply(rec, xr + hr);
            float cand = apply(act, xh + rr * hh);
            g[p + j] = z;
            g[p + n + j] = rr;
            g[p + 2 * n + j] = cand;
            aux[st + j] = hh;
            hNext[d + j] = z * hPrev[st + j] + (1f - z) * cand;
        }
    }

    @Override
    void backwardRow(RnnRun q, int b, int row) {
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, dG = q.dGates, dGr = q.dRecurrentGates, hPrev = q.hPrev, aux = q.gruAux;
        float[] dh = q.dh, dhNew = q.dhNew;
        int p = row * gw;
        int st = row * n;
        int r = b * n;
        for (int j = 0; j < n; j++) {
            float z = g[p + j], rr = g[p + n + j], cand = g[p + 2 * n + j];
            float dhj = dhNew[r + j];
            float dz = dhj * (hPrev[st + j] - cand) * derivative(rec, z);
            float dCand = dhj * (1f - z) * derivative(act, cand);
            float dr = dCand * aux[st + j] * derivative(rec, rr);
            dG[p + j] = dz;
            dG[p + n + j] = dr;
            dG[p + 2 * n + j] = dCand;
            dGr[p + j] = dz;
            dGr[p + n + j] = dr;
            dGr[p + 2 * n + j] = dCand * rr;
            dh[r + j] = dhj * z; // the direct path z * h
        }
    }

    /** The recurrent side has its own gate gradients (the candidate's is scaled by r). */
    @Override
    void backwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        backwardRows(q, s, t);
        q.recurrentBackward(q.ws.dRecurrentGates, t, 0, 3);
    }

    @Override
    void recurrentGradients(RnnRun q) {
        q.recurrentKernelGradient(q.ws.dRecurrentGates, 0, 3);
        if (q.bias != null) {
            q.biasGradient(q.dGates, 0);
            q.biasGradient(q.dRecurrentGates, q.gateWidth);
        }
    }
}
