package io.rnn4j.loss;

import java.util.Map;

/** Keras {@code MeanSquaredError}: {@code mean((pred - target)^2)}. */
public final class MeanSquaredError extends ElementwiseLoss {
    @Override
    public String name() {
        return "mean_squared_error";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of();
    }

    @Override
    double value(double pred, double target) {
        double e = pred - target;
        return e * e;
    }

    @Override
    double derivative(double pred, double target) {
        return 2 * (pred - target);
    }
}
