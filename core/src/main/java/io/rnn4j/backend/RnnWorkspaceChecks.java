package io.rnn4j.backend;

import io.rnn4j.Tensor;

/**
 * Checks shared by the host backends' fused recurrent kernels ({@code java}, {@code simd}) on a
 * {@link RnnWorkspace}, on the ownership of a call's tensors and on the forward arguments a backward
 * pass is given. Each backend keeps
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

    /** The arguments of {@code rnnForward}: non-null and valid for {@code spec} ({@link RnnForwardArgs#validate}). */
    public static void checkForwardArgs(RnnSpec spec, RnnForwardArgs a) {
        if (a == null) {
            throw new IllegalArgumentException("rnnForward: args must not be null");
        }
        a.validate(spec);
    }

    /**
     * The arguments of {@code rnnBackward}: both non-null, {@code f} valid for {@code spec} and
     * {@code b} valid for {@code spec} and {@code f}.
     */
    public static void checkBackwardArgs(RnnSpec spec, RnnForwardArgs f, RnnBackwardArgs b) {
        if (f == null || b == null) {
            throw new IllegalArgumentException("rnnBackward: forward and backward args must not be null");
        }
        f.validate(spec);
        b.validate(spec, f);
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
     * Checks that {@code owner} owns every tensor of one fused call (backward: {@code b} non-null),
     * the required ones and the optional ones that are given, so that a call with a foreign or
     * missing tensor is rejected before anything is written. Order of the checks (and so which
     * tensor a message names when several are wrong): the forward arguments, then the backward ones.
     */
    public static void checkOwned(Backend owner, RnnForwardArgs a, RnnBackwardArgs b) {
        HostTensors.data(owner, a.x(), "x");
        HostTensors.data(owner, a.kernel(), "kernel");
        HostTensors.data(owner, a.recurrentKernel(), "recurrentKernel");
        checkOwnedIfGiven(owner, a.bias(), "bias");
        checkOwnedIfGiven(owner, a.mask(), "mask");
        checkOwnedIfGiven(owner, a.dropMask(), "dropMask");
        checkOwnedIfGiven(owner, a.recurrentDropMask(), "recurrentDropMask");
        HostTensors.data(owner, a.output(), "output");
        HostTensors.data(owner, a.finalH(), "finalH");
        checkOwnedIfGiven(owner, a.finalC(), "finalC");
        checkOwnedIfGiven(owner, a.initialH(), "initialH");
        checkOwnedIfGiven(owner, a.initialC(), "initialC");
        if (b != null) {
            checkOwnedIfGiven(owner, b.dOutput(), "dOutput");
            checkOwnedIfGiven(owner, b.dFinalH(), "dFinalH");
            checkOwnedIfGiven(owner, b.dFinalC(), "dFinalC");
            checkOwnedIfGiven(owner, b.dx(), "dx");
            checkOwnedIfGiven(owner, b.dInitialH(), "dInitialH");
            checkOwnedIfGiven(owner, b.dInitialC(), "dInitialC");
            checkOwnedIfGiven(owner, b.dKernel(), "dKernel");
            checkOwnedIfGiven(owner, b.dRecurrentKernel(), "dRecurrentKernel");
            checkOwnedIfGiven(owner, b.dBias(), "dBias");
        }
    }

    private static void checkOwnedIfGiven(Backend owner, Tensor t, String what) {
        if (t != null) {
            HostTensors.data(owner, t, what);
        }
    }

    /**
     * The precondition of {@link Backend#rnnBackward} every backend shares: {@code last} (the
     * arguments of the last training forward pass on {@code workspace}, or null) must exist, an
     * {@link IllegalStateException} otherwise, and must read the same inputs as {@code f}, an
     * {@link IllegalArgumentException} otherwise.
     */
    public static void requireTrainingForward(RnnWorkspace workspace, RnnForwardArgs last, RnnForwardArgs f) {
        if (last == null) {
            throw new IllegalStateException("rnnBackward: " + workspace + " holds no training forward pass;"
                    + " run rnnForward with training=true on this workspace first");
        }
        if (!sameInputs(last, f)) {
            throw new IllegalArgumentException("rnnBackward: the forward arguments differ from those of the last"
                    + " training forward pass on " + workspace + " (inputs, weights, states, masks and options must be"
                    + " the same tensors)");
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
