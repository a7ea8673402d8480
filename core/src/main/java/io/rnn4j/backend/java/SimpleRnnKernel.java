package io.rnn4j.backend.java;

import io.rnn4j.backend.RnnSpec;

import static io.rnn4j.backend.java.JavaBackend.apply;
import static io.rnn4j.backend.java.JavaBackend.derivative;

/** Keras {@code SimpleRNNCell}: {@code h' = a(x W + b + h U)}. */
final class SimpleRnnKernel extends CellKernel {

    SimpleRnnKernel(RnnSpec spec) {
        super(spec);
    }

    @Override
    void forwardRow(RnnRun q, int s, int b, int row, float[] hNext, int d) {
        int n = q.units;
        float[] g = q.gateBuf, hu = q.recurrent, bias = q.bias;
        int p = row * n;
        int r = b * n;
        for (int j = 0; j < n; j++) {
            float y = apply(act, g[p + j] + (bias == null ? 0f : bias[j]) + hu[r + j]);
            g[p + j] = y;
            hNext[d + j] = y;
        }
    }

    @Override
    void backwardRow(RnnRun q, int b, int row) {
        int n = q.units;
        float[] g = q.gateBuf, dG = q.dGates, dh = q.dh, dhNew = q.dhNew;
        int p = row * n;
        int r = b * n;
        for (int j = 0; j < n; j++) {
            dG[p + j] = dhNew[r + j] * derivative(act, g[p + j]);
            dh[r + j] = 0f; // h reaches h' only through h U
        }
    }
}
