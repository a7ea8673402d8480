package io.rnn4j.backend;

import io.rnn4j.Tensor;

/**
 * Arguments of a fused whole-sequence forward pass ({@code B} batch, {@code T} steps,
 * {@code I} input width, {@code H} units, {@code G} gates). Nullable arguments are marked.
 *
 * <p>Step {@code s} (0 ≤ s < T) reads input time index {@code t = goBackwards ? T-1-s : s} and
 * writes {@code output[:, s, :]}: like Keras, a backwards layer returns its sequence in processing
 * order (reversed). The mask is read at the same index {@code t}.
 *
 * <p>Masking follows Keras's TensorFlow and PyTorch backends: where {@code mask[b, t] == 0} the
 * states are carried unchanged ({@code h_s = h_{s-1}}, {@code c_s = c_{s-1}}) and the output is the
 * previous step's output (zeros at step 0), or zeros when {@code zeroOutputForMask}. Any
 * nonzero mask value means "keep".
 *
 * <p>Dropout masks are applied whenever they are non-null, whatever {@code training} says: the
 * layer passes them only in training. {@code initialH} may be the same tensor as {@code finalH}
 * (and {@code initialC} as {@code finalC}), which is what a stateful layer does; no other output
 * may alias an input.
 *
 * @param x                  input {@code (B, T, I)}
 * @param kernel             {@code (I, G*H)}
 * @param recurrentKernel    {@code (H, G*H)}
 * @param bias               see {@link RnnSpec#biasShape()}; null iff {@code !useBias}
 * @param initialH           {@code (B, H)} or null for zeros
 * @param initialC           {@code (B, H)} or null for zeros (LSTM only)
 * @param mask               {@code (B, T)} of 1 (keep) / 0 (skip), or null
 * @param dropMask           {@code (B, G*I)}: block k multiplies x for gate k, values already scaled
 *                           by {@code 1/(1-rate)}; or null
 * @param recurrentDropMask  {@code (B, G*H)}: block k multiplies h for gate k; or null
 * @param goBackwards        process the sequence from the last step to the first
 * @param zeroOutputForMask  masked steps output zeros instead of the previous output
 * @param training           keep in the workspace what {@link Backend#rnnBackward} needs
 * @param output             out: {@code (B, T, H)}, every step's output
 * @param finalH             out: {@code (B, H)} the last state h
 * @param finalC             out: {@code (B, H)} the last cell state (LSTM), else null
 */
public record RnnForwardArgs(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias,
                             Tensor initialH, Tensor initialC, Tensor mask,
                             Tensor dropMask, Tensor recurrentDropMask,
                             boolean goBackwards, boolean zeroOutputForMask, boolean training,
                             Tensor output, Tensor finalH, Tensor finalC) {

    /**
     * Checks every shape against {@code spec} and throws an {@link IllegalArgumentException}
     * naming the argument, the expected and the actual shape. Backends call this first.
     */
    public void validate(RnnSpec spec) {
        if (x == null || x.rank() != 3) {
            throw new IllegalArgumentException("rnnForward: x must be (batch, time, " + spec.inputSize() + "), got " + x);
        }
        int b = x.dim(0), t = x.dim(1);
        int h = spec.units(), gw = spec.gateWidth();
        RnnArgChecks.shape("x", x, b, t, spec.inputSize());
        if (b == 0 || t == 0) {
            throw new IllegalArgumentException("rnnForward: empty batch or zero time steps: x " + java.util.Arrays.toString(x.shape()));
        }
        RnnArgChecks.shape("kernel", kernel, spec.inputSize(), gw);
        RnnArgChecks.shape("recurrentKernel", recurrentKernel, h, gw);
        if (spec.useBias()) {
            RnnArgChecks.bias("bias", bias, spec);
        } else if (bias != null) {
            throw new IllegalArgumentException("rnnForward: bias given but spec has useBias=false");
        }
        RnnArgChecks.optionalShape("initialH", initialH, b, h);
        if (spec.states() == 2) {
            RnnArgChecks.optionalShape("initialC", initialC, b, h);
            RnnArgChecks.shape("finalC", finalC, b, h);
        } else if (initialC != null || finalC != null) {
            throw new IllegalArgumentException("rnnForward: initialC/finalC given for " + spec.cell() + ", which has one state");
        }
        RnnArgChecks.optionalShape("mask", mask, b, t);
        RnnArgChecks.optionalShape("dropMask", dropMask, b, spec.gates() * spec.inputSize());
        RnnArgChecks.optionalShape("recurrentDropMask", recurrentDropMask, b, gw);
        RnnArgChecks.shape("output", output, b, t, h);
        RnnArgChecks.shape("finalH", finalH, b, h);
    }

    /** Batch size. */
    public int batch() {
        return x.dim(0);
    }

    /** Number of time steps. */
    public int time() {
        return x.dim(1);
    }
}
