package io.rnn4j.backend;

import io.rnn4j.Tensor;

/**
 * Arguments of a fused whole-sequence backward pass (BPTT). Upstream gradients may be null
 * (zero). Input-side gradients are overwritten; weight gradients are accumulated
 * ({@code dW += ...}), so a caller zeroes them once per optimizer step and may run several
 * sequences (truncated BPTT windows, the two directions of a Bidirectional layer) into them.
 *
 * @param dOutput          {@code (B, T, H)} gradient of every step's output (in processing order), or null
 * @param dFinalH          {@code (B, H)} gradient of the final h, or null
 * @param dFinalC          {@code (B, H)} gradient of the final c (LSTM), or null
 * @param dx               out, overwritten: {@code (B, T, I)}; or null if not needed
 * @param dInitialH        out, overwritten: {@code (B, H)}; or null
 * @param dInitialC        out, overwritten: {@code (B, H)} (LSTM); or null
 * @param dKernel          accumulated: {@code (I, G*H)}
 * @param dRecurrentKernel accumulated: {@code (H, G*H)}
 * @param dBias            accumulated: bias shape; null iff no bias
 */
public record RnnBackwardArgs(Tensor dOutput, Tensor dFinalH, Tensor dFinalC,
                              Tensor dx, Tensor dInitialH, Tensor dInitialC,
                              Tensor dKernel, Tensor dRecurrentKernel, Tensor dBias) {

    /** Checks every shape against the forward arguments; throws {@link IllegalArgumentException}. */
    public void validate(RnnSpec spec, RnnForwardArgs fwd) {
        int b = fwd.batch(), t = fwd.time(), h = spec.units();
        RnnArgChecks.optionalShape("dOutput", dOutput, b, t, h);
        RnnArgChecks.optionalShape("dFinalH", dFinalH, b, h);
        RnnArgChecks.optionalShape("dx", dx, b, t, spec.inputSize());
        RnnArgChecks.optionalShape("dInitialH", dInitialH, b, h);
        if (spec.states() == 2) {
            RnnArgChecks.optionalShape("dFinalC", dFinalC, b, h);
            RnnArgChecks.optionalShape("dInitialC", dInitialC, b, h);
        } else if (dFinalC != null || dInitialC != null) {
            throw new IllegalArgumentException("rnnBackward: dFinalC/dInitialC given for " + spec.cell() + ", which has one state");
        }
        RnnArgChecks.shape("dKernel", dKernel, spec.inputSize(), spec.gateWidth());
        RnnArgChecks.shape("dRecurrentKernel", dRecurrentKernel, h, spec.gateWidth());
        if (spec.useBias()) {
            RnnArgChecks.bias("dBias", dBias, spec);
        } else if (dBias != null) {
            throw new IllegalArgumentException("rnnBackward: dBias given but spec has useBias=false");
        }
    }
}
