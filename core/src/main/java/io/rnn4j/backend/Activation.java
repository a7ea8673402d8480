package io.rnn4j.backend;

/**
 * Activations available to fused kernels and to the op recorder, with Keras 3's definitions.
 * Each derivative is expressible from the output alone, so forward passes keep only outputs.
 */
public enum Activation {
    /** {@code a(x) = x} (Keras {@code None} / {@code "linear"}). */
    LINEAR("linear"),
    /** {@code tanh(x)}. */
    TANH("tanh"),
    /** {@code 1 / (1 + exp(-x))}, exact. */
    SIGMOID("sigmoid"),
    /** Keras 3's {@code hard_sigmoid}: {@code relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)}. */
    HARD_SIGMOID("hard_sigmoid"),
    /** {@code max(x, 0)}. */
    RELU("relu");

    private final String kerasName;

    Activation(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The name Keras uses in configs, e.g. {@code "tanh"}. */
    public String kerasName() {
        return kerasName;
    }

    /** Parses a Keras activation name ({@code null} or {@code "linear"} is {@link #LINEAR}). */
    public static Activation fromKeras(String name) {
        if (name == null) {
            return LINEAR;
        }
        for (Activation a : values()) {
            if (a.kerasName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of linear, tanh, sigmoid, hard_sigmoid, relu");
    }

    /** Scalar reference value, in double. */
    public double apply(double x) {
        return switch (this) {
            case LINEAR -> x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case HARD_SIGMOID -> Math.min(1.0, Math.max(0.0, x / 6.0 + 0.5));
            case RELU -> Math.max(0.0, x);
        };
    }

    /** Scalar derivative {@code f'(x)} expressed from the output {@code y = f(x)}. */
    public double derivativeFromOutput(double y) {
        return switch (this) {
            case LINEAR -> 1.0;
            case TANH -> 1.0 - y * y;
            case SIGMOID -> y * (1.0 - y);
            case HARD_SIGMOID -> (y > 0.0 && y < 1.0) ? 1.0 / 6.0 : 0.0;
            case RELU -> y > 0.0 ? 1.0 : 0.0;
        };
    }
}
