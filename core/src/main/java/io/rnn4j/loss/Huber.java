package io.rnn4j.loss;

import java.util.Map;

/**
 * Keras {@code Huber}: with {@code e = pred - target}, {@code 0.5 e^2} where {@code |e| <= delta},
 * else {@code delta |e| - 0.5 delta^2}; Keras's default {@code delta} is 1.
 */
public final class Huber extends ElementwiseLoss {
    private final double delta;

    /** Huber loss with Keras's default {@code delta = 1.0}. */
    public Huber() {
        this(1.0);
    }

    /** Huber loss with the given {@code delta > 0}. */
    public Huber(double delta) {
        if (!(delta > 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("Huber: delta must be finite and > 0, got " + delta);
        }
        this.delta = delta;
    }

    @Override
    public String name() {
        return "huber";
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("delta", delta);
    }

    @Override
    double value(double pred, double target) {
        double e = Math.abs(pred - target);
        return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    }

    @Override
    double derivative(double pred, double target) {
        double e = pred - target;
        return Math.abs(e) <= delta ? e : delta * Math.signum(e);
    }
}
