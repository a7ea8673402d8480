package io.rnn4j.model;

import java.util.Arrays;

/**
 * Keras {@code Input(shape=...)}: the shape of one sample without the batch dimension, where
 * {@link #NONE} ({@code -1}) marks a free dimension, like Keras's {@code None} for the time
 * length of a sequence: {@code Input.of(Input.NONE, 10)} is {@code Input(shape=(None, 10))}.
 */
public final class Input {
    /** A free dimension (Keras {@code None}). */
    public static final int NONE = -1;

    private final int[] shape;

    private Input(int[] shape) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("Input: shape needs at least one dimension (the features)");
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0 || shape[i] < NONE) {
                throw new IllegalArgumentException("Input: dimension " + i + " of " + Arrays.toString(shape)
                        + " must be > 0 or Input.NONE");
            }
        }
        if (shape[shape.length - 1] == NONE) {
            throw new IllegalArgumentException("Input: the feature dimension (last) must be known, got " + Arrays.toString(shape));
        }
        this.shape = shape.clone();
    }

    /** An input of this shape (without batch). */
    public static Input of(int... shape) {
        return new Input(shape);
    }

    /** The shape without batch ({@code -1} for free dimensions). */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of features (the last dimension). */
    public int features() {
        return shape[shape.length - 1];
    }

    /**
     * Checks a data tensor shape {@code (batch, ...)} against this input, naming {@code what}
     * ({@code x}, {@code validation x}) in the error.
     */
    void check(String model, String what, int[] dataShape) {
        if (dataShape.length != shape.length + 1) {
            throw new IllegalArgumentException(model + ": " + what + " has shape " + Arrays.toString(dataShape)
                    + " but the model's Input expects (batch, " + describe() + ")");
        }
        for (int i = 0; i < shape.length; i++) {
            int d = dataShape[i + 1];
            if (d <= 0 || (shape[i] != NONE && shape[i] != d)) {
                String dim = i == shape.length - 1 ? "feature width" : "dimension " + (i + 1);
                throw new IllegalArgumentException(model + ": " + what + " has " + dim + " " + d
                        + " (shape " + Arrays.toString(dataShape) + ") but the model's Input expects (batch, " + describe() + ")");
            }
        }
    }

    /** The shape as Keras prints it, e.g. {@code None, 10}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] == NONE ? "None" : String.valueOf(shape[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Input(shape=(" + describe() + (shape.length == 1 ? ",)" : ")") + ")";
    }
}
