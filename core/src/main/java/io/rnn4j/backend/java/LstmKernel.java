package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnSpec;

import static io.rnn4j.backend.java.JavaBackend.apply;
import static io.rnn4j.backend.java.JavaBackend.derivative;

/**
 * Keras {@code LSTMCell}, gates i, f, c, o: {@code z = x W + h U + b; i = s(z_i); f = s(z_f);
 * g = a(z_c); o = s(z_o); c' = f c + i g; h' = o a(c')}.
 */
final class LstmKernel extends CellKernel {

    LstmKernel(RnnSpec spec) {
        super(spec);
    }

    @Override
    void forwardRow(RnnRun q, int s, int b, int row, float[] hNext, int d) {
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, hu = q.recurrent, bias = q.bias, cPrev = q.cPrev, actC = q.actC, cNext = q.nextC(s);
        int p = row * gw;
        int r = b * gw;
        int st = row * n;
        for (int j = 0; j < n; j++) {
            float i = apply(rec, g[p + j] + hu[r + j] + (bias == null ? 0f : bias[j]));
            float f = apply(rec, g[p + n + j] + hu[r + n + j] + (bias == null ? 0f : bias[n + j]));
            float c = apply(act, g[p + 2 * n + j] + hu[r + 2 * n + j] + (bias == null ? 0f : bias[2 * n + j]));
            float o = apply(rec, g[p + 3 * n + j] + hu[r + 3 * n + j] + (bias == null ? 0f : bias[3 * n + j]));
            float cNew = f * cPrev[st + j] + i * c;
            float ac = apply(act, cNew);
            g[p + j] = i;
            g[p + n + j] = f;
            g[p + 2 * n + j] = c;
            g[p + 3 * n + j] = o;
            actC[st + j] = ac;
            cNext[d + j] = cNew;
            hNext[d + j] = o * ac;
        }
    }

    @Override
    void backwardRow(RnnRun q, int b, int row) {
        int n = q.units, gw = q.gateWidth;
        float[] g = q.gateBuf, dG = q.dGates, cPrev = q.cPrev, actC = q.actC;
        float[] dh = q.dh, dc = q.dc, dhNew = q.dhNew;
        int p = row * gw;
        int st = row * n;
        int r = b * n;
        for (int j = 0; j < n; j++) {
            float i = g[p + j], f = g[p + n + j], c = g[p + 2 * n + j], o = g[p + 3 * n + j];
            float ac = actC[st + j];
            float dhj = dhNew[r + j];
            float dcTotal = dc[r + j] + dhj * o * derivative(act, ac);
            dG[p + j] = dcTotal * c * derivative(rec, i);
            dG[p + n + j] = dcTotal * cPrev[st + j] * derivative(rec, f);
            dG[p + 2 * n + j] = dcTotal * i * derivative(act, c);
            dG[p + 3 * n + j] = dhj * ac * derivative(rec, o);
            dc[r + j] = dcTotal * f;
            dh[r + j] = 0f; // h reaches the step only through h U
        }
    }
}
