package io.rnn4j.model;

import io.rnn4j.optim.Optimizer;

import java.util.Map;

/**
 * Keras {@code ReduceLROnPlateau}: multiplies the optimizer's learning rate by {@code factor}
 * (not below {@code minLr}) when {@code monitor} has not improved by more than {@code minDelta}
 * for {@code patience} epochs, then waits {@code cooldown} epochs before counting again. Keras's
 * defaults: {@code val_loss}, factor 0.1, patience 10, min_delta 1e-4, cooldown 0, min_lr 0.
 */
public final class ReduceLROnPlateau implements Callback {
    private final String monitor;
    private final double factor;
    private final int patience;
    private final Mode mode;
    private final double minDelta;
    private final int cooldown;
    private final double minLr;

    private Mode resolved;
    private double best;
    private int wait;
    private int cooldownCounter;

    /** Keras defaults with the given factor and patience. */
    public ReduceLROnPlateau(double factor, int patience) {
        this("val_loss", factor, patience, Mode.AUTO, 1e-4, 0, 0.0);
    }

    /** Every option, as in Keras. */
    public ReduceLROnPlateau(String monitor, double factor, int patience, Mode mode, double minDelta, int cooldown, double minLr) {
        if (monitor == null || mode == null || !(factor > 0 && factor < 1) || patience < 0 || !(minDelta >= 0)
                || cooldown < 0 || !(minLr >= 0)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: need a monitor and mode, factor in (0, 1), patience >= 0, "
                    + "minDelta >= 0, cooldown >= 0, minLr >= 0; got " + monitor + ", " + factor + ", " + patience + ", "
                    + mode + ", " + minDelta + ", " + cooldown + ", " + minLr);
        }
        this.monitor = monitor;
        this.factor = factor;
        this.patience = patience;
        this.mode = mode;
        this.minDelta = minDelta;
        this.cooldown = cooldown;
        this.minLr = minLr;
    }

    @Override
    public void onTrainBegin(Sequential model) {
        Optimizer o = model.optimizer();
        if (o.hasSchedule()) {
            throw new IllegalStateException("ReduceLROnPlateau: the optimizer's learning rate follows a schedule");
        }
        resolved = mode.resolve(monitor);
        best = resolved == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        wait = 0;
        cooldownCounter = 0;
    }

    @Override
    public void onEpochEnd(Sequential model, int epoch, Map<String, Double> logs) {
        Mode.checkPresent("ReduceLROnPlateau", monitor, logs);
        double current = logs.get(monitor);
        if (cooldownCounter > 0) {
            cooldownCounter--;
            wait = 0;
        }
        boolean better = resolved == Mode.MIN ? current < best - minDelta : current > best + minDelta;
        if (better) {
            best = current;
            wait = 0;
        } else if (cooldownCounter == 0) { // as Keras: re-checked after the decrement above
            wait++;
            if (wait >= patience) {
                Optimizer o = model.optimizer();
                double old = o.currentLearningRate();
                if (old > minLr) {
                    o.setLearningRate(Math.max(old * factor, minLr));
                    cooldownCounter = cooldown;
                    wait = 0;
                }
            }
        }
    }
}
