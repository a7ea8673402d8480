package io.rnn4j.layer;

import io.rnn4j.Tensor;

import java.util.Arrays;

/**
 * A trainable weight and its gradient, both on the layer's backend. Layers accumulate into
 * {@link #grad()} during backward; optimizers read it and {@link #zeroGrad()} it.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;

    /** A parameter holding {@code value} (owned from now on) and a zero gradient of the same shape. */
    public Parameter(String name, Tensor value) {
        if (name == null || value == null) {
            throw new IllegalArgumentException("Parameter: name and value must not be null");
        }
        this.name = name;
        this.value = value;
        this.grad = value.backend().zeros(value.shape());
    }

    /** The Keras weight name, e.g. {@code kernel}, {@code recurrent_kernel}, {@code bias}. */
    public String name() {
        return name;
    }

    /** The weight. */
    public Tensor value() {
        return value;
    }

    /** The accumulated gradient. */
    public Tensor grad() {
        return grad;
    }

    /** Shape of the weight. */
    public int[] shape() {
        return value.shape();
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        grad.backend().fill(grad, 0f);
    }

    /**
     * Copies {@code data} into the weight after checking its length; {@code owner} names the layer
     * in the error message.
     */
    public void set(String owner, float[] data) {
        if (data == null || data.length != value.size()) {
            throw new IllegalArgumentException(owner + ": weight '" + name + "' expects shape "
                    + Arrays.toString(value.shape()) + " (" + value.size() + " values), got "
                    + (data == null ? "null" : data.length + " values"));
        }
        value.backend().copyFromHost(data, 0, value, 0, data.length);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(value.shape());
    }
}
