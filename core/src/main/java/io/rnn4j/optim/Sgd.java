package io.rnn4j.optim;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras 3 {@code SGD} (default learning rate 0.01, momentum 0, no Nesterov): {@code p -= lr g};
 * with momentum {@code v = momentum v - lr g; p += v}, with Nesterov
 * {@code p += momentum v - lr g}; fused in {@link Backend#sgdUpdate}.
 */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final boolean nesterov;

    /** SGD with Keras defaults. */
    public Sgd() {
        this(0.01);
    }

    /** Plain SGD. */
    public Sgd(double learningRate) {
        this(learningRate, 0.0, false);
    }

    /** SGD with momentum in {@code [0, 1]}, optionally Nesterov. */
    public Sgd(double learningRate, double momentum, boolean nesterov) {
        super(learningRate);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("SGD: momentum must be in [0, 1], got " + momentum);
        }
        this.momentum = (float) momentum;
        this.nesterov = nesterov;
    }

    /** SGD with a learning-rate schedule. */
    public Sgd(LearningRateSchedule schedule, double momentum, boolean nesterov) {
        super(schedule);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("SGD: momentum must be in [0, 1], got " + momentum);
        }
        this.momentum = (float) momentum;
        this.nesterov = nesterov;
    }

    @Override
    public String type() {
        return "SGD";
    }

    @Override
    protected Tensor[] createSlots(Backend backend, int[] shape) {
        return momentum != 0f ? new Tensor[] {backend.zeros(shape)} : new Tensor[] {null};
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] slots, float learningRate, long step) {
        param.backend().sgdUpdate(param, grad, slots[0], learningRate, momentum, nesterov);
    }

    @Override
    protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("momentum", momentum);
        m.put("nesterov", nesterov);
        return m;
    }
}
