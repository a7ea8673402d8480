package io.rnn4j.loss;

import java.util.Map;

/**
 * Keras {@code SparseCategoricalCrossentropy}: targets are class indices (one per row), predictions
 * one score per class. From probabilities (the default) the row is normalised to sum 1, clipped to
 * {@code [1e-7, 1 - 1e-7]} and the loss is {@code -log q_y} (Keras's numpy/JAX backends). From
 * logits it is {@code logsumexp(z) - z_y} with gradient {@code softmax(z) - onehot(y)}.
 */
public final class SparseCategoricalCrossentropy implements Loss {
    private final boolean fromLogits;

    /** From probabilities (a softmax output). */
    public SparseCategoricalCrossentropy() {
        this(false);
    }

    /** From logits when {@code fromLogits}, else from probabilities. */
    public SparseCategoricalCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    /** True when predictions are logits. */
    public boolean fromLogits() {
        return fromLogits;
    }

    @Override
    public String name() {
        return "sparse_categorical_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("from_logits", fromLogits);
    }

    @Override
    public int targetWidth(int predWidth) {
        return 1;
    }

    /** The class index of a target value, checked against the number of classes. */
    static int label(String who, float t, int classes, int row) {
        int y = (int) t;
        if (y != t || y < 0 || y >= classes) {
            throw new IllegalArgumentException(who + ": target of row " + row + " is " + t
                    + ", expected a class index in [0, " + classes + ")");
        }
        return y;
    }

    @Override
    public double compute(float[] yPred, float[] yTrue, int width, float[] grad) {
        int rows = Loss.rows(this, yPred, yTrue, width, grad);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int y = label(name(), yTrue[r], width, r);
            int o = r * width;
            if (fromLogits) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < width; c++) {
                    max = Math.max(max, yPred[o + c]);
                }
                double sumExp = 0;
                for (int c = 0; c < width; c++) {
                    sumExp += Math.exp(yPred[o + c] - max);
                }
                double logZ = max + Math.log(sumExp);
                total += logZ - yPred[o + y];
                if (grad != null) {
                    for (int c = 0; c < width; c++) {
                        double softmax = Math.exp(yPred[o + c] - logZ);
                        grad[o + c] = (float) ((softmax - (c == y ? 1 : 0)) / rows);
                    }
                }
            } else {
                double sum = 0;
                for (int c = 0; c < width; c++) {
                    sum += yPred[o + c];
                }
                double q = yPred[o + y] / sum;
                boolean clipped = q < BinaryCrossentropy.EPSILON || q > 1 - BinaryCrossentropy.EPSILON;
                double qc = Math.min(Math.max(q, BinaryCrossentropy.EPSILON), 1 - BinaryCrossentropy.EPSILON);
                total += -Math.log(qc);
                if (grad != null) {
                    for (int c = 0; c < width; c++) {
                        // d(-log(p_y / S)) / d p_c = -[c == y] / p_y + 1 / S
                        double g = clipped ? 0 : (c == y ? -1.0 / yPred[o + y] : 0) + 1.0 / sum;
                        grad[o + c] = (float) (g / rows);
                    }
                }
            }
        }
        return total / rows;
    }
}
