package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.init.Initializers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keras {@code Dense}: {@code y = activation(x · kernel + bias)} with {@code kernel} of shape
 * {@code (inputFeatures, units)} initialised glorot-uniform ({@code U(-l, l)},
 * {@code l = sqrt(6 / (in + units))}) and a zero {@code bias}. Like Keras, an input of rank 3
 * {@code (batch, time, features)} is transformed at every step with the same weights: it is viewed
 * as {@code (batch * time, features)}, which makes the whole sequence one GEMM.
 */
public final class Dense implements Layer {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final int units;
    private final Activation activation;
    private final boolean useBias;
    private final Long seed;

    private Backend backend;
    private int inputFeatures = -1;
    private Parameter kernel;
    private Parameter bias;

    // forward cache for backward
    private Tensor lastInput;
    private Tensor lastOutput;
    private int[] lastInputShape;

    /** A linear {@code Dense(units)}. */
    public Dense(int units) {
        this(units, Activation.LINEAR);
    }

    /** {@code Dense(units, activation)} with a bias and an unseeded initializer. */
    public Dense(int units, Activation activation) {
        this(null, units, activation, true, null);
    }

    /**
     * Every option: {@code name} (null for Keras-style {@code dense}, {@code dense_1}, ...),
     * {@code useBias}, and {@code seed} for the kernel initializer (null: a fresh random seed).
     */
    public Dense(String name, int units, Activation activation, boolean useBias, Long seed) {
        if (units <= 0) {
            throw new IllegalArgumentException("Dense: units must be > 0, got " + units);
        }
        if (activation == null) {
            throw new IllegalArgumentException("Dense: activation must not be null (use Activation.LINEAR)");
        }
        int id = COUNTER.getAndIncrement();
        this.name = name != null ? name : id == 0 ? "dense" : "dense_" + id;
        this.units = units;
        this.activation = activation;
        this.useBias = useBias;
        this.seed = seed;
    }

    /** A copy of this layer's options with a seed for the kernel initializer. */
    public Dense withSeed(long seed) {
        return new Dense(name, units, activation, useBias, seed);
    }

    /** Recreates a Dense from {@link #config()}. */
    public static Dense fromConfig(Map<String, Object> config) {
        return new Dense(io.rnn4j.io.Configs.getString("Dense", config, "name"),
                io.rnn4j.io.Configs.getInt("Dense", config, "units"),
                Activation.fromKeras(io.rnn4j.io.Configs.getString("Dense", config, "activation")),
                io.rnn4j.io.Configs.getBoolean("Dense", config, "use_bias"),
                io.rnn4j.io.Configs.getOptionalLong("Dense", config, "seed"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "Dense";
    }

    /** Number of output features. */
    public int units() {
        return units;
    }

    /** The activation. */
    public Activation activation() {
        return activation;
    }

    @Override
    public void build(Backend backend, int[] inputShape) {
        int in = featuresOf(inputShape);
        if (kernel != null) {
            if (in != inputFeatures) {
                throw new IllegalArgumentException(name + ": built for " + inputFeatures
                        + " input features, now asked for input shape " + Arrays.toString(inputShape));
            }
            return;
        }
        this.backend = backend;
        this.inputFeatures = in;
        long s = seed != null ? seed : new SplittableRandom().nextLong();
        float[] k = Initializers.glorotUniform().initialize(new int[] {in, units}, s);
        kernel = new Parameter("kernel", backend.fromArray(k, in, units));
        if (useBias) {
            bias = new Parameter("bias", backend.zeros(units));
        }
    }

    private int featuresOf(int[] inputShape) {
        if (inputShape == null || inputShape.length < 1 || inputShape.length > 2 || inputShape[inputShape.length - 1] <= 0) {
            throw new IllegalArgumentException(name + ": expects input shape (features) or (time, features) without batch, got "
                    + Arrays.toString(inputShape));
        }
        return inputShape[inputShape.length - 1];
    }

    @Override
    public boolean isBuilt() {
        return kernel != null;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        featuresOf(inputShape);
        int[] out = inputShape.clone();
        out[out.length - 1] = units;
        return out;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        if (!isBuilt()) {
            throw new IllegalStateException(name + ": forward before build");
        }
        if ((input.rank() != 2 && input.rank() != 3) || input.dim(-1) != inputFeatures) {
            throw new IllegalArgumentException(name + ": expects input (batch, " + inputFeatures + ") or (batch, time, "
                    + inputFeatures + "), got " + Arrays.toString(input.shape()));
        }
        int rows = input.size() / inputFeatures;
        int[] outShape = input.shape();
        outShape[outShape.length - 1] = units;
        Tensor out = backend.zeros(outShape);
        // z = x · kernel (+ bias), then y = activation(z) in place
        backend.gemm(false, false, rows, units, inputFeatures, 1f,
                input, 0, inputFeatures, kernel.value(), 0, units, 0f, out, 0, units);
        if (useBias) {
            backend.addRowVector(out, bias.value(), out);
        }
        if (activation != Activation.LINEAR) {
            backend.activation(activation, out, out);
        }
        if (training) {
            lastInput = input;
            lastOutput = out;
            lastInputShape = input.shape();
        }
        return out;
    }

    @Override
    public Tensor backward(Tensor dOutput) {
        if (lastInput == null) {
            throw new IllegalStateException(name + ": backward without a forward(input, training=true)");
        }
        if (dOutput.size() != lastOutput.size()) {
            throw new IllegalArgumentException(name + ": output gradient has shape " + Arrays.toString(dOutput.shape())
                    + ", the output was " + Arrays.toString(lastOutput.shape()));
        }
        int rows = lastInput.size() / inputFeatures;
        // dz = dy * activation'(z), from the output y
        Tensor dz = dOutput;
        if (activation != Activation.LINEAR) {
            dz = backend.zeros(lastOutput.shape());
            backend.activationBackward(activation, lastOutput, dOutput, 0f, dz);
        }
        // dKernel += xᵀ · dz ; dBias += sum over rows of dz ; dx = dz · kernelᵀ
        backend.gemm(true, false, inputFeatures, units, rows, 1f,
                lastInput, 0, inputFeatures, dz, 0, units, 1f, kernel.grad(), 0, units);
        if (useBias) {
            backend.sumRows(dz, 1f, bias.grad());
        }
        Tensor dx = backend.zeros(lastInputShape);
        backend.gemm(false, true, rows, inputFeatures, units, 1f,
                dz, 0, units, kernel.value(), 0, units, 0f, dx, 0, inputFeatures);
        if (dz != dOutput) {
            dz.close();
        }
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        if (kernel != null) {
            ps.add(kernel);
            if (bias != null) {
                ps.add(bias);
            }
        }
        return ps;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("units", units);
        m.put("activation", activation.kerasName());
        m.put("use_bias", useBias);
        m.put("seed", seed);
        return m;
    }

    @Override
    public String toString() {
        return "Dense(" + name + ", units=" + units + ", activation=" + activation.kerasName() + ")";
    }
}
