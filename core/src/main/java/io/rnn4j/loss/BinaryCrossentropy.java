package io.rnn4j.loss;

import java.util.Map;

/**
 * Keras {@code BinaryCrossentropy}. From probabilities (the default) the prediction is clipped to
 * {@code [1e-7, 1 - 1e-7]} (Keras's {@code epsilon()}) and the loss is
 * {@code -(t log p + (1 - t) log(1 - p))}; where the clip is active the gradient is 0, as through
 * Keras's {@code clip}. From logits {@code x} it is the stable
 * {@code max(x, 0) - x t + log(1 + exp(-|x|))} with gradient {@code sigmoid(x) - t}.
 */
public final class BinaryCrossentropy extends ElementwiseLoss {
    static final double EPSILON = 1e-7;
    private final boolean fromLogits;

    /** From probabilities (a sigmoid output). */
    public BinaryCrossentropy() {
        this(false);
    }

    /** From logits when {@code fromLogits}, else from probabilities. */
    public BinaryCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    /** True when predictions are logits. */
    public boolean fromLogits() {
        return fromLogits;
    }

    @Override
    public String name() {
        return "binary_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("from_logits", fromLogits);
    }

    @Override
    double value(double pred, double target) {
        if (fromLogits) {
            return Math.max(pred, 0) - pred * target + Math.log1p(Math.exp(-Math.abs(pred)));
        }
        double p = Math.min(Math.max(pred, EPSILON), 1 - EPSILON);
        return -(target * Math.log(p) + (1 - target) * Math.log(1 - p));
    }

    @Override
    double derivative(double pred, double target) {
        if (fromLogits) {
            double s = pred >= 0 ? 1 / (1 + Math.exp(-pred)) : Math.exp(pred) / (1 + Math.exp(pred));
            return s - target;
        }
        if (pred < EPSILON || pred > 1 - EPSILON) {
            return 0;
        }
        return -target / pred + (1 - target) / (1 - pred);
    }
}
