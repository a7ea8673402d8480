package io.rnn4j.optim;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras 3 {@code RMSprop} (defaults: learning rate 0.001, rho 0.9, momentum 0, epsilon 1e-7,
 * not centered): {@code s = rho s + (1 - rho) g^2; inc = lr g / sqrt(s + epsilon)}; then
 * {@code p -= inc}, or with momentum {@code mb = momentum mb + inc; p -= mb}; fused in
 * {@link Backend#rmspropUpdate}. The {@code centered} variant is not implemented.
 */
public final class RmsProp extends Optimizer {
    private final float rho;
    private final float momentum;
    private final float epsilon;

    /** RMSprop with Keras defaults. */
    public RmsProp() {
        this(0.001);
    }

    /** RMSprop with a learning rate and Keras's other defaults. */
    public RmsProp(double learningRate) {
        this(learningRate, 0.9, 0.0, 1e-7);
    }

    /** RMSprop with every hyper-parameter. */
    public RmsProp(double learningRate, double rho, double momentum, double epsilon) {
        super(learningRate);
        if (!(rho >= 0 && rho < 1) || !(momentum >= 0 && momentum < 1) || !(epsilon >= 0)) {
            throw new IllegalArgumentException("RMSprop: need rho in [0, 1), momentum in [0, 1), epsilon >= 0; got rho "
                    + rho + ", momentum " + momentum + ", epsilon " + epsilon);
        }
        this.rho = (float) rho;
        this.momentum = (float) momentum;
        this.epsilon = (float) epsilon;
    }

    @Override
    public String type() {
        return "RMSprop";
    }

    @Override
    protected Tensor[] createSlots(Backend backend, int[] shape) {
        return new Tensor[] {backend.zeros(shape), momentum > 0 ? backend.zeros(shape) : null};
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] slots, float learningRate, long step) {
        param.backend().rmspropUpdate(param, grad, slots[0], slots[1], learningRate, rho, momentum, epsilon);
    }

    @Override
    protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rho", rho);
        m.put("momentum", momentum);
        m.put("epsilon", epsilon);
        return m;
    }
}
