package io.rnn4j.backend.conformance;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One fused recurrent problem held in host arrays: a spec, random inputs, weights, states,
 * masks, dropout masks, upstream gradients and non-zero starting values of the accumulated
 * weight gradients. {@link #run(Backend)} runs it on any backend (training forward, then
 * backward) and returns every output and gradient on the host, so two backends, or a backend
 * and an independent reference, can be compared.
 *
 * <p>Built with {@link #builder}; the name describes the options so a failing test says which.
 */
public final class RnnCase {
    public final String name;
    public final RnnSpec spec;
    public final int batch;
    public final int time;
    public final boolean goBackwards;
    public final boolean zeroOutputForMask;
    public final float[] x;
    public final float[] kernel;
    public final float[] recurrentKernel;
    /** Null without bias. */
    public final float[] bias;
    /** Null for zero initial states. */
    public final float[] initialH;
    public final float[] initialC;
    /** {@code (B, T)} of 0/1, or null. */
    public final float[] mask;
    /** {@code (B, G*I)}, values 0 or {@code 1/(1-rate)}, or null. */
    public final float[] dropMask;
    /** {@code (B, G*H)}, or null. */
    public final float[] recurrentDropMask;
    /** Upstream gradients; null means not given (zero). */
    public final float[] dOutput;
    public final float[] dFinalH;
    public final float[] dFinalC;
    /** Starting values of the accumulated gradients (the backward adds to them). */
    public final float[] dKernelStart;
    public final float[] dRecurrentKernelStart;
    public final float[] dBiasStart;
    /** Whether dx / dInitialH / dInitialC are requested (else passed as null). */
    public final boolean wantInputGradients;

    private RnnCase(Builder b, SplittableRandom rnd) {
        spec = new RnnSpec(b.cell, b.inputSize, b.units, b.activation, b.recurrentActivation, b.useBias, b.resetAfter);
        batch = b.batch;
        time = b.time;
        goBackwards = b.goBackwards;
        zeroOutputForMask = b.zeroOutputForMask;
        wantInputGradients = b.wantInputGradients;
        int in = b.inputSize, h = b.units, gw = spec.gateWidth();
        x = uniform(rnd, batch * time * in, b.inputScale);
        kernel = uniform(rnd, in * gw, 1.2 / Math.sqrt(in));
        recurrentKernel = uniform(rnd, h * gw, 1.2 / Math.sqrt(h));
        bias = b.useBias ? uniform(rnd, Tensor.sizeOf(spec.biasShape()), 0.5) : null;
        initialH = b.initialStates ? uniform(rnd, batch * h, 0.9) : null;
        initialC = b.initialStates && spec.states() == 2 ? uniform(rnd, batch * h, 1.0) : null;
        if (b.maskDensity >= 0) {
            mask = new float[batch * time];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = rnd.nextDouble() < b.maskDensity ? 1f : 0f;
            }
            int first = goBackwards ? time - 1 : 0;
            int last = goBackwards ? 0 : time - 1;
            if (b.maskFirstStep) {
                mask[first] = 0f;                  // row 0 skips its first processed step
            }
            if (batch > 1) {
                mask[time + first] = 1f;           // row 1 runs its first step and skips the last
                mask[time + last] = 0f;
            }
        } else {
            mask = null;
        }
        dropMask = b.dropout > 0 ? dropoutMask(rnd, batch * spec.gates() * in, b.dropout) : null;
        recurrentDropMask = b.recurrentDropout > 0 ? dropoutMask(rnd, batch * gw, b.recurrentDropout) : null;
        dOutput = b.outputGradient ? uniform(rnd, batch * time * h, 1.0) : null;
        dFinalH = b.finalStateGradients ? uniform(rnd, batch * h, 1.0) : null;
        dFinalC = b.finalStateGradients && spec.states() == 2 ? uniform(rnd, batch * h, 1.0) : null;
        dKernelStart = uniform(rnd, in * gw, 1.0);
        dRecurrentKernelStart = uniform(rnd, h * gw, 1.0);
        dBiasStart = b.useBias ? uniform(rnd, Tensor.sizeOf(spec.biasShape()), 1.0) : null;
        name = b.name != null ? b.name : describe(b);
    }

    private static String describe(Builder b) {
        List<String> opts = new ArrayList<>();
        opts.add(b.cell + (b.cell == CellType.GRU ? (b.resetAfter ? "(reset_after)" : "(reset_before)") : ""));
        opts.add("B" + b.batch + " T" + b.time + " I" + b.inputSize + " H" + b.units);
        if (b.activation != Activation.TANH || (b.cell != CellType.SIMPLE_RNN && b.recurrentActivation != Activation.SIGMOID)) {
            opts.add(b.activation.kerasName() + (b.cell == CellType.SIMPLE_RNN ? "" : "/" + b.recurrentActivation.kerasName()));
        }
        if (!b.useBias) {
            opts.add("no bias");
        }
        if (b.maskDensity >= 0) {
            opts.add("mask" + (b.maskFirstStep ? " (first step masked)" : ""));
        }
        if (b.zeroOutputForMask) {
            opts.add("zeroOutputForMask");
        }
        if (b.goBackwards) {
            opts.add("goBackwards");
        }
        if (b.initialStates) {
            opts.add("initial states");
        }
        if (b.dropout > 0) {
            opts.add("dropout");
        }
        if (b.recurrentDropout > 0) {
            opts.add("recurrent dropout");
        }
        if (b.inputScale != 1.0) {
            opts.add("inputs x" + b.inputScale);
        }
        if (!b.outputGradient) {
            opts.add("no dOutput");
        }
        if (!b.finalStateGradients) {
            opts.add("no dFinal");
        }
        if (!b.wantInputGradients) {
            opts.add("no dx");
        }
        return String.join(", ", opts);
    }

    private static float[] uniform(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static float[] dropoutMask(SplittableRandom rnd, int n, double rate) {
        float[] a = new float[n];
        float keep = (float) (1.0 / (1.0 - rate));
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextDouble() < rate ? 0f : keep;
        }
        return a;
    }

    /** A builder for a case of {@code cell} with batch, time, input width and units. */
    public static Builder builder(CellType cell, int batch, int time, int inputSize, int units) {
        return new Builder(cell, batch, time, inputSize, units);
    }

    /** Copies this case's host data onto {@code backend}; null stays null. */
    private static Tensor on(Backend backend, float[] data, int... shape) {
        return data == null ? null : backend.fromArray(data, shape);
    }

    private static Tensor nanFilled(Backend backend, int... shape) {
        float[] a = new float[Tensor.sizeOf(shape)];
        Arrays.fill(a, Float.NaN);
        return backend.fromArray(a, shape);
    }

    /** Runs forward (training) then backward on {@code backend}; see {@link #run(Backend, int)}. */
    public RnnResult run(Backend backend) {
        return run(backend, 1);
    }

    /**
     * Runs forward with {@code training == true} and then backward on {@code backend},
     * {@code repeats} times on one workspace (each repeat starting the accumulated gradients from
     * their start values again), and returns the last run's outputs and gradients. Outputs and
     * overwritten gradients start as NaN, so a backend that reads instead of writing them fails.
     */
    public RnnResult run(Backend backend, int repeats) {
        int in = spec.inputSize(), h = spec.units(), gw = spec.gateWidth();
        boolean lstm = spec.states() == 2;
        RnnResult result = null;
        try (RnnWorkspace ws = backend.rnnWorkspace(spec, batch, time)) {
            Tensor tx = on(backend, x, batch, time, in);
            Tensor tk = on(backend, kernel, in, gw);
            Tensor tu = on(backend, recurrentKernel, h, gw);
            Tensor tb = bias == null ? null : on(backend, bias, spec.biasShape());
            Tensor th0 = on(backend, initialH, batch, h);
            Tensor tc0 = on(backend, initialC, batch, h);
            Tensor tm = on(backend, mask, batch, time);
            Tensor tdm = on(backend, dropMask, batch, spec.gates() * in);
            Tensor trdm = on(backend, recurrentDropMask, batch, gw);
            for (int rep = 0; rep < repeats; rep++) {
                Tensor out = nanFilled(backend, batch, time, h);
                Tensor fh = nanFilled(backend, batch, h);
                Tensor fc = lstm ? nanFilled(backend, batch, h) : null;
                RnnForwardArgs f = new RnnForwardArgs(tx, tk, tu, tb, th0, tc0, tm, tdm, trdm,
                        goBackwards, zeroOutputForMask, true, out, fh, fc);
                backend.rnnForward(spec, ws, f);
                Tensor dx = wantInputGradients ? nanFilled(backend, batch, time, in) : null;
                Tensor dh0 = wantInputGradients ? nanFilled(backend, batch, h) : null;
                Tensor dc0 = wantInputGradients && lstm ? nanFilled(backend, batch, h) : null;
                Tensor dk = on(backend, dKernelStart, in, gw);
                Tensor du = on(backend, dRecurrentKernelStart, h, gw);
                Tensor db = bias == null ? null : on(backend, dBiasStart, spec.biasShape());
                RnnBackwardArgs bw = new RnnBackwardArgs(on(backend, dOutput, batch, time, h),
                        on(backend, dFinalH, batch, h), lstm ? on(backend, dFinalC, batch, h) : null,
                        dx, dh0, dc0, dk, du, db);
                backend.rnnBackward(spec, ws, f, bw);
                result = new RnnResult();
                result.put("output", out.toArray());
                result.put("finalH", fh.toArray());
                if (lstm) {
                    result.put("finalC", fc.toArray());
                }
                if (wantInputGradients) {
                    result.put("dx", dx.toArray());
                    result.put("dInitialH", dh0.toArray());
                    if (lstm) {
                        result.put("dInitialC", dc0.toArray());
                    }
                }
                result.put("dKernel", dk.toArray());
                result.put("dRecurrentKernel", du.toArray());
                if (db != null) {
                    result.put("dBias", db.toArray());
                }
            }
        }
        return result;
    }

    /** Runs only the forward pass with the given {@code training} flag: output, finalH (, finalC). */
    public RnnResult forward(Backend backend, boolean training) {
        int in = spec.inputSize(), h = spec.units(), gw = spec.gateWidth();
        boolean lstm = spec.states() == 2;
        try (RnnWorkspace ws = backend.rnnWorkspace(spec, batch, time)) {
            Tensor out = nanFilled(backend, batch, time, h);
            Tensor fh = nanFilled(backend, batch, h);
            Tensor fc = lstm ? nanFilled(backend, batch, h) : null;
            RnnForwardArgs f = new RnnForwardArgs(on(backend, x, batch, time, in), on(backend, kernel, in, gw),
                    on(backend, recurrentKernel, h, gw), bias == null ? null : on(backend, bias, spec.biasShape()),
                    on(backend, initialH, batch, h), on(backend, initialC, batch, h), on(backend, mask, batch, time),
                    on(backend, dropMask, batch, spec.gates() * in), on(backend, recurrentDropMask, batch, gw),
                    goBackwards, zeroOutputForMask, training, out, fh, fc);
            backend.rnnForward(spec, ws, f);
            RnnResult r = new RnnResult();
            r.put("output", out.toArray());
            r.put("finalH", fh.toArray());
            if (lstm) {
                r.put("finalC", fc.toArray());
            }
            return r;
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /** Options of a case; every option defaults to off, sizes are given to {@link RnnCase#builder}. */
    public static final class Builder {
        private final CellType cell;
        private final int batch, time, inputSize, units;
        private Activation activation = Activation.TANH;
        private Activation recurrentActivation = Activation.SIGMOID;
        private boolean useBias = true;
        private boolean resetAfter;
        private double maskDensity = -1;
        private boolean maskFirstStep;
        private boolean zeroOutputForMask;
        private boolean goBackwards;
        private boolean initialStates;
        private double dropout;
        private double recurrentDropout;
        private double inputScale = 1.0;
        private boolean outputGradient = true;
        private boolean finalStateGradients = true;
        private boolean wantInputGradients = true;
        private long seed = 42;
        private String name;

        private Builder(CellType cell, int batch, int time, int inputSize, int units) {
            this.cell = cell;
            this.batch = batch;
            this.time = time;
            this.inputSize = inputSize;
            this.units = units;
            this.resetAfter = cell == CellType.GRU;
        }

        public Builder activations(Activation activation, Activation recurrentActivation) {
            this.activation = activation;
            this.recurrentActivation = recurrentActivation;
            return this;
        }

        public Builder noBias() {
            this.useBias = false;
            return this;
        }

        /** GRU only: {@code reset_after} (default true, like Keras). */
        public Builder resetAfter(boolean resetAfter) {
            this.resetAfter = resetAfter;
            return this;
        }

        /** A random 0/1 mask keeping steps with probability {@code density}; row 1 keeps its first step and skips its last. */
        public Builder mask(double density, boolean maskFirstStep) {
            this.maskDensity = density;
            this.maskFirstStep = maskFirstStep;
            return this;
        }

        public Builder zeroOutputForMask() {
            this.zeroOutputForMask = true;
            return this;
        }

        public Builder goBackwards() {
            this.goBackwards = true;
            return this;
        }

        /** Random non-zero initial h (and c). */
        public Builder initialStates() {
            this.initialStates = true;
            return this;
        }

        /** Per-gate input dropout masks with this rate. */
        public Builder dropout(double rate) {
            this.dropout = rate;
            return this;
        }

        /** Per-gate recurrent dropout masks with this rate. */
        public Builder recurrentDropout(double rate) {
            this.recurrentDropout = rate;
            return this;
        }

        /** Scales the inputs (large values saturate the gates). */
        public Builder inputScale(double scale) {
            this.inputScale = scale;
            return this;
        }

        /** No dOutput: only the final states receive gradients. */
        public Builder noOutputGradient() {
            this.outputGradient = false;
            return this;
        }

        /** No dFinalH / dFinalC. */
        public Builder noFinalStateGradients() {
            this.finalStateGradients = false;
            return this;
        }

        /** dx, dInitialH, dInitialC passed as null. */
        public Builder noInputGradients() {
            this.wantInputGradients = false;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public RnnCase build() {
            return new RnnCase(this, new SplittableRandom(seed));
        }
    }
}
