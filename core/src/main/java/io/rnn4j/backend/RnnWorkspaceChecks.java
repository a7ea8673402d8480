package io.rnn4j.backend;

/**
 * Checks shared by the host backends' fused recurrent kernels ({@code java}, {@code simd}) on a
 * {@link RnnWorkspace} and on the forward arguments a backward pass is given. Each backend keeps
 * its own workspace class; these checks use only what every workspace exposes. They run on every
 * fused call (every streamed step too): the passing path builds no message and allocates nothing.
 */
public final class RnnWorkspaceChecks {
    private RnnWorkspaceChecks() {
    }

    /** The arguments of {@code rnnWorkspace}: a spec, and a positive batch and time. */
    public static void checkSizes(RnnSpec spec, int batch, int time) {
        if (spec == null) {
            throw new IllegalArgumentException("rnnWorkspace: spec must not be null");
        }
        if (batch <= 0 || time <= 0) {
            throw new IllegalArgumentException("rnnWorkspace: batch and time must be positive, got batch="
                    + batch + ", time=" + time);
        }
    }

    /**
     * The exception for a workspace that {@code backend}'s {@code rnnWorkspace} did not create
     * (another backend's, another instance's, or null); the caller throws it.
     */
    public static IllegalArgumentException notCreatedBy(String op, Backend backend, RnnWorkspace workspace) {
        return new IllegalArgumentException(op + ": workspace " + workspace + " was not created by this "
                + backend.name() + " backend's rnnWorkspace");
    }

    /**
     * Checks that a workspace of the calling backend can run {@code a}: not closed, sized for
     * {@code spec} and for the batch and time of {@code a.x()}.
     *
     * @param op       the SPI operation, for messages ({@code rnnForward}, {@code rnnBackward})
     * @param closed   whether the workspace was closed
     * @param sizedFor the spec the workspace was created for
     */
    public static void checkFits(String op, RnnWorkspace workspace, boolean closed, RnnSpec sizedFor, RnnSpec spec,
                                 RnnForwardArgs a) {
        if (closed) {
            throw new IllegalArgumentException(op + ": workspace " + workspace + " was closed");
        }
        if (!sizedFor.equals(spec)) {
            throw new IllegalArgumentException(op + ": workspace was sized for " + sizedFor + ", called with " + spec);
        }
        if (workspace.batch() != a.batch() || workspace.time() != a.time()) {
            throw new IllegalArgumentException(op + ": workspace was sized for batch=" + workspace.batch() + ", time="
                    + workspace.time() + " but x has batch=" + a.batch() + ", time=" + a.time());
        }
    }

    /**
     * Whether a backward pass given {@code b} reads what the training forward pass run with
     * {@code a} used: the same tensors (identity) for inputs, weights, initial states and masks,
     * and the same options. The outputs may differ (the backward pass reads the workspace).
     */
    public static boolean sameInputs(RnnForwardArgs a, RnnForwardArgs b) {
        return a.x() == b.x() && a.kernel() == b.kernel() && a.recurrentKernel() == b.recurrentKernel()
                && a.bias() == b.bias() && a.initialH() == b.initialH() && a.initialC() == b.initialC()
                && a.mask() == b.mask() && a.dropMask() == b.dropMask()
                && a.recurrentDropMask() == b.recurrentDropMask() && a.goBackwards() == b.goBackwards()
                && a.zeroOutputForMask() == b.zeroOutputForMask();
    }
}
