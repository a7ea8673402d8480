package io.rnn4j.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras {@code ExponentialDecay}: {@code initial * decayRate^(step / decaySteps)}, with the
 * exponent floored when {@code staircase}.
 */
public final class ExponentialDecay implements LearningRateSchedule {
    private final double initialLearningRate;
    private final long decaySteps;
    private final double decayRate;
    private final boolean staircase;

    /** A smooth decay. */
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate) {
        this(initialLearningRate, decaySteps, decayRate, false);
    }

    /** A decay, stepwise when {@code staircase}. */
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase) {
        if (!(initialLearningRate > 0) || decaySteps <= 0 || !(decayRate > 0)) {
            throw new IllegalArgumentException("ExponentialDecay: need initialLearningRate > 0, decaySteps > 0, decayRate > 0; got "
                    + initialLearningRate + ", " + decaySteps + ", " + decayRate);
        }
        this.initialLearningRate = initialLearningRate;
        this.decaySteps = decaySteps;
        this.decayRate = decayRate;
        this.staircase = staircase;
    }

    @Override
    public double rate(long step) {
        double p = (double) step / decaySteps;
        if (staircase) {
            p = Math.floor(p);
        }
        return initialLearningRate * Math.pow(decayRate, p);
    }

    @Override
    public String type() {
        return "ExponentialDecay";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initial_learning_rate", initialLearningRate);
        m.put("decay_steps", decaySteps);
        m.put("decay_rate", decayRate);
        m.put("staircase", staircase);
        return m;
    }
}
