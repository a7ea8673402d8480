package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keras {@code Bidirectional}: a forward copy and a backward ({@code go_backwards}) copy of a
 * recurrent layer, merged with {@code concat} (default), {@code sum}, {@code mul} or {@code ave}.
 * As in Keras, the backward layer's output sequence is reversed again before merging, so step
 * {@code t} of both halves refers to input step {@code t}; both layers get
 * {@code zero_output_for_mask = return_sequences}. Weights: the forward layer's, then the
 * backward layer's.
 * <pre>{@code
 * Bidirectional bi = new Bidirectional(new Lstm(16).returnSequences(true), "concat"); // Bidirectional(LSTM(16, return_sequences=True))
 * }</pre>
 */
public final class Bidirectional implements Layer {
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** Keras merge modes. */
    public enum MergeMode {
        /** Concatenate along features (default). */
        CONCAT,
        /** Element-wise sum. */
        SUM,
        /** Element-wise product. */
        MUL,
        /** Element-wise mean. */
        AVE;

        /** The Keras name. */
        public String kerasName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Parses a Keras merge mode name. */
        public static MergeMode fromKeras(String s) {
            for (MergeMode m : values()) {
                if (m.kerasName().equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("Bidirectional: invalid merge mode '" + s + "'; expected concat, sum, mul or ave");
        }
    }

    private final Rnn forwardLayer;
    private final Rnn backwardLayer;
    private final MergeMode mergeMode;
    private String name;
    private Tensor lastY;
    private Tensor lastYRev;

    /** Wraps {@code layer} (its cell must be rebuildable from a config, as in Keras) with merge mode concat. */
    public Bidirectional(Rnn layer) {
        this(layer, "concat");
    }

    /** Wraps {@code layer}: a forward and a backward copy rebuilt from its config. */
    public Bidirectional(Rnn layer, String mergeMode) {
        this(copy(layer, false), copy(layer, true), mergeMode);
    }

    /**
     * Keras {@code Bidirectional(layer, backward_layer=...)}: explicit layers (needed for user cells
     * that cannot be rebuilt from a config). They must differ in go_backwards and agree on
     * stateful, return_sequences and return_state.
     */
    public Bidirectional(Rnn forwardLayer, Rnn backwardLayer, String mergeMode) {
        if (forwardLayer == null || backwardLayer == null) {
            throw new IllegalArgumentException("Bidirectional: layers must not be null");
        }
        if (forwardLayer == backwardLayer) {
            throw new IllegalArgumentException("Bidirectional: forward and backward layers must be distinct objects");
        }
        if (forwardLayer.goBackwards() == backwardLayer.goBackwards()) {
            throw new IllegalArgumentException("Bidirectional: forward and backward layers must differ in go_backwards, both have "
                    + forwardLayer.goBackwards());
        }
        if (forwardLayer.stateful() != backwardLayer.stateful() || forwardLayer.returnSequences() != backwardLayer.returnSequences()
                || forwardLayer.returnState() != backwardLayer.returnState()) {
            throw new IllegalArgumentException("Bidirectional: forward and backward layers must agree on stateful, return_sequences and return_state");
        }
        if (forwardLayer.cell().outputSize() != backwardLayer.cell().outputSize()) {
            throw new IllegalArgumentException("Bidirectional: the layers' output sizes differ: " + forwardLayer.cell().outputSize()
                    + " and " + backwardLayer.cell().outputSize());
        }
        this.mergeMode = MergeMode.fromKeras(mergeMode == null ? "concat" : mergeMode);
        this.forwardLayer = forwardLayer;
        this.backwardLayer = backwardLayer;
        forwardLayer.zeroOutputForMask(forwardLayer.returnSequences());
        backwardLayer.zeroOutputForMask(backwardLayer.returnSequences());
    }

    private static Rnn copy(Rnn layer, boolean backwards) {
        if (layer == null) {
            throw new IllegalArgumentException("Bidirectional: layer must not be null");
        }
        Map<String, Object> c = new LinkedHashMap<>(layer.config());
        c.put("go_backwards", backwards);
        c.put("name", (backwards ? "backward_" : "forward_") + layer.name());
        return (Rnn) LayerRegistryBridge.create(layer.type(), c);
    }

    /** The forward layer. */
    public Rnn forwardLayer() {
        return forwardLayer;
    }

    /** The backward layer. */
    public Rnn backwardLayer() {
        return backwardLayer;
    }

    /** The merge mode. */
    public MergeMode mergeMode() {
        return mergeMode;
    }

    /** Sets the name. */
    public Bidirectional name(String name) {
        this.name = name;
        return this;
    }

    @Override
    public String name() {
        if (name == null) {
            int id = NAMES.getAndIncrement();
            name = id == 0 ? "bidirectional" : "bidirectional_" + id;
        }
        return name;
    }

    @Override
    public String type() {
        return "Bidirectional";
    }

    @Override
    public void build(Backend backend, int[] inputShape) {
        forwardLayer.build(backend, inputShape);
        backwardLayer.build(backend, inputShape);
    }

    @Override
    public boolean isBuilt() {
        return forwardLayer.isBuilt() && backwardLayer.isBuilt();
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] s = forwardLayer.outputShape(inputShape);
        if (mergeMode == MergeMode.CONCAT) {
            s[s.length - 1] *= 2;
        }
        return s;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        return call(input, null, null, training).output();
    }

    /**
     * Keras {@code Bidirectional(...)(x, mask=..., initial_state=...)}: initial states are the
     * forward layer's followed by the backward layer's; the result's states likewise.
     */
    public RnnResult call(Tensor x, Tensor mask, List<Tensor> initialStates, boolean training) {
        List<Tensor> fInit = null, bInit = null;
        if (initialStates != null) {
            int n = forwardLayer.cell().stateSizes().length;
            if (initialStates.size() != 2 * n) {
                throw new IllegalArgumentException(name() + ": expects " + 2 * n + " initial states (forward then backward), got "
                        + initialStates.size());
            }
            fInit = initialStates.subList(0, n);
            bInit = initialStates.subList(n, 2 * n);
        }
        // Check everything both layers will check before either runs, so a rejected call changes nothing.
        if (x != null && x.rank() == 3 && backwardLayer.isBuilt() && x.dim(2) != backwardLayer.cell().inputSize()) {
            throw new IllegalArgumentException(name() + ": expects input (batch, time, " + backwardLayer.cell().inputSize()
                    + "), got " + Arrays.toString(x.shape()));
        }
        if (bInit != null) {
            int[] sizes = backwardLayer.cell().stateSizes();
            for (int k = 0; k < sizes.length; k++) {
                Tensor s = bInit.get(k);
                if (s == null || x == null || !s.hasShape(x.dim(0), sizes[k])) {
                    throw new IllegalArgumentException(name() + ": backward initial state " + k + " must have shape ("
                            + (x == null ? "batch" : x.dim(0)) + ", " + sizes[k] + "), got " + (s == null ? "null" : Arrays.toString(s.shape())));
                }
            }
        }
        RnnResult f = forwardLayer.call(x, mask, fInit, training);
        RnnResult b = backwardLayer.call(x, mask, bInit, training);
        Tensor y = f.output();
        Tensor yRev = b.output();
        Backend be = y.backend();
        if (forwardLayer.returnSequences()) {
            yRev = reverseTime(yRev);
        }
        lastY = y;
        lastYRev = yRev;
        Tensor out;
        switch (mergeMode) {
            case CONCAT -> {
                int w = y.dim(-1);
                int rows = y.size() / w;
                int[] shape = y.shape();
                shape[shape.length - 1] = 2 * w;
                out = be.zeros(shape);
                be.copy2d(rows, w, y, 0, w, out, 0, 2 * w);
                be.copy2d(rows, w, yRev, 0, w, out, w, 2 * w);
            }
            case SUM -> {
                out = be.zeros(y.shape());
                be.add(y, yRev, out);
            }
            case MUL -> {
                out = be.zeros(y.shape());
                be.mul(y, yRev, out);
            }
            default -> {
                out = be.zeros(y.shape());
                be.axpby(0.5f, y, 0.5f, yRev, out);
            }
        }
        List<Tensor> states = new ArrayList<>(f.states());
        states.addAll(b.states());
        return new RnnResult(out, states);
    }

    @Override
    public Tensor backward(Tensor dOutput) {
        return backward(dOutput, null).dx();
    }

    /** Backward of the last training call; state gradients are the forward layer's then the backward layer's. */
    public RnnGradients backward(Tensor dOutput, List<Tensor> dStates) {
        if (lastY == null) {
            throw new IllegalStateException(name() + ": backward needs a forward with training=true first");
        }
        Backend be = lastY.backend();
        Tensor dY = null, dYRev = null;
        if (dOutput != null) {
            int[] want = outputShapeOf(lastY);
            if (!dOutput.hasShape(want)) {
                throw new IllegalArgumentException(name() + ": dOutput must have shape " + Arrays.toString(want)
                        + ", got " + Arrays.toString(dOutput.shape()));
            }
            dY = be.zeros(lastY.shape());
            dYRev = be.zeros(lastY.shape());
            switch (mergeMode) {
                case CONCAT -> {
                    int w = lastY.dim(-1);
                    int rows = lastY.size() / w;
                    be.copy2d(rows, w, dOutput, 0, 2 * w, dY, 0, w);
                    be.copy2d(rows, w, dOutput, w, 2 * w, dYRev, 0, w);
                }
                case SUM -> {
                    be.copy(dOutput, 0, dY, 0, dY.size());
                    be.copy(dOutput, 0, dYRev, 0, dYRev.size());
                }
                case MUL -> {
                    be.mul(dOutput, lastYRev, dY);
                    be.mul(dOutput, lastY, dYRev);
                }
                default -> {
                    be.axpby(0.5f, dOutput, 0f, dOutput, dY);
                    be.axpby(0.5f, dOutput, 0f, dOutput, dYRev);
                }
            }
            if (forwardLayer.returnSequences()) {
                dYRev = reverseTime(dYRev);
            }
        }
        List<Tensor> fd = null, bd = null;
        if (dStates != null) {
            int n = forwardLayer.cell().stateSizes().length;
            if (dStates.size() != 2 * n) {
                throw new IllegalArgumentException(name() + ": expects " + 2 * n + " state gradients, got " + dStates.size());
            }
            fd = dStates.subList(0, n);
            bd = dStates.subList(n, 2 * n);
        }
        RnnGradients gf = forwardLayer.backward(dY, fd);
        RnnGradients gb = backwardLayer.backward(dYRev, bd);
        be.add(gf.dx(), gb.dx(), gf.dx());
        List<Tensor> dInit = new ArrayList<>(gf.dInitialStates());
        dInit.addAll(gb.dInitialStates());
        lastY = null;
        return new RnnGradients(gf.dx(), dInit);
    }

    private int[] outputShapeOf(Tensor y) {
        int[] s = y.shape();
        if (mergeMode == MergeMode.CONCAT) {
            s[s.length - 1] *= 2;
        }
        return s;
    }

    /** A copy of {@code (batch, time, f)} with the time axis reversed. */
    private static Tensor reverseTime(Tensor t) {
        Backend be = t.backend();
        int b = t.dim(0), time = t.dim(1), f = t.dim(2);
        Tensor r = be.zeros(t.shape());
        for (int s = 0; s < time; s++) {
            be.copy2d(b, f, t, s * f, time * f, r, (time - 1 - s) * f, time * f);
        }
        return r;
    }

    /** Keras {@code reset_states()} of both layers. */
    public void resetStates() {
        forwardLayer.resetStates();
        backwardLayer.resetStates();
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(forwardLayer.parameters());
        ps.addAll(backwardLayer.parameters());
        return ps;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name());
        c.put("merge_mode", mergeMode.kerasName());
        c.put("layer", Map.of("class_name", forwardLayer.type(), "config", forwardLayer.config()));
        c.put("backward_layer", Map.of("class_name", backwardLayer.type(), "config", backwardLayer.config()));
        return c;
    }

    /** Rebuilds the layer from {@link #config()}. */
    @SuppressWarnings("unchecked")
    public static Bidirectional fromConfig(Map<String, Object> config) {
        Map<String, Object> l = (Map<String, Object>) config.get("layer");
        Map<String, Object> bl = (Map<String, Object>) config.get("backward_layer");
        if (l == null || bl == null) {
            throw new IllegalArgumentException("Bidirectional config needs 'layer' and 'backward_layer', got " + config.keySet());
        }
        Rnn f = (Rnn) LayerRegistryBridge.create((String) l.get("class_name"), (Map<String, Object>) l.get("config"));
        Rnn b = (Rnn) LayerRegistryBridge.create((String) bl.get("class_name"), (Map<String, Object>) bl.get("config"));
        Bidirectional bi = new Bidirectional(f, b, (String) config.getOrDefault("merge_mode", "concat"));
        if (config.get("name") instanceof String n) {
            bi.name(n);
        }
        return bi;
    }
}
