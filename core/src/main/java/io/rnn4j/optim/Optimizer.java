package io.rnn4j.optim;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.layer.Parameter;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the Keras-style optimizers: learning rate (constant or a {@link LearningRateSchedule}),
 * gradient clipping and the step counter. The update itself is one fused backend operation per
 * parameter, so weights, gradients and optimizer slots stay on the backend (device) for a whole
 * training run.
 *
 * <p>Clipping follows Keras 3's {@code BaseOptimizer}: at most one of {@code clipnorm} (each
 * gradient scaled by {@code c / max(||g||, c)}), {@code global_clipnorm} (all gradients scaled by
 * {@code c / max(global norm, c)}) and {@code clipvalue} (each element clipped to {@code [-c, c]}).
 */
public abstract class Optimizer {
    private double learningRate;
    private final LearningRateSchedule schedule;
    private Double clipnorm;
    private Double globalClipnorm;
    private Double clipvalue;
    private Double weightDecay;
    private long iterations;
    private final Map<Parameter, Tensor[]> slots = new IdentityHashMap<>();

    /** An optimizer with a constant learning rate. */
    protected Optimizer(double learningRate) {
        if (!(learningRate >= 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be finite and >= 0, got " + learningRate);
        }
        this.learningRate = learningRate;
        this.schedule = null;
    }

    /** An optimizer whose learning rate follows {@code schedule}. */
    protected Optimizer(LearningRateSchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": schedule must not be null");
        }
        this.learningRate = Double.NaN;
        this.schedule = schedule;
    }

    /** Keras class name, e.g. {@code Adam}. */
    public abstract String type();

    /** Clips each gradient to norm {@code c} (Keras {@code clipnorm}); returns this. */
    public Optimizer clipnorm(double c) {
        checkClip("clipnorm", c);
        this.clipnorm = c;
        return this;
    }

    /** Clips all gradients together to global norm {@code c} (Keras {@code global_clipnorm}); returns this. */
    public Optimizer globalClipnorm(double c) {
        checkClip("global_clipnorm", c);
        this.globalClipnorm = c;
        return this;
    }

    /** Clips each gradient element to {@code [-c, c]} (Keras {@code clipvalue}); returns this. */
    public Optimizer clipvalue(double c) {
        checkClip("clipvalue", c);
        this.clipvalue = c;
        return this;
    }

    /**
     * Keras {@code weight_decay}: before each update every weight is shrunk by
     * {@code p -= p * weightDecay * lr} (decoupled, as in Keras 3's {@code BaseOptimizer}); returns this.
     */
    public Optimizer weightDecay(double wd) {
        if (!(wd >= 0) || !Double.isFinite(wd)) {
            throw new IllegalArgumentException(type() + ": weight_decay must be finite and >= 0, got " + wd);
        }
        this.weightDecay = wd;
        return this;
    }

    private void checkClip(String what, double c) {
        if (!(c > 0) || !Double.isFinite(c)) {
            throw new IllegalArgumentException(type() + ": " + what + " must be finite and > 0, got " + c);
        }
        if (clipnorm != null || globalClipnorm != null || clipvalue != null) {
            throw new IllegalArgumentException(type() + ": only one of clipnorm, global_clipnorm, clipvalue can be set (like Keras)");
        }
    }

    /** Number of updates applied so far (Keras {@code iterations}). */
    public long iterations() {
        return iterations;
    }

    /**
     * Sets a constant learning rate (Keras {@code optimizer.learning_rate = lr}), e.g. from a
     * callback; an optimizer driven by a schedule refuses.
     */
    public void setLearningRate(double lr) {
        if (schedule != null) {
            throw new IllegalStateException(type() + ": the learning rate follows a " + schedule.type() + " schedule");
        }
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException(type() + ": learning rate must be finite and >= 0, got " + lr);
        }
        this.learningRate = lr;
    }

    /** True when the learning rate follows a schedule. */
    public boolean hasSchedule() {
        return schedule != null;
    }

    /** The learning rate the next update will use. */
    public double currentLearningRate() {
        return schedule != null ? schedule.rate(iterations) : learningRate;
    }

    /**
     * Applies one update to every parameter from its accumulated gradient (clipping first, then
     * weight decay), then counts the step. Gradients are modified in place by clipping; the caller zeroes them.
     */
    public void apply(List<Parameter> params) {
        clip(params);
        float lr = (float) currentLearningRate();
        if (weightDecay != null && weightDecay > 0) {
            float keep = (float) (1.0 - (double) lr * weightDecay);
            for (Parameter p : params) {
                p.value().backend().axpby(keep, p.value(), 0f, p.value(), p.value());
            }
        }
        for (Parameter p : params) {
            Tensor[] s = slots.computeIfAbsent(p, q -> createSlots(q.value().backend(), q.shape()));
            update(p.value(), p.grad(), s, lr, iterations + 1);
        }
        iterations++;
    }

    private void clip(List<Parameter> params) {
        if (clipnorm != null) {
            float c = clipnorm.floatValue();
            for (Parameter p : params) {
                Backend b = p.grad().backend();
                double norm = Math.sqrt(b.sumOfSquares(p.grad()));
                if (norm > c) {
                    b.axpby((float) (c / norm), p.grad(), 0f, p.grad(), p.grad());
                }
            }
        } else if (globalClipnorm != null) {
            double sq = 0;
            for (Parameter p : params) {
                sq += p.grad().backend().sumOfSquares(p.grad());
            }
            double norm = Math.sqrt(sq);
            double c = globalClipnorm;
            if (norm > c) {
                for (Parameter p : params) {
                    p.grad().backend().axpby((float) (c / norm), p.grad(), 0f, p.grad(), p.grad());
                }
            }
        } else if (clipvalue != null) {
            float c = clipvalue.floatValue();
            for (Parameter p : params) {
                p.grad().backend().clip(p.grad(), -c, c, p.grad());
            }
        }
    }

    /** Creates this optimizer's per-parameter state (zeros) on {@code backend}. */
    protected abstract Tensor[] createSlots(Backend backend, int[] shape);

    /** One fused update of {@code param}; {@code step} counts from 1. */
    protected abstract void update(Tensor param, Tensor grad, Tensor[] slots, float learningRate, long step);

    /** The optimizer's own hyper-parameters (without learning rate and clipping). */
    protected abstract Map<String, Object> hyperParameters();

    /** Keras-style config: learning rate or schedule, clipping and the hyper-parameters. */
    public Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (schedule != null) {
            m.put("learning_rate", Map.of("class_name", schedule.type(), "config", schedule.config()));
        } else {
            m.put("learning_rate", learningRate);
        }
        m.putAll(hyperParameters());
        m.put("clipnorm", clipnorm);
        m.put("global_clipnorm", globalClipnorm);
        m.put("clipvalue", clipvalue);
        m.put("weight_decay", weightDecay);
        return m;
    }

    /** Drops per-parameter state and the step count (a fresh optimizer). */
    public void reset() {
        slots.clear();
        iterations = 0;
    }
}
