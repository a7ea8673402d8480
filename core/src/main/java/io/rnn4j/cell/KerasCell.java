package io.rnn4j.cell;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.init.Initializer;
import io.rnn4j.init.Initializers;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options shared by the built-in Keras cells ({@link SimpleRnnCell}, {@link LstmCell},
 * {@link GruCell}) with Keras 3's defaults: {@code activation="tanh"},
 * {@code recurrent_activation="sigmoid"}, {@code use_bias=True},
 * {@code kernel_initializer="glorot_uniform"}, {@code recurrent_initializer="orthogonal"},
 * {@code bias_initializer="zeros"}, {@code dropout=0}, {@code recurrent_dropout=0}.
 *
 * <p>A built-in cell runs on two paths that compute the same thing: the backend's fused
 * whole-sequence kernel ({@link #fusedSpec()}, used by {@link io.rnn4j.layer.Rnn}) and the
 * op-recorded step of {@link #call} (used inside {@link StackedCells}, by the gradient checker,
 * and as the reference the fused path is tested against). Options are set fluently before the
 * cell is built, e.g. {@code new LstmCell(32).unitForgetBias(false).dropout(0.2)}.
 */
public abstract class KerasCell extends Cell {
    final int units;
    Activation activation = Activation.TANH;
    Activation recurrentActivation = Activation.SIGMOID;
    boolean useBias = true;
    Initializer kernelInitializer = Initializers.glorotUniform();
    Initializer recurrentInitializer = Initializers.orthogonal();
    Initializer biasInitializer = Initializers.zeros();
    double dropout;
    double recurrentDropout;
    Weight kernel;
    Weight recurrentKernel;
    Weight bias;

    KerasCell(int units) {
        if (units <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": units must be a positive integer, got " + units);
        }
        this.units = units;
    }

    /** Which fused kernel runs this cell. */
    public abstract CellType cellType();

    /** GRU {@code reset_after}; false for the other cells. */
    public boolean resetAfter() {
        return false;
    }

    /** Keras {@code units}. */
    public int units() {
        return units;
    }

    /** The spec of the backend's fused kernel for this cell (after build). */
    public RnnSpec fusedSpec() {
        if (!isBuilt()) {
            throw new IllegalStateException(name() + ": fusedSpec before build");
        }
        return new RnnSpec(cellType(), inputSize(), units, activation, recurrentActivation, useBias, resetAfter());
    }

    @Override
    public int outputSize() {
        return units;
    }

    @Override
    public double dropout() {
        return dropout;
    }

    @Override
    public double recurrentDropout() {
        return recurrentDropout;
    }

    /** One mask block per gate, laid out as the fused kernels expect ({@code (batch, gates * width)}). */
    @Override
    public int dropoutMaskCount() {
        return cellType().gates();
    }

    /**
     * Keras switches to {@code implementation=1} (one independent mask per gate) when
     * {@code recurrent_dropout > 0}; otherwise one input mask serves every gate.
     */
    @Override
    public boolean independentDropoutMasks() {
        return recurrentDropout > 0 && cellType().gates() > 1;
    }

    /** Keras {@code activation} (default tanh). */
    public KerasCell activation(Activation a) {
        requireNotBuilt("activation");
        this.activation = notNull(a, "activation");
        return this;
    }

    /** Keras {@code recurrent_activation} (default sigmoid). */
    public KerasCell recurrentActivation(Activation a) {
        requireNotBuilt("recurrent_activation");
        this.recurrentActivation = notNull(a, "recurrent_activation");
        return this;
    }

    /** Keras {@code use_bias} (default true). */
    public KerasCell useBias(boolean useBias) {
        requireNotBuilt("use_bias");
        this.useBias = useBias;
        return this;
    }

    /** Keras {@code kernel_initializer} (default glorot_uniform). */
    public KerasCell kernelInitializer(Initializer i) {
        requireNotBuilt("kernel_initializer");
        this.kernelInitializer = notNull(i, "kernel_initializer");
        return this;
    }

    /** Keras {@code recurrent_initializer} (default orthogonal). */
    public KerasCell recurrentInitializer(Initializer i) {
        requireNotBuilt("recurrent_initializer");
        this.recurrentInitializer = notNull(i, "recurrent_initializer");
        return this;
    }

    /** Keras {@code bias_initializer} (default zeros). */
    public KerasCell biasInitializer(Initializer i) {
        requireNotBuilt("bias_initializer");
        this.biasInitializer = notNull(i, "bias_initializer");
        return this;
    }

    /** Keras {@code dropout}: fraction of the inputs dropped, in training only; clipped to [0, 1] like Keras. */
    public KerasCell dropout(double rate) {
        requireNotBuilt("dropout");
        this.dropout = Math.min(1.0, Math.max(0.0, rate));
        return this;
    }

    /** Keras {@code recurrent_dropout}: fraction of the recurrent state dropped, in training only. */
    public KerasCell recurrentDropout(double rate) {
        requireNotBuilt("recurrent_dropout");
        this.recurrentDropout = Math.min(1.0, Math.max(0.0, rate));
        return this;
    }

    @Override
    public KerasCell seed(long seed) {
        super.seed(seed);
        return this;
    }

    /** The kernel weight handle (after build). */
    public Weight kernel() {
        return kernel;
    }

    /** The recurrent kernel handle (after build). */
    public Weight recurrentKernel() {
        return recurrentKernel;
    }

    /** The bias handle, or null without bias. */
    public Weight bias() {
        return bias;
    }

    @Override
    protected void build(int inputSize) {
        int gw = cellType().gates() * units;
        kernel = addWeight("kernel", kernelInitializer, inputSize, gw);
        recurrentKernel = addWeight("recurrent_kernel", recurrentInitializer, units, gw);
        if (useBias) {
            bias = resetAfter() ? addWeight("bias", biasInitializer, 2, gw) : addWeight("bias", biasInitializer, gw);
        }
    }

    /** {@code x} times block {@code k} of a dropout mask of block width {@code width}, or {@code x} without mask. */
    static Var masked(Ops ops, Var x, Var mask, int k, int width) {
        return mask == null ? x : ops.multiply(x, ops.columns(mask, k * width, width));
    }

    /** The Keras config: the options shared by every built-in cell. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name());
        c.put("units", units);
        c.put("activation", activation.kerasName());
        if (cellType() != CellType.SIMPLE_RNN) {
            c.put("recurrent_activation", recurrentActivation.kerasName());
        }
        c.put("use_bias", useBias);
        c.put("kernel_initializer", Initializers.toConfig(kernelInitializer));
        c.put("recurrent_initializer", Initializers.toConfig(recurrentInitializer));
        c.put("bias_initializer", Initializers.toConfig(biasInitializer));
        c.put("dropout", dropout);
        c.put("recurrent_dropout", recurrentDropout);
        c.put("seed", seed());
        return c;
    }

    /** Applies the shared options of a Keras config (as written by {@link #config()}). */
    void applyConfig(Map<String, Object> c) {
        if (c.get("name") instanceof String n) {
            name(n);
        }
        if (c.containsKey("activation")) {
            activation(Activation.fromKeras((String) c.get("activation")));
        }
        if (c.containsKey("recurrent_activation")) {
            recurrentActivation(Activation.fromKeras((String) c.get("recurrent_activation")));
        }
        if (c.get("use_bias") instanceof Boolean b) {
            useBias(b);
        }
        if (c.containsKey("kernel_initializer")) {
            kernelInitializer(Initializers.fromConfig(c.get("kernel_initializer")));
        }
        if (c.containsKey("recurrent_initializer")) {
            recurrentInitializer(Initializers.fromConfig(c.get("recurrent_initializer")));
        }
        if (c.containsKey("bias_initializer")) {
            biasInitializer(Initializers.fromConfig(c.get("bias_initializer")));
        }
        if (c.get("dropout") instanceof Number d) {
            dropout(d.doubleValue());
        }
        if (c.get("recurrent_dropout") instanceof Number d) {
            recurrentDropout(d.doubleValue());
        }
        if (c.get("seed") instanceof Number s) {
            seed(s.longValue());
        }
    }

    static int units(Map<String, Object> c, String type) {
        if (!(c.get("units") instanceof Number n)) {
            throw new IllegalArgumentException(type + " config needs an integer 'units', got " + c.get("units"));
        }
        return n.intValue();
    }

    private <T> T notNull(T v, String what) {
        if (v == null) {
            throw new IllegalArgumentException(name() + ": " + what + " must not be null");
        }
        return v;
    }
}
