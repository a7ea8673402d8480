package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.init.Initializer;
import io.rnn4j.layer.Parameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A recurrent cell, like Keras's {@code RNNCell}: one step from (input, states) to
 * (output, next states), run over a sequence by {@link io.rnn4j.layer.Rnn}.
 *
 * <p>A cell declares {@link #stateSizes()} (one or several ints) and {@link #outputSize()},
 * declares its weights in a lazy {@link #build(int)} with {@link #addWeight} once the input width
 * is known, and writes its step in {@link #call} with the primitives of {@link Ops}. Every
 * primitive has a hand-written adjoint, so backpropagation through time works with no code from
 * the author; a cell may supply its own backward for a part of its step with
 * {@link Ops#custom}. Check a cell in one line with {@link GradientChecker#check}.
 *
 * <pre>{@code
 * class MinimalRnnCell extends Cell {
 *     final int units;
 *     Weight kernel, recurrentKernel;
 *     MinimalRnnCell(int units) { this.units = units; }
 *     public int[] stateSizes() { return new int[] {units}; }
 *     public int outputSize() { return units; }
 *     protected void build(int inputSize) {
 *         kernel = addWeight("kernel", Initializers.glorotUniform(), inputSize, units);
 *         recurrentKernel = addWeight("recurrent_kernel", Initializers.orthogonal(), units, units);
 *     }
 *     public Step call(Ops ops, Var x, Var[] states) {
 *         Var h = ops.tanh(ops.add(ops.matmul(x, kernel), ops.matmul(states[0], recurrentKernel)));
 *         return Step.of(h, h);
 *     }
 * }
 * }</pre>
 *
 * <p>Building on a backend ({@link #build(Backend, int)}) runs the step once on a batch of one
 * to check every shape, so a weight of the wrong size is an {@link IllegalArgumentException}
 * at build time naming both sizes, not a failure in the middle of training.
 */
public abstract class Cell {
    private final List<Weight> declared = new ArrayList<>();
    private final List<Parameter> parameters = new ArrayList<>();
    private final Map<Weight, Parameter> binding = new IdentityHashMap<>();
    private int builtInputSize = -1;
    private Backend backend;
    private String name;
    private Long seed;

    // ------------------------------------------------------------------ what a cell author writes

    /** Keras {@code state_size}: the width of each state (one entry per state). */
    public abstract int[] stateSizes();

    /** Keras {@code output_size}: the width of the step output. */
    public abstract int outputSize();

    /**
     * Declares the weights for inputs of {@code inputSize} features with {@link #addWeight}
     * (Keras {@code build(input_shape)}). Called once.
     */
    protected abstract void build(int inputSize);

    /**
     * One step (Keras {@code call(inputs, states)}): {@code input (batch, inputSize)} and
     * {@code states[k] (batch, stateSizes()[k])} to the output and the next states, written with
     * the primitives of {@code ops}. Weights are used as operands directly.
     */
    public abstract Step call(Ops ops, Var input, Var[] states);

    /** Declares a weight (Keras {@code add_weight(shape, name, initializer)}); only inside {@link #build(int)}. */
    protected final Weight addWeight(String name, Initializer initializer, int... shape) {
        if (builtInputSize >= 0 && backend != null) {
            throw new IllegalStateException(name() + ": addWeight('" + name + "') after the cell was built");
        }
        if (shape.length < 1 || shape.length > 2) {
            throw new IllegalArgumentException(name() + ": weight '" + name + "' must be 1-D or 2-D, got " + Arrays.toString(shape));
        }
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(name() + ": weight '" + name + "' has a non-positive dimension " + Arrays.toString(shape));
            }
        }
        Weight w = new Weight(this, name, shape, initializer);
        declared.add(w);
        return w;
    }

    // ------------------------------------------------------------------ Keras-like options

    /** Keras {@code dropout}: the rate for the input mask (0 by default). */
    public double dropout() {
        return 0;
    }

    /** Keras {@code recurrent_dropout}: the rate for the mask on {@code states[0]} (0 by default). */
    public double recurrentDropout() {
        return 0;
    }

    /**
     * Keras {@code dropout_mask_count}: how many mask blocks {@link Ops#dropoutMask()} holds
     * (e.g. one per gate).
     */
    public int dropoutMaskCount() {
        return 1;
    }

    /**
     * Whether the mask blocks are drawn independently (Keras draws {@code dropout_mask_count}
     * independent masks) or one mask repeated in every block.
     */
    public boolean independentDropoutMasks() {
        return dropoutMaskCount() > 1;
    }

    /** The seed of the initializers and dropout masks, or null for a random one. */
    public Long seed() {
        return seed;
    }

    /** Sets the seed of the initializers and dropout masks; only before build. */
    public Cell seed(long seed) {
        requireNotBuilt("seed");
        this.seed = seed;
        return this;
    }

    /** The cell's name (Keras {@code name}); the simple class name in snake case by default. */
    public String name() {
        if (name == null) {
            String simple = getClass().getSimpleName();
            name = simple.isEmpty() ? "cell" : snake(simple); // anonymous classes have no simple name
        }
        return name;
    }

    /** Sets the name used in error messages. */
    public Cell name(String name) {
        this.name = name;
        return this;
    }

    /** The Keras class name of the cell for configs (e.g. {@code "LSTMCell"}); the Java simple name by default. */
    public String type() {
        return getClass().getSimpleName();
    }

    /**
     * The constructor arguments as a Keras-like config map, or null if this cell cannot be
     * rebuilt from a config (user cells, unless they override this and register with
     * {@link CellConfigs#register}).
     */
    public Map<String, Object> config() {
        return null;
    }

    // ------------------------------------------------------------------ building

    /**
     * Builds the cell for inputs of {@code inputSize} features on {@code backend}: declares the
     * weights ({@link #build(int)}), creates and initializes them, and checks every shape of
     * the step on a batch of one. Building again with the same sizes does nothing; another input
     * width is an {@link IllegalArgumentException} naming both.
     */
    public final void build(Backend backend, int inputSize) {
        if (inputSize <= 0) {
            throw new IllegalArgumentException(name() + ": input width must be positive, got " + inputSize);
        }
        if (this.backend != null) {
            if (inputSize != builtInputSize) {
                throw new IllegalArgumentException(name() + ": built for inputs of " + builtInputSize
                        + " features, now called with " + inputSize);
            }
            if (backend != this.backend) {
                throw new IllegalArgumentException(name() + ": built on backend '" + this.backend.name()
                        + "', now used with '" + backend.name() + "'");
            }
            return;
        }
        int[] sizes = stateSizes();
        if (sizes == null || sizes.length == 0) {
            throw new IllegalArgumentException(name() + ": stateSizes() must list at least one state");
        }
        for (int s : sizes) {
            if (s <= 0) {
                throw new IllegalArgumentException(name() + ": state sizes must be positive, got " + Arrays.toString(sizes));
            }
        }
        if (outputSize() <= 0) {
            throw new IllegalArgumentException(name() + ": outputSize() must be positive, got " + outputSize());
        }
        List<Weight> before = new ArrayList<>(declared);
        try {
            declareWeights(inputSize);
            long base = seed != null ? seed : new SplittableRandom().nextLong();
            List<Parameter> made = new ArrayList<>();
            Map<Weight, Parameter> bound = new IdentityHashMap<>();
            int i = 0;
            for (Weight w : ownWeights()) {
                float[] v = initialValues(w, mix(base, i++));
                Parameter p = new Parameter(w.name(), backend.fromArray(v, w.shape()));
                made.add(p);
                bound.put(w, p);
            }
            bindChildren(backend, inputSize, bound);
            traceShapes(backend, inputSize, bound);
            parameters.addAll(made);
            binding.putAll(bound);
            this.backend = backend;
            this.builtInputSize = inputSize;
        } catch (RuntimeException e) {
            declared.clear();
            declared.addAll(before);
            throw e;
        }
    }

    /** Declares the weights of {@code inputSize}; {@link StackedCells} builds its children here. */
    void declareWeights(int inputSize) {
        build(inputSize);
    }

    /** Hook for composite cells: build children on the backend and add their parameters to {@code bound}. */
    void bindChildren(Backend backend, int inputSize, Map<Weight, Parameter> bound) {
    }

    /** The initial values of weight {@code w}; built-in cells override for Keras special cases (unit_forget_bias). */
    protected float[] initialValues(Weight w, long seed) {
        return w.initializer().initialize(w.shape(), seed);
    }

    /** Runs the step once on zeros with a batch of one: every primitive checks its shapes. */
    private void traceShapes(Backend backend, int inputSize, Map<Weight, Parameter> bound) {
        Ops ops = new Ops(backend, bound);
        int[] sizes = stateSizes();
        ops.begin(name() + " (build: inputSize=" + inputSize + ", stateSizes=" + Arrays.toString(sizes) + ")");
        Var x = ops.input(backend.zeros(1, inputSize));
        Var[] st = new Var[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            st[k] = ops.input(backend.zeros(1, sizes[k]));
        }
        Step step = call(ops, x, st);
        checkStep(step, 1);
    }

    /** Checks the shapes of a step's result against {@link #outputSize()} and {@link #stateSizes()}. */
    void checkStep(Step step, int batch) {
        int[] sizes = stateSizes();
        if (step == null || step.output() == null || step.states() == null) {
            throw new IllegalArgumentException(name() + ": call must return an output and the next states");
        }
        if (step.output().rows() != batch || step.output().cols() != outputSize()) {
            throw new IllegalArgumentException(name() + ": call returned an output of shape " + step.output()
                    + ", expected (" + batch + ", " + outputSize() + ") from outputSize()");
        }
        if (step.states().length != sizes.length) {
            throw new IllegalArgumentException(name() + ": call returned " + step.states().length
                    + " states, stateSizes() declares " + sizes.length + " " + Arrays.toString(sizes));
        }
        for (int k = 0; k < sizes.length; k++) {
            Var s = step.states()[k];
            if (s == null || s.rows() != batch || s.cols() != sizes[k]) {
                throw new IllegalArgumentException(name() + ": call returned state " + k + " of shape " + s
                        + ", expected (" + batch + ", " + sizes[k] + ") from stateSizes()");
            }
        }
    }

    /** True once {@link #build(Backend, int)} succeeded. */
    public final boolean isBuilt() {
        return backend != null;
    }

    /** The input width the cell was built for, or -1. */
    public final int inputSize() {
        return builtInputSize;
    }

    /** The backend the weights live on, or null before build. */
    public final Backend backend() {
        return backend;
    }

    /** The weights this cell declared itself (not its children's), in declaration order. */
    List<Weight> ownWeights() {
        return Collections.unmodifiableList(declared);
    }

    /** Every weight handle in Keras {@code get_weights()} order (children included). */
    public List<Weight> weights() {
        return ownWeights();
    }

    /** The weights and their gradients, in Keras {@code get_weights()} order (empty before build). */
    public List<Parameter> parameters() {
        if (!isBuilt()) {
            return List.of();
        }
        List<Parameter> ps = new ArrayList<>();
        for (Weight w : weights()) {
            ps.add(binding().get(w));
        }
        return ps;
    }

    /** The weight-to-parameter binding used when the cell runs on its own backend. */
    public Map<Weight, Parameter> binding() {
        return Collections.unmodifiableMap(binding);
    }

    /** The weights as host arrays in Keras order. */
    public List<float[]> getWeights() {
        return parameters().stream().map(p -> p.value().toArray()).toList();
    }

    /** Sets the weights from host arrays in Keras order; checks count and sizes first, so a rejected call changes nothing. */
    public void setWeights(List<float[]> weights) {
        if (!isBuilt()) {
            throw new IllegalStateException(name() + ": setWeights before the cell is built");
        }
        List<Parameter> ps = parameters();
        if (weights == null || weights.size() != ps.size()) {
            throw new IllegalArgumentException(name() + ": setWeights expects " + ps.size() + " arrays " + ps
                    + ", got " + (weights == null ? "null" : weights.size()));
        }
        for (int i = 0; i < ps.size(); i++) {
            float[] w = weights.get(i);
            if (w == null || w.length != ps.get(i).value().size()) {
                throw new IllegalArgumentException(name() + ": weight '" + ps.get(i).name() + "' expects shape "
                        + Arrays.toString(ps.get(i).shape()) + " (" + ps.get(i).value().size() + " values), got "
                        + (w == null ? "null" : w.length + " values"));
            }
        }
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).set(name(), weights.get(i));
        }
    }

    void requireNotBuilt(String what) {
        if (isBuilt()) {
            throw new IllegalStateException(name() + ": " + what + " cannot change after the cell is built");
        }
    }

    static long mix(long seed, int i) {
        long z = seed + 0x9E3779B97F4A7C15L * (i + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0 && !Character.isUpperCase(camel.charAt(i - 1))) {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return name() + "(state " + Arrays.toString(stateSizes()) + ", output " + outputSize() + ")";
    }
}
