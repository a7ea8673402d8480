package io.rnn4j.backend.java;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.RnnSpec;

import static io.rnn4j.backend.java.JavaBackend.apply;
import static io.rnn4j.backend.java.JavaBackend.derivative;

/** Keras {@code SimpleRNNCell}: {@code h' = a(x W + b + h U)}. */
final class SimpleRnnKernel extends CellKernel {
    private final Activation act;

    SimpleRnnKernel(RnnSpec spec) {
        this.act = spec.activation();
    }

    @Override
    void forwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        int n = q.units;
        q.recurrentProduct(t, 0, 1);
        float[] g = q.gateBuf, rec = q.recurrent, bias = q.bias;
        for (int b = 0; b < q.batch; b++) {
            if (!q.keep(b, t)) {
                q.carryMasked(s, b, t);
                continue;
            }
            int p = q.row(b, t) * n;
            int r = b * n;
            float[] hNext = q.nextH(s);
            int d = q.nextStateOffset(s, b);
            for (int j = 0; j < n; j++) {
                float y = apply(act, g[p + j] + (bias == null ? 0f : bias[j]) + rec[r + j]);
                g[p + j] = y;
                hNext[d + j] = y;
            }
            q.emitOutput(s, b, hNext, d);
        }
    }

    @Override
    void backwardStep(RnnRun q, int s) {
        int t = q.timeIndex(s);
        int n = q.units;
        float[] g = q.gateBuf, dG = q.dGates, dh = q.dh, dhNew = q.dhNew;
        for (int b = 0; b < q.batch; b++) {
            if (!q.keep(b, t)) {
                q.passMasked(s, b, t);
                continue;
            }
            q.gatherNewStateGradient(s, b);
            int p = q.row(b, t) * n;
            int r = b * n;
            for (int j = 0; j < n; j++) {
                dG[p + j] = dhNew[r + j] * derivative(act, g[p + j]);
                dh[r + j] = 0f; // h reaches h' only through h U
            }
        }
        q.recurrentBackward(q.ws.dGates, t, 0, 1);
    }
}
