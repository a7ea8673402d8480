package io.rnn4j.loss;

import java.util.Map;

/**
 * A training loss with Keras 3's definition and reduction, and its gradient written by hand.
 *
 * <p>Predictions are viewed as {@code rows x width}: {@code width} is the last dimension
 * ({@code units} of the last layer) and {@code rows} covers the batch and, for sequence outputs,
 * time. Like Keras, the per-sample loss is the mean over the last axis (or, for sparse categorical
 * cross-entropy, the loss of the labelled class), and the reduction {@code sum_over_batch_size}
 * averages it over all rows. Losses are evaluated on the host in double precision: only the
 * model's output (batch x outputs) crosses to the host, weights and gradients stay on the backend.
 */
public interface Loss {

    /** The Keras name, e.g. {@code mean_squared_error}; also the loss's name in saved files. */
    String name();

    /** The constructor arguments (e.g. {@code from_logits}, {@code delta}), for saving. */
    Map<String, Object> config();

    /**
     * Number of target values per row for predictions of {@code predWidth} columns: equal for
     * element-wise losses, 1 (the class index) for sparse categorical cross-entropy.
     */
    default int targetWidth(int predWidth) {
        return predWidth;
    }

    /**
     * The reduced loss of a batch. If {@code grad} is not null it receives
     * {@code d loss / d yPred} (same length as {@code yPred}), overwriting its contents.
     *
     * @param yPred predictions, {@code rows * width} values
     * @param yTrue targets, {@code rows * targetWidth(width)} values
     * @param width the last dimension of the predictions
     */
    double compute(float[] yPred, float[] yTrue, int width, float[] grad);

    /** Checks the lengths every loss relies on, naming the loss. */
    static int rows(Loss loss, float[] yPred, float[] yTrue, int width, float[] grad) {
        if (width <= 0 || yPred.length % width != 0) {
            throw new IllegalArgumentException(loss.name() + ": " + yPred.length
                    + " predictions are not rows of width " + width);
        }
        int rows = yPred.length / width;
        int tw = loss.targetWidth(width);
        if (yTrue.length != rows * tw) {
            throw new IllegalArgumentException(loss.name() + ": expected " + rows * tw + " targets (" + rows
                    + " rows x " + tw + ") for predictions of " + rows + " x " + width + ", got " + yTrue.length);
        }
        if (grad != null && grad.length != yPred.length) {
            throw new IllegalArgumentException(loss.name() + ": gradient buffer holds " + grad.length
                    + " values, predictions " + yPred.length);
        }
        if (rows == 0) {
            throw new IllegalArgumentException(loss.name() + ": empty batch");
        }
        return rows;
    }
}
