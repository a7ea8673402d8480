package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.layer.Parameter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs any {@link Cell} over a sequence on the op-recorded path and backpropagates through time:
 * each step is recorded on its own {@link Ops} tape (kept for backward when training), and
 * {@link #backward} walks the steps in reverse applying every primitive's adjoint. This is
 * the engine behind {@link io.rnn4j.layer.Rnn} for user cells and behind {@link GradientChecker}.
 *
 * <p>Semantics follow Keras's TensorFlow backend {@code rnn()}: step {@code s} reads time
 * {@code t = goBackwards ? T-1-s : s} and writes {@code outputs[:, s, :]} (processing order);
 * where {@code mask[b, t] == 0} the states are carried and the output is the previous step's
 * output (zeros at step 0), or zeros with {@code zeroOutputForMask}.
 *
 * <p>Tapes and buffers are kept between calls and reused while the batch size stays the same,
 * so streaming one step at a time does not allocate tensors once warm. Not thread-safe.
 */
public final class SequenceRunner {
    private final Cell cell;
    private final Backend backend;
    private final Map<Weight, Parameter> binding;
    private final int[] stateSizes;
    private final int outSize;
    private final List<Ops> tapes = new ArrayList<>();
    private final List<Tensor> xs = new ArrayList<>();
    private final List<Tensor[]> stateBufs = new ArrayList<>();
    private final List<Tensor> outBufs = new ArrayList<>();
    private final List<Var> xVars = new ArrayList<>();
    private final List<Var[]> stateVars = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<Integer, Tensor> ones = new HashMap<>();
    private final Map<Integer, Tensor[]> scratch = new HashMap<>();
    private int batch = -1;
    private int inputSize = -1;
    // what the last forward did, for backward
    private int lastTime;
    private boolean lastTraining;
    private Tensor lastMask;
    private boolean lastGoBackwards;
    private boolean lastZeroOutput;

    /** A runner for {@code cell} (built) using its own weights. */
    public SequenceRunner(Cell cell) {
        this(cell, cell.backend(), cell.binding());
    }

    /** A runner for {@code cell} on {@code backend} with the weights of {@code binding} (the gradient checker's float64 copy). */
    public SequenceRunner(Cell cell, Backend backend, Map<Weight, Parameter> binding) {
        if (!cell.isBuilt()) {
            throw new IllegalStateException(cell.name() + ": build the cell before running it");
        }
        this.cell = cell;
        this.backend = backend;
        this.binding = binding;
        this.stateSizes = cell.stateSizes();
        this.outSize = cell.outputSize();
    }

    /** The cell. */
    public Cell cell() {
        return cell;
    }

    /**
     * Runs the cell over {@code x (B, T, I)}.
     *
     * @param initialStates      one {@code (B, S_k)} per state (entries or the array may be null: zeros)
     * @param mask               {@code (B, T)} of 1 / 0, or null
     * @param dropoutMasks       the dropout masks of this sequence per cell (the cell itself, or the
     *                           children of a {@link StackedCells}): {@code {(B, count * I), (B, count * S_0)}},
     *                           entries null when absent; null for none
     * @param training           keep every step's tape for {@link #backward}
     * @param outputs            out {@code (B, T, O)} every step's output in processing order, or null
     * @param lastOutput         out {@code (B, O)}, or null
     * @param finalStates        out, one {@code (B, S_k)} per state, or null
     */
    public void forward(Tensor x, Tensor[] initialStates, Tensor mask, Map<Cell, Tensor[]> dropoutMasks,
                        boolean goBackwards, boolean zeroOutputForMask, boolean training,
                        Tensor outputs, Tensor lastOutput, Tensor[] finalStates) {
        int b = x.dim(0), time = x.dim(1), in = x.dim(2);
        ensure(b, in, training ? time : 1);
        int nS = stateSizes.length;
        Tensor[] s0 = stateBufs.get(0);
        for (int k = 0; k < nS; k++) {
            if (initialStates != null && initialStates[k] != null) {
                backend.copy(initialStates[k], 0, s0[k], 0, s0[k].size());
            } else {
                backend.fill(s0[k], 0f);
            }
        }
        backend.fill(outBufs.get(0), 0f);
        for (int s = 0; s < time; s++) {
            int t = goBackwards ? time - 1 - s : s;
            int slot = training ? s : 0;
            int prev = training ? s : (s & 1);
            int cur = training ? s + 1 : ((s + 1) & 1);
            Tensor xt = xs.get(slot);
            backend.copy2d(b, in, x, t * in, time * in, xt, 0, in);
            Ops ops = tapes.get(slot);
            ops.begin(cell.name());
            ops.dropoutMasks(dropoutMasks);
            ops.enter(cell);
            Var xv = ops.input(xt);
            Var[] sv = stateVars.get(slot);
            Tensor[] prevStates = stateBufs.get(prev);
            for (int k = 0; k < nS; k++) {
                sv[k] = ops.input(prevStates[k]);
            }
            xVars.set(slot, xv);
            Step step = cell.call(ops, xv, sv.clone());
            cell.checkStep(step, b);
            steps.set(slot, step);
            Tensor[] nextStates = stateBufs.get(cur);
            Tensor prevOut = outBufs.get(prev), out = outBufs.get(cur);
            if (mask == null) {
                for (int k = 0; k < nS; k++) {
                    backend.copy(step.states()[k].value(), 0, nextStates[k], 0, nextStates[k].size());
                }
                backend.copy(step.output().value(), 0, out, 0, out.size());
            } else {
                for (int k = 0; k < nS; k++) {
                    Tensor m = maskFor(mask, t, stateSizes[k], 0);
                    Tensor tmp = scratchFor(stateSizes[k], 1);
                    // carried where masked: s_new = s_old + m * (s_step - s_old)
                    backend.sub(step.states()[k].value(), prevStates[k], tmp);
                    backend.mul(tmp, m, tmp);
                    backend.add(prevStates[k], tmp, nextStates[k]);
                }
                Tensor m = maskFor(mask, t, outSize, 0);
                if (zeroOutputForMask) {
                    backend.mul(step.output().value(), m, out);
                } else {
                    Tensor tmp = scratchFor(outSize, 1);
                    backend.sub(step.output().value(), prevOut, tmp);
                    backend.mul(tmp, m, tmp);
                    backend.add(prevOut, tmp, out);
                }
            }
            if (outputs != null) {
                backend.copy2d(b, outSize, out, 0, outSize, outputs, s * outSize, time * outSize);
            }
        }
        int last = training ? time : (time & 1);
        if (lastOutput != null) {
            backend.copy(outBufs.get(last), 0, lastOutput, 0, lastOutput.size());
        }
        if (finalStates != null) {
            for (int k = 0; k < nS; k++) {
                if (finalStates[k] != null) {
                    backend.copy(stateBufs.get(last)[k], 0, finalStates[k], 0, finalStates[k].size());
                }
            }
        }
        lastTime = time;
        lastTraining = training;
        lastMask = mask;
        lastGoBackwards = goBackwards;
        lastZeroOutput = zeroOutputForMask;
    }

    /**
     * Backpropagation through time for the last {@code forward(..., training=true)}. Weight
     * gradients are accumulated into the parameters; input-side gradients are overwritten.
     *
     * @param dOutputs       {@code (B, T, O)} gradient of every step's output (processing order), or null
     * @param dFinalStates   gradient of each final state (array or entries may be null)
     * @param dx             out {@code (B, T, I)}, or null
     * @param dInitialStates out, one {@code (B, S_k)} per state (array or entries may be null)
     */
    public void backward(Tensor dOutputs, Tensor[] dFinalStates, Tensor dx, Tensor[] dInitialStates) {
        if (!lastTraining) {
            throw new IllegalStateException(cell.name() + ": backward needs a forward with training=true first");
        }
        int b = batch, time = lastTime, in = inputSize, nS = stateSizes.length;
        Tensor gOut = scratchFor(outSize, 2), carry = scratchFor(outSize, 3), dy = scratchFor(outSize, 4);
        Tensor[] dS = new Tensor[nS];
        for (int k = 0; k < nS; k++) {
            dS[k] = scratchFor(stateSizes[k], 5 + k);
            if (dFinalStates != null && dFinalStates[k] != null) {
                backend.copy(dFinalStates[k], 0, dS[k], 0, dS[k].size());
            } else {
                backend.fill(dS[k], 0f);
            }
        }
        backend.fill(carry, 0f);
        for (int s = time - 1; s >= 0; s--) {
            int t = lastGoBackwards ? time - 1 - s : s;
            if (dOutputs != null) {
                backend.copy2d(b, outSize, dOutputs, s * outSize, time * outSize, gOut, 0, outSize);
                backend.add(gOut, carry, gOut);
            } else {
                backend.copy(carry, 0, gOut, 0, gOut.size());
            }
            Ops ops = tapes.get(s);
            Step step = steps.get(s);
            ops.zeroGrads();
            if (lastMask == null) {
                backend.add(ops.grad(step.output()), gOut, ops.grad(step.output()));
                backend.fill(carry, 0f);
                for (int k = 0; k < nS; k++) {
                    Tensor g = ops.grad(step.states()[k]);
                    backend.add(g, dS[k], g);
                    backend.fill(dS[k], 0f);
                }
            } else {
                Tensor m = maskFor(lastMask, t, outSize, 0);
                backend.mul(gOut, m, dy);
                backend.add(ops.grad(step.output()), dy, ops.grad(step.output()));
                if (lastZeroOutput) {
                    backend.fill(carry, 0f);
                } else {
                    backend.sub(gOut, dy, carry);
                }
                for (int k = 0; k < nS; k++) {
                    Tensor mk = maskFor(lastMask, t, stateSizes[k], 0);
                    Tensor tmp = scratchFor(stateSizes[k], 1);
                    backend.mul(dS[k], mk, tmp);
                    Tensor g = ops.grad(step.states()[k]);
                    backend.add(g, tmp, g);
                    backend.sub(dS[k], tmp, dS[k]);
                }
            }
            ops.backward();
            if (dx != null) {
                backend.copy2d(b, in, ops.grad(xVars.get(s)), 0, in, dx, t * in, time * in);
            }
            Var[] sv = stateVars.get(s);
            for (int k = 0; k < nS; k++) {
                Tensor g = ops.grad(sv[k]);
                backend.add(dS[k], g, dS[k]);
            }
        }
        if (dInitialStates != null) {
            for (int k = 0; k < nS; k++) {
                if (dInitialStates[k] != null) {
                    backend.copy(dS[k], 0, dInitialStates[k], 0, dS[k].size());
                }
            }
        }
    }

    /** Sizes every buffer for batch {@code b}, input width {@code in} and {@code slots} kept steps. */
    private void ensure(int b, int in, int slots) {
        if (b != batch || in != inputSize) {
            tapes.clear();
            xs.clear();
            stateBufs.clear();
            outBufs.clear();
            xVars.clear();
            stateVars.clear();
            steps.clear();
            scratch.clear();
            batch = b;
            inputSize = in;
        }
        while (tapes.size() < Math.max(slots, 1)) {
            tapes.add(new Ops(backend, binding));
            xs.add(backend.zeros(b, in));
            xVars.add(null);
            stateVars.add(new Var[stateSizes.length]);
            steps.add(null);
        }
        while (stateBufs.size() < Math.max(slots + 1, 2)) {
            Tensor[] st = new Tensor[stateSizes.length];
            for (int k = 0; k < st.length; k++) {
                st[k] = backend.zeros(b, stateSizes[k]);
            }
            stateBufs.add(st);
            outBufs.add(backend.zeros(b, outSize));
        }
    }

    /** Column {@code t} of the mask broadcast over {@code width} columns: one GEMM with a row of ones. */
    private Tensor maskFor(Tensor mask, int t, int width, int slot) {
        Tensor m = scratchFor(width, slot);
        Tensor one = ones.computeIfAbsent(width, w -> {
            Tensor o = backend.zeros(1, w);
            backend.fill(o, 1f);
            return o;
        });
        int time = mask.dim(1);
        backend.gemm(false, false, batch, width, 1, 1f, mask, t, time, one, 0, width, 0f, m, 0, width);
        return m;
    }

    private Tensor scratchFor(int width, int slot) {
        Tensor[] arr = scratch.computeIfAbsent(width, w -> new Tensor[8 + stateSizes.length]);
        if (arr[slot] == null) {
            arr[slot] = backend.zeros(batch, width);
        }
        return arr[slot];
    }
}
