package io.rnn4j.optim;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras 3 {@code Adam} (defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7):
 * {@code m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
 * p -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)}, fused in
 * {@link Backend#adamUpdate}.
 */
public final class Adam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float epsilon;

    /** Adam with Keras defaults. */
    public Adam() {
        this(0.001);
    }

    /** Adam with a learning rate and Keras's other defaults. */
    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-7);
    }

    /** Adam with every hyper-parameter. */
    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        super(learningRate);
        this.beta1 = check("beta_1", beta1);
        this.beta2 = check("beta_2", beta2);
        this.epsilon = (float) epsilon;
    }

    /** Adam with a learning-rate schedule and Keras's other defaults. */
    public Adam(LearningRateSchedule schedule) {
        super(schedule);
        this.beta1 = 0.9f;
        this.beta2 = 0.999f;
        this.epsilon = 1e-7f;
    }

    private static float check(String what, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("Adam: " + what + " must be in [0, 1), got " + beta);
        }
        return (float) beta;
    }

    @Override
    public String type() {
        return "Adam";
    }

    @Override
    protected Tensor[] createSlots(Backend backend, int[] shape) {
        return new Tensor[] {backend.zeros(shape), backend.zeros(shape)};
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] slots, float learningRate, long step) {
        param.backend().adamUpdate(param, grad, slots[0], slots[1], learningRate, beta1, beta2, epsilon, step);
    }

    @Override
    protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta_1", beta1);
        m.put("beta_2", beta2);
        m.put("epsilon", epsilon);
        return m;
    }
}
