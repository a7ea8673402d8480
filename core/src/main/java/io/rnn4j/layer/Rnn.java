package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.cell.Cell;
import io.rnn4j.cell.CellConfigs;
import io.rnn4j.cell.DropoutMasks;
import io.rnn4j.cell.GruCell;
import io.rnn4j.cell.KerasCell;
import io.rnn4j.cell.LstmCell;
import io.rnn4j.cell.SequenceRunner;
import io.rnn4j.cell.SimpleRnnCell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keras {@code RNN}: runs any {@link Cell} over sequences {@code (batch, time, features)} (the
 * time length is free: every call may use another). The Keras options are fluent setters:
 * <pre>{@code
 * Rnn lstm = Rnn.lstm(32).returnSequences(true);                  // keras.layers.LSTM(32, return_sequences=True)
 * Rnn mine = new Rnn(new MyCell(8)).goBackwards(true);           // keras.layers.RNN(MyCell(8), go_backwards=True)
 * RnnResult r = lstm.returnState(true).call(x, mask, null, false); // output, h, c = lstm(x, mask=mask)
 * }</pre>
 *
 * <ul>
 *   <li>{@code return_sequences}: output {@code (batch, time, units)} instead of the last output.</li>
 *   <li>{@code return_state}: {@link #call} returns the final states as well ({@link RnnResult}).</li>
 *   <li>{@code go_backwards}: processes the sequence from its end and, like Keras, returns the
 *       output sequence in processing order (reversed).</li>
 *   <li>masks ({@code (batch, time)} of 1 / 0, Keras's TensorFlow and PyTorch backends): a masked
 *       step carries the states unchanged and outputs the previous step's output (zeros at the
 *       first step), or zeros with {@code zero_output_for_mask}.</li>
 *   <li>initial states: {@link #call} with {@code initialStates}, one {@code (batch, size)} per state.</li>
 *   <li>{@code stateful}: the final states of a call are the initial states of the next;
 *       {@link #resetStates()} zeroes them.</li>
 *   <li>streaming inference ({@link #timeStep}, Deeplearning4j's {@code rnnTimeStep}): one step
 *       or a chunk at a time, the state kept between calls, no tensor allocated per step once warm.</li>
 * </ul>
 * Built-in cells ({@link SimpleRnnCell}, {@link LstmCell}, {@link GruCell}) run on the backend's
 * fused whole-sequence kernels ({@link Backend#rnnForward}); any other cell runs on the
 * op-recorded path with backpropagation through time from the recorded adjoints. Dropout masks
 * are drawn once per sequence (training only) and are the same on both paths.
 *
 * <p>{@link #forward} / {@link #backward} make the layer usable in custom training loops; the
 * richer {@link #call} / {@link #backward(Tensor, List)} also take masks and initial states and
 * return state gradients. Weights are in Keras order ({@code kernel}, {@code recurrent_kernel},
 * {@code bias}); {@link #setWeights} loads weights trained in Keras unchanged.
 */
public class Rnn implements Layer {
    private static final Map<String, AtomicInteger> NAMES = new ConcurrentHashMap<>();

    private final Cell cell;
    private String name;
    private boolean returnSequences;
    private boolean returnState;
    private boolean goBackwards;
    private boolean stateful;
    private boolean zeroOutputForMask;
    private boolean checkNumerics;
    private Boolean fusedChoice;

    private Backend backend;
    private SplittableRandom dropoutRng;
    private SequenceRunner runner;
    private SequenceRunner streamRunner;
    private RnnWorkspace workspace;
    private RnnWorkspace streamWorkspace;

    // stateful / streaming states (batch, size_k)
    private Tensor[] states;
    private Tensor[] nextStates;

    // buffers sized for one (batch, time)
    private int bufBatch = -1;
    private int bufTime = -1;
    private Tensor outputs;
    private Tensor[] finals;
    private Tensor[] initBufs;
    private Map<Cell, Tensor[]> dropoutBufs;
    private float[] maskHost;
    private Tensor dOutputsBuf;

    // streaming buffers
    private Tensor streamOutputs;
    private Tensor streamLast;

    // Streaming calls the fused kernels once per timestep, so what a call would otherwise rebuild
    // is kept here (a warm step allocates no object at all, see timeStep):
    /** The fused spec and weights: fixed once the cell is built (options freeze, weights are bound for good). */
    private RnnSpec spec;
    private Tensor kernel, recurrentKernel, bias;
    /** The last single-step input and its {@code (batch, 1, features)} view (a view per call otherwise). */
    private Tensor stepInput, stepView;
    /**
     * The fused arguments of the last streamed calls, reused while they name the same input,
     * states and buffers (two: states and nextStates swap every call); a new batch size, input
     * or buffer builds new ones.
     */
    private final RnnForwardArgs[] streamArgs = new RnnForwardArgs[2];
    private int streamArgsNext;

    // the last training forward, for backward
    private boolean haveTrainingForward;
    private boolean lastFused;
    private RnnForwardArgs lastArgs;

    /** An {@code RNN} layer over {@code cell}. */
    public Rnn(Cell cell) {
        if (cell == null) {
            throw new IllegalArgumentException("Rnn: cell must not be null");
        }
        this.cell = cell;
    }

    // ------------------------------------------------------------------ Keras-named factories

    /** {@code keras.layers.SimpleRNN(units)}. */
    public static SimpleRnn simpleRnn(int units) {
        return new SimpleRnn(units);
    }

    /** {@code keras.layers.LSTM(units)}. */
    public static Lstm lstm(int units) {
        return new Lstm(units);
    }

    /** {@code keras.layers.GRU(units)}. */
    public static Gru gru(int units) {
        return new Gru(units);
    }

    // ------------------------------------------------------------------ options

    /** Keras {@code return_sequences} (default false). */
    public Rnn returnSequences(boolean on) {
        this.returnSequences = on;
        return this;
    }

    /** Keras {@code return_state} (default false): {@link #call} then returns the final states too. */
    public Rnn returnState(boolean on) {
        this.returnState = on;
        return this;
    }

    /** Keras {@code go_backwards} (default false). */
    public Rnn goBackwards(boolean on) {
        this.goBackwards = on;
        return this;
    }

    /** Keras {@code stateful} (default false). */
    public Rnn stateful(boolean on) {
        this.stateful = on;
        return this;
    }

    /** Keras {@code zero_output_for_mask} (default false; {@link Bidirectional} sets it to return_sequences). */
    public Rnn zeroOutputForMask(boolean on) {
        this.zeroOutputForMask = on;
        return this;
    }

    /** Rejects inputs and initial states holding NaN or infinity with an {@link IllegalArgumentException}. */
    public Rnn checkNumerics(boolean on) {
        this.checkNumerics = on;
        return this;
    }

    /**
     * Forces the fused backend kernels ({@code true}) or the op-recorded path ({@code false}) for
     * a built-in cell; by default built-in cells use the fused kernels.
     */
    public Rnn useFusedKernels(boolean on) {
        if (on && !(cell instanceof KerasCell)) {
            throw new IllegalArgumentException(name() + ": fused kernels run only the built-in cells (SimpleRnnCell, "
                    + "LstmCell, GruCell), not " + cell.getClass().getSimpleName());
        }
        this.fusedChoice = on;
        return this;
    }

    /** Sets the layer name. */
    public Rnn name(String name) {
        this.name = name;
        return this;
    }

    /** Keras {@code return_sequences}. */
    public boolean returnSequences() {
        return returnSequences;
    }

    /** Keras {@code return_state}. */
    public boolean returnState() {
        return returnState;
    }

    /** Keras {@code go_backwards}. */
    public boolean goBackwards() {
        return goBackwards;
    }

    /** Keras {@code stateful}. */
    public boolean stateful() {
        return stateful;
    }

    /** Keras {@code zero_output_for_mask}. */
    public boolean zeroOutputForMask() {
        return zeroOutputForMask;
    }

    /** The cell. */
    public Cell cell() {
        return cell;
    }

    /** True if this layer runs the backend's fused kernels. */
    public boolean usesFusedKernels() {
        return cell instanceof KerasCell && !Boolean.FALSE.equals(fusedChoice);
    }

    // ------------------------------------------------------------------ Layer

    @Override
    public String name() {
        if (name == null) {
            String base = defaultName();
            int id = NAMES.computeIfAbsent(base, k -> new AtomicInteger()).getAndIncrement();
            name = id == 0 ? base : base + "_" + id;
        }
        return name;
    }

    /** The Keras default name stem ({@code rnn}, {@code lstm}, ...). */
    String defaultName() {
        return "rnn";
    }

    @Override
    public String type() {
        return "RNN";
    }

    @Override
    public void build(Backend backend, int[] inputShape) {
        if (inputShape == null || inputShape.length != 2) {
            throw new IllegalArgumentException(name() + ": expects inputs (batch, time, features), i.e. an input shape "
                    + "(time, features) without batch, got " + Arrays.toString(inputShape));
        }
        build(backend, inputShape[1]);
    }

    private void build(Backend backend, int features) {
        if (isBuilt()) {
            if (features != cell.inputSize()) {
                throw new IllegalArgumentException(name() + ": built for inputs (batch, time, " + cell.inputSize()
                        + "), got (batch, time, " + features + ")");
            }
            if (backend != this.backend) {
                throw new IllegalArgumentException(name() + ": built on backend '" + this.backend.name()
                        + "', got a tensor of backend '" + backend.name() + "'");
            }
            return;
        }
        if (features <= 0) {
            throw new IllegalArgumentException(name() + ": the feature width must be positive, got " + features);
        }
        cell.build(backend, features);
        this.backend = backend;
        // Dropout masks follow the cells' seeds (a stack: its children's), so seeded layers draw the same masks.
        Long seed = cell.seed();
        if (seed == null) {
            for (Cell c : DropoutMasks.leafCells(cell)) {
                if (c.seed() != null) {
                    seed = (seed == null ? 0L : seed * 31) + c.seed();
                }
            }
        }
        this.dropoutRng = new SplittableRandom(seed != null ? seed ^ 0x5DEECE66DL : new SplittableRandom().nextLong());
    }

    @Override
    public boolean isBuilt() {
        return backend != null;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape == null || inputShape.length != 2) {
            throw new IllegalArgumentException(name() + ": expects an input shape (time, features), got " + Arrays.toString(inputShape));
        }
        return returnSequences ? new int[] {inputShape[0], cell.outputSize()} : new int[] {cell.outputSize()};
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        return call(input, null, null, training).output();
    }

    /** {@link #forward} with a timestep mask {@code (batch, time)} of 1 (keep) / 0 (skip), or null. */
    public Tensor forward(Tensor input, Tensor mask, boolean training) {
        return call(input, mask, null, training).output();
    }

    @Override
    public Tensor backward(Tensor dOutput) {
        return backward(dOutput, null).dx();
    }

    @Override
    public List<Parameter> parameters() {
        return cell.parameters();
    }

    // ------------------------------------------------------------------ call

    /**
     * Runs the layer: Keras {@code layer(x, mask=mask, initial_state=initialStates, training=training)}.
     *
     * @param x             {@code (batch, time, features)}
     * @param mask          {@code (batch, time)} of 1 / 0, or null
     * @param initialStates one {@code (batch, size)} tensor per state of the cell, or null (zeros, or
     *                      the kept states of a stateful layer)
     * @param training      enables dropout and keeps what {@link #backward} needs
     */
    public RnnResult call(Tensor x, Tensor mask, List<Tensor> initialStates, boolean training) {
        int[] sizes = cell.stateSizes();
        checkSequence(x);
        int b = x.dim(0), time = x.dim(1), in = x.dim(2);
        checkMask(mask, b, time);
        checkInitialStates(initialStates, b, sizes);
        if (stateful && states != null && states[0].dim(0) != b) {
            throw new IllegalArgumentException(name() + ": stateful layer holds states for a batch of " + states[0].dim(0)
                    + ", got inputs " + Arrays.toString(x.shape()) + "; call resetStates() to start over");
        }
        build(x.backend(), in);
        ensureBuffers(b, time);

        Tensor[] init = null;
        if (initialStates != null) {
            init = initBufs;
            for (int k = 0; k < sizes.length; k++) {
                backend.copy(initialStates.get(k), 0, init[k], 0, init[k].size());
            }
        } else if (stateful && states != null) {
            init = initBufs;
            for (int k = 0; k < sizes.length; k++) {
                backend.copy(states[k], 0, init[k], 0, init[k].size());
            }
        }
        Map<Cell, Tensor[]> drop = null;
        if (training && !dropoutBufs.isEmpty()) {
            for (Map.Entry<Cell, Tensor[]> e : dropoutBufs.entrySet()) {
                Cell c = e.getKey();
                Tensor[] m = e.getValue();
                if (m[0] != null) {
                    DropoutMasks.draw(backend, dropoutRng, c.dropout(), b, c.inputSize(), c.dropoutMaskCount(),
                            c.independentDropoutMasks(), maskHost, m[0]);
                }
                if (m[1] != null) {
                    DropoutMasks.draw(backend, dropoutRng, c.recurrentDropout(), b, c.stateSizes()[0], c.dropoutMaskCount(),
                            c.independentDropoutMasks(), maskHost, m[1]);
                }
            }
            drop = dropoutBufs;
        }
        Tensor[] own = drop == null ? null : drop.get(cell);
        Tensor dm = own == null ? null : own[0], rdm = own == null ? null : own[1];
        haveTrainingForward = false;
        boolean fused = usesFusedKernels();
        if (fused) {
            workspace = workspaceFor(workspace, b, time);
            lastArgs = fusedForward(x, init, mask, dm, rdm, training, workspace, outputs, finals);
        } else {
            if (runner == null) {
                runner = new SequenceRunner(cell);
            }
            runner.forward(x, init, mask, drop, goBackwards, zeroOutputForMask, training, outputs, null, finals);
        }
        if (stateful) {
            if (states == null) {
                states = newStates(b);
            }
            for (int k = 0; k < sizes.length; k++) {
                backend.copy(finals[k], 0, states[k], 0, states[k].size());
            }
        }
        if (training) {
            haveTrainingForward = true;
            lastFused = fused;
        }
        int o = cell.outputSize();
        Tensor out;
        if (returnSequences) {
            out = outputs.copy();
        } else {
            out = backend.zeros(b, o);
            backend.copy2d(b, o, outputs, (time - 1) * o, time * o, out, 0, o);
        }
        List<Tensor> st = new ArrayList<>();
        for (Tensor f : finals) {
            st.add(f.copy());
        }
        return new RnnResult(out, st);
    }

    private RnnForwardArgs fusedForward(Tensor x, Tensor[] init, Tensor mask, Tensor dm, Tensor rdm, boolean training,
                                        RnnWorkspace ws, Tensor out, Tensor[] fin) {
        RnnForwardArgs args = fusedArgs(x, init, mask, dm, rdm, training, out, fin);
        backend.rnnForward(spec, ws, args);
        return args;
    }

    private RnnForwardArgs fusedArgs(Tensor x, Tensor[] init, Tensor mask, Tensor dm, Tensor rdm, boolean training,
                                     Tensor out, Tensor[] fin) {
        bindFused();
        boolean lstm = spec.states() == 2;
        return new RnnForwardArgs(x, kernel, recurrentKernel, bias,
                init == null ? null : init[0], lstm && init != null ? init[1] : null, mask, dm, rdm,
                goBackwards, zeroOutputForMask, training, out, fin[0], lstm ? fin[1] : null);
    }

    /** Fetches the fused spec and weights once, after build (see the fields). */
    private void bindFused() {
        if (spec != null) {
            return;
        }
        RnnSpec s = ((KerasCell) cell).fusedSpec();
        List<Parameter> ps = cell.parameters();
        kernel = ps.get(0).value();
        recurrentKernel = ps.get(1).value();
        bias = s.useBias() ? ps.get(2).value() : null;
        spec = s;
    }

    /**
     * The fused inference arguments of a streamed call: a kept one if it names exactly these
     * tensors and the current options, else a new one that replaces the older kept one.
     */
    private RnnForwardArgs streamArgs(Tensor x, Tensor[] init, Tensor out, Tensor[] fin) {
        for (RnnForwardArgs a : streamArgs) {
            if (a != null && a.x() == x && a.initialH() == init[0] && a.finalH() == fin[0] && a.output() == out
                    && (init.length == 1 || a.initialC() == init[1] && a.finalC() == fin[1])
                    && a.goBackwards() == goBackwards && a.zeroOutputForMask() == zeroOutputForMask) {
                return a;
            }
        }
        RnnForwardArgs a = fusedArgs(x, init, null, null, null, false, out, fin);
        streamArgs[streamArgsNext] = a;
        streamArgsNext ^= 1;
        return a;
    }

    // ------------------------------------------------------------------ backward

    /**
     * Backpropagation through time for the last {@code call(..., training=true)}: accumulates
     * the weight gradients into {@link #parameters()} and returns the gradients of the input and
     * of the initial states.
     *
     * @param dOutput gradient of the output ({@code (batch, time, units)} with return_sequences,
     *                else {@code (batch, units)}), or null
     * @param dStates gradients of the final states (return_state), or null; entries may be null
     */
    public RnnGradients backward(Tensor dOutput, List<Tensor> dStates) {
        if (!haveTrainingForward) {
            throw new IllegalStateException(name() + ": backward needs a forward/call with training=true first");
        }
        int b = bufBatch, time = bufTime, o = cell.outputSize();
        int[] sizes = cell.stateSizes();
        if (dOutput != null) {
            int[] want = returnSequences ? new int[] {b, time, o} : new int[] {b, o};
            if (!dOutput.hasShape(want)) {
                throw new IllegalArgumentException(name() + ": dOutput must have shape " + Arrays.toString(want)
                        + ", got " + Arrays.toString(dOutput.shape()));
            }
        }
        Tensor[] dFinal = new Tensor[sizes.length];
        if (dStates != null) {
            if (dStates.size() != sizes.length) {
                throw new IllegalArgumentException(name() + ": expects " + sizes.length + " state gradients "
                        + Arrays.toString(sizes) + ", got " + dStates.size());
            }
            for (int k = 0; k < sizes.length; k++) {
                Tensor d = dStates.get(k);
                if (d != null && !d.hasShape(b, sizes[k])) {
                    throw new IllegalArgumentException(name() + ": gradient of state " + k + " must have shape "
                            + Arrays.toString(new int[] {b, sizes[k]}) + ", got " + Arrays.toString(d.shape()));
                }
                dFinal[k] = d;
            }
        }
        Tensor dOutputs = null;
        if (dOutput != null) {
            if (returnSequences) {
                dOutputs = dOutput;
            } else {
                if (dOutputsBuf == null) {
                    dOutputsBuf = backend.zeros(b, time, o);
                } else {
                    backend.fill(dOutputsBuf, 0f);
                }
                backend.copy2d(b, o, dOutput, 0, o, dOutputsBuf, (time - 1) * o, time * o);
                dOutputs = dOutputsBuf;
            }
        }
        Tensor dx = backend.zeros(b, time, cell.inputSize());
        Tensor[] dInit = new Tensor[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            dInit[k] = backend.zeros(b, sizes[k]);
        }
        haveTrainingForward = false;
        if (lastFused) {
            boolean lstm = spec.states() == 2;
            List<Parameter> ps = cell.parameters();
            RnnBackwardArgs args = new RnnBackwardArgs(dOutputs, dFinal[0], lstm ? dFinal[1] : null, dx, dInit[0],
                    lstm ? dInit[1] : null, ps.get(0).grad(), ps.get(1).grad(), ps.size() > 2 ? ps.get(2).grad() : null);
            backend.rnnBackward(spec, workspace, lastArgs, args);
        } else {
            runner.backward(dOutputs, dFinal, dx, dInit);
        }
        return new RnnGradients(dx, List.of(dInit));
    }

    // ------------------------------------------------------------------ states and streaming

    /** The kept states of a stateful layer or of streaming ({@link #timeStep}), copies; empty if none. */
    public List<Tensor> states() {
        if (states == null) {
            return List.of();
        }
        List<Tensor> l = new ArrayList<>();
        for (Tensor s : states) {
            l.add(s.copy());
        }
        return l;
    }

    /** Keras {@code reset_states()}: the kept states become zeros (streaming starts a new sequence). */
    public void resetStates() {
        if (states != null) {
            for (Tensor s : states) {
                backend.fill(s, 0f);
            }
        }
    }

    /**
     * Keras {@code reset_states(states)}: sets the kept states, one {@code (batch, size)} per state;
     * checks every shape before changing anything.
     */
    public void resetStates(List<Tensor> values) {
        if (!isBuilt()) {
            throw new IllegalStateException(name() + ": resetStates(values) before the layer is built");
        }
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException(name() + ": resetStates needs " + cell.stateSizes().length + " states");
        }
        int b = values.get(0).rank() == 2 ? values.get(0).dim(0) : -1;
        checkInitialStates(values, b, cell.stateSizes());
        if (states == null || states[0].dim(0) != b) {
            states = newStates(b);
            nextStates = null;
        }
        for (int k = 0; k < states.length; k++) {
            backend.copy(values.get(k), 0, states[k], 0, states[k].size());
        }
    }

    /**
     * Streaming inference (Deeplearning4j's {@code rnnTimeStep}): runs {@code x} — one step
     * {@code (batch, features)} or a chunk {@code (batch, time, features)} — from the kept states
     * and keeps the final states for the next call ({@link #resetStates()} starts over). Never
     * applies dropout. Returns {@code (batch, units)} for a step and {@code (batch, time, units)}
     * for a chunk, in a buffer owned by the layer and overwritten by the next call (copy it to
     * keep it): once warm, a step allocates no tensor.
     */
    public Tensor timeStep(Tensor x) {
        boolean single = x != null && x.rank() == 2;
        Tensor seq = single ? stepView(x) : x;
        checkSequence(seq);
        int b = seq.dim(0), time = seq.dim(1), in = seq.dim(2);
        if (states != null && states[0].dim(0) != b) {
            throw new IllegalArgumentException(name() + ": the kept states are for a batch of " + states[0].dim(0)
                    + ", got input " + Arrays.toString(x.shape()) + "; call resetStates() first");
        }
        build(seq.backend(), in);
        int o = cell.outputSize();
        if (states == null) {
            states = newStates(b);
        }
        if (nextStates == null) {
            nextStates = newStates(b);
        }
        if (streamOutputs == null || !streamOutputs.hasShape(b, time, o)) {
            streamOutputs = backend.zeros(b, time, o);
        }
        if (single && (streamLast == null || !streamLast.hasShape(b, o))) {
            streamLast = backend.zeros(b, o);
        }
        if (usesFusedKernels()) {
            streamWorkspace = workspaceFor(streamWorkspace, b, time);
            backend.rnnForward(spec, streamWorkspace, streamArgs(seq, states, streamOutputs, nextStates));
        } else {
            if (streamRunner == null) {
                streamRunner = new SequenceRunner(cell);
            }
            streamRunner.forward(seq, states, null, null, goBackwards, zeroOutputForMask, false,
                    streamOutputs, null, nextStates);
        }
        Tensor[] t = states;
        states = nextStates;
        nextStates = t;
        if (single) {
            backend.copy(streamOutputs, 0, streamLast, 0, b * o);
            return streamLast;
        }
        return streamOutputs;
    }

    /** {@code x (batch, features)} viewed as a sequence of one step, the view kept while the same x is streamed. */
    private Tensor stepView(Tensor x) {
        if (x != stepInput) {
            stepView = x.reshape(x.dim(0), 1, x.dim(1));
            stepInput = x;
        }
        return stepView;
    }

    // ------------------------------------------------------------------ config

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = layerOptions();
        c.put("cell", CellConfigs.toConfig(cell));
        return c;
    }

    /** Rebuilds an {@code RNN} layer from {@link #config()} (the cell must be rebuildable, see {@link CellConfigs}). */
    @SuppressWarnings("unchecked")
    public static Rnn fromConfig(Map<String, Object> config) {
        if (!(config.get("cell") instanceof Map<?, ?> cc)) {
            throw new IllegalArgumentException("RNN config needs a 'cell' {class_name, config}, got " + config.get("cell"));
        }
        return new Rnn(CellConfigs.fromConfig((Map<String, Object>) cc)).applyLayerConfig(config);
    }

    /** Applies the layer options of a Keras config. */
    Rnn applyLayerConfig(Map<String, Object> c) {
        if (c.get("name") instanceof String n) {
            name(n);
        }
        returnSequences(Boolean.TRUE.equals(c.get("return_sequences")));
        returnState(Boolean.TRUE.equals(c.get("return_state")));
        goBackwards(Boolean.TRUE.equals(c.get("go_backwards")));
        stateful(Boolean.TRUE.equals(c.get("stateful")));
        zeroOutputForMask(Boolean.TRUE.equals(c.get("zero_output_for_mask")));
        return this;
    }

    /** The layer options of {@link #config()} without the cell (the Keras-named layers flatten the cell options in). */
    Map<String, Object> layerOptions() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name());
        c.put("return_sequences", returnSequences);
        c.put("return_state", returnState);
        c.put("go_backwards", goBackwards);
        c.put("stateful", stateful);
        c.put("unroll", false);
        c.put("zero_output_for_mask", zeroOutputForMask);
        return c;
    }

    // ------------------------------------------------------------------ checks and buffers

    private void checkSequence(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(name() + ": input must not be null");
        }
        if (x.rank() != 3) {
            throw new IllegalArgumentException(name() + ": expects input " + wantedInput() + ", got " + Arrays.toString(x.shape()));
        }
        if (x.dim(0) == 0 || x.dim(1) == 0 || x.dim(2) == 0) {
            throw new IllegalArgumentException(name() + ": empty batch, zero time steps or zero features: expects input "
                    + wantedInput() + " with every dimension positive, got " + Arrays.toString(x.shape()));
        }
        if (cell.isBuilt() && x.dim(2) != cell.inputSize()) {
            throw new IllegalArgumentException(name() + ": expects input " + wantedInput() + ", got " + Arrays.toString(x.shape()));
        }
        if (isBuilt() && x.backend() != backend) {
            throw new IllegalArgumentException(name() + ": built on backend '" + backend.name() + "', got an input on '"
                    + x.backend().name() + "'");
        }
        if (checkNumerics && !Double.isFinite(x.backend().sum(x))) {
            throw new IllegalArgumentException(name() + ": input " + Arrays.toString(x.shape()) + " holds NaN or infinity");
        }
    }

    /** The input shape for error messages (built only when a check fails: checks run on every streamed step). */
    private String wantedInput() {
        return "(batch, time, " + (cell.inputSize() > 0 ? cell.inputSize() : "features") + ")";
    }

    private void checkMask(Tensor mask, int b, int time) {
        if (mask != null && !mask.hasShape(b, time)) {
            throw new IllegalArgumentException(name() + ": mask must have shape " + Arrays.toString(new int[] {b, time})
                    + " (batch, time), got " + Arrays.toString(mask.shape()));
        }
        if (mask != null && isBuilt() && mask.backend() != backend) {
            throw new IllegalArgumentException(name() + ": mask is on backend '" + mask.backend().name() + "', layer on '" + backend.name() + "'");
        }
    }

    private void checkInitialStates(List<Tensor> init, int b, int[] sizes) {
        if (init == null) {
            return;
        }
        if (init.size() != sizes.length) {
            throw new IllegalArgumentException(name() + ": expects " + sizes.length + " initial state(s) of sizes "
                    + Arrays.toString(sizes) + ", got " + init.size());
        }
        for (int k = 0; k < sizes.length; k++) {
            Tensor s = init.get(k);
            int[] want = {b, sizes[k]};
            if (s == null || !s.hasShape(want)) {
                throw new IllegalArgumentException(name() + ": initial state " + k + " must have shape "
                        + Arrays.toString(want) + ", got " + (s == null ? "null" : Arrays.toString(s.shape())));
            }
            if (checkNumerics && !Double.isFinite(s.backend().sum(s))) {
                throw new IllegalArgumentException(name() + ": initial state " + k + " " + Arrays.toString(want) + " holds NaN or infinity");
            }
        }
    }

    private void ensureBuffers(int b, int time) {
        if (b == bufBatch && time == bufTime) {
            return;
        }
        int[] sizes = cell.stateSizes();
        int in = cell.inputSize();
        outputs = backend.zeros(b, time, cell.outputSize());
        finals = newStates(b);
        initBufs = newStates(b);
        // one pair of dropout masks per cell that draws them (the children of a stack each draw their own)
        // insertion (= leaf) order, so a seeded stack draws its children's masks in the same order every run
        dropoutBufs = new java.util.LinkedHashMap<>();
        int hostSize = 0;
        for (Cell c : DropoutMasks.leafCells(cell)) {
            boolean onInput = DropoutMasks.active(c.dropout()), onState = DropoutMasks.active(c.recurrentDropout());
            if (onInput || onState) {
                int count = c.dropoutMaskCount(), w = c.inputSize(), s0 = c.stateSizes()[0];
                dropoutBufs.put(c, new Tensor[] {onInput ? backend.zeros(b, count * w) : null,
                        onState ? backend.zeros(b, count * s0) : null});
                hostSize = Math.max(hostSize, b * count * Math.max(w, s0));
            }
        }
        maskHost = new float[hostSize];
        dOutputsBuf = null;
        bufBatch = b;
        bufTime = time;
    }

    private Tensor[] newStates(int b) {
        int[] sizes = cell.stateSizes();
        Tensor[] s = new Tensor[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            s[k] = backend.zeros(b, sizes[k]);
        }
        return s;
    }

    private RnnWorkspace workspaceFor(RnnWorkspace ws, int b, int time) {
        if (ws != null && ws.batch() == b && ws.time() == time) {
            return ws;
        }
        if (ws != null) {
            ws.close();
        }
        bindFused();
        return backend.rnnWorkspace(spec, b, time);
    }

    @Override
    public String toString() {
        return name() + " (" + type() + ", " + cell + ")";
    }
}
