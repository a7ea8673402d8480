package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.List;
import java.util.Map;

/**
 * A layer with a hand-written forward and backward, usable in a {@code Sequential} model or on
 * its own (custom training loops, gradient checks).
 *
 * <p>Shapes exclude the batch dimension; {@code -1} marks a free dimension (the time length of
 * a sequence input). {@link #forward} caches what {@link #backward} needs; {@code backward}
 * accumulates into the gradients of {@link #parameters()} and returns the gradient of the input.
 */
public interface Layer {

    /** The layer's name, used in every error message (e.g. {@code lstm_1}). */
    String name();

    /** The Keras class name of this layer, e.g. {@code "LSTM"}, {@code "Dense"}: the type in saved configs. */
    String type();

    /**
     * Creates the weights for inputs of {@code inputShape} (without batch) on {@code backend}.
     * Calling it again with the same shape does nothing; a different feature width is an
     * {@link IllegalArgumentException} naming the layer and both shapes.
     */
    void build(Backend backend, int[] inputShape);

    /** True once {@link #build} ran. */
    boolean isBuilt();

    /** The output shape (without batch) for an input shape (without batch). */
    int[] outputShape(int[] inputShape);

    /** Runs the layer on a batch; {@code training} enables dropout and caching for backward. */
    Tensor forward(Tensor input, boolean training);

    /**
     * Backward of the last {@code forward(input, true)}: accumulates parameter gradients and
     * returns the gradient of the input.
     */
    Tensor backward(Tensor dOutput);

    /** Trainable parameters in Keras {@code get_weights()} order (empty before build). */
    List<Parameter> parameters();

    /** The constructor arguments as a JSON-friendly map (strings, numbers, booleans, lists, maps). */
    Map<String, Object> config();

    /** The weights as host arrays, in Keras {@code get_weights()} order and shapes. */
    default List<float[]> getWeights() {
        return parameters().stream().map(p -> p.value().toArray()).toList();
    }

    /**
     * Sets the weights from host arrays in Keras {@code get_weights()} order. Checks the count and
     * every length before writing anything, so a rejected call changes nothing.
     */
    default void setWeights(List<float[]> weights) {
        List<Parameter> ps = parameters();
        if (!isBuilt()) {
            throw new IllegalStateException(name() + ": setWeights before the layer is built");
        }
        if (weights == null || weights.size() != ps.size()) {
            throw new IllegalArgumentException(name() + ": setWeights expects " + ps.size() + " arrays "
                    + ps + ", got " + (weights == null ? "null" : weights.size()));
        }
        for (int i = 0; i < ps.size(); i++) {
            float[] w = weights.get(i);
            if (w == null || w.length != ps.get(i).value().size()) {
                throw new IllegalArgumentException(name() + ": weight '" + ps.get(i).name() + "' expects shape "
                        + java.util.Arrays.toString(ps.get(i).shape()) + " (" + ps.get(i).value().size()
                        + " values), got " + (w == null ? "null" : w.length + " values"));
            }
        }
        for (int i = 0; i < ps.size(); i++) {
            ps.get(i).set(name(), weights.get(i));
        }
    }
}
