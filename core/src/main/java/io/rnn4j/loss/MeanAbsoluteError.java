package io.rnn4j.loss;

import java.util.Map;

/** Keras {@code MeanAbsoluteError}: {@code mean(|pred - target|)}; the derivative at 0 is 0 like {@code sign}. */
public final class MeanAbsoluteError extends ElementwiseLoss {
    @Override
    public String name() {
        return "mean_absolute_error";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    double value(double pred, double target) {
        return Math.abs(pred - target);
    }

    @Override
    double derivative(double pred, double target) {
        return Math.signum(pred - target);
    }
}
