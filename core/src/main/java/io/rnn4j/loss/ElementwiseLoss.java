package io.rnn4j.loss;

/**
 * A loss that is the mean of a per-element function {@code l(pred, target)} over every element,
 * which is what Keras's mean over the last axis followed by {@code sum_over_batch_size} gives.
 */
abstract class ElementwiseLoss implements Loss {

    /** The loss of one element. */
    abstract double value(double pred, double target);

    /** {@code d value / d pred} of one element. */
    abstract double derivative(double pred, double target);

    @Override
    public final double compute(float[] yPred, float[] yTrue, int width, float[] grad) {
        Loss.rows(this, yPred, yTrue, width, grad);
        int n = yPred.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += value(yPred[i], yTrue[i]);
        }
        if (grad != null) {
            double scale = 1.0 / n;
            for (int i = 0; i < n; i++) {
                grad[i] = (float) (derivative(yPred[i], yTrue[i]) * scale);
            }
        }
        return sum / n;
    }
}
