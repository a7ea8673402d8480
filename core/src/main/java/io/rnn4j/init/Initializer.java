package io.rnn4j.init;

import java.util.Map;

/**
 * Creates the initial values of a weight, like a Keras initializer. Every initializer is
 * deterministic given its seed, so a model built twice with the same seeds starts from the same
 * weights.
 */
public interface Initializer {

    /**
     * The initial values of a weight of {@code shape} in row-major order.
     *
     * @param shape the weight's shape (1-D or 2-D for the layers of rnn4j)
     * @param seed  the random seed; ignored by constant initializers
     */
    float[] initialize(int[] shape, long seed);

    /** The Keras class name, e.g. {@code "GlorotUniform"}, {@code "Orthogonal"}, {@code "Zeros"}. */
    String kerasName();

    /** The Keras config of this initializer (e.g. {@code {"gain": 1.0}} for Orthogonal). */
    default Map<String, Object> config() {
        return Map.of();
    }
}
