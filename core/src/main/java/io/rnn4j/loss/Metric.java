package io.rnn4j.loss;

/**
 * A metric reported by {@code fit} and {@code evaluate}. Like Keras's mean metrics it is a sum of
 * per-row values and a count, accumulated over the batches of an epoch and divided at the end.
 */
public interface Metric {

    /** The name in the logs and the {@code History}, e.g. {@code accuracy}, {@code mae}. */
    String name();

    /**
     * Adds this batch's per-row values: returns {@code {sum, count}}.
     *
     * @param yPred predictions, {@code rows * width}
     * @param yTrue targets as for the model's loss ({@code rows * targetWidth})
     * @param width the last dimension of the predictions
     * @param targetWidth values per row in {@code yTrue}
     */
    double[] sumAndCount(float[] yPred, float[] yTrue, int width, int targetWidth);
}
