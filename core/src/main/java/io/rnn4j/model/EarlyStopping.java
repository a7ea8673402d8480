package io.rnn4j.model;

import java.util.List;
import java.util.Map;

/**
 * Keras {@code EarlyStopping}: stops {@code fit} when {@code monitor} has not improved by more than
 * {@code minDelta} for {@code patience} epochs. With {@code restoreBestWeights} the model gets the
 * weights of the best epoch back when training ends (Keras 3 restores them in
 * {@code on_train_end} whenever a best epoch was recorded).
 */
public final class EarlyStopping implements Callback {
    private final String monitor;
    private final double minDelta;
    private final int patience;
    private final Mode mode;
    private final boolean restoreBestWeights;

    private Mode resolved;
    private double best;
    private int wait;
    private int stoppedEpoch;
    private int bestEpoch;
    private List<float[]> bestWeights;

    /** Monitors {@code val_loss} with the given patience, restoring the best weights. */
    public EarlyStopping(int patience) {
        this("val_loss", 0.0, patience, Mode.AUTO, true);
    }

    /** Every option, as in Keras. */
    public EarlyStopping(String monitor, double minDelta, int patience, Mode mode, boolean restoreBestWeights) {
        if (monitor == null || patience < 0 || !(minDelta >= 0) || mode == null) {
            throw new IllegalArgumentException("EarlyStopping: need a monitor, patience >= 0, minDelta >= 0 and a mode; got "
                    + monitor + ", " + patience + ", " + minDelta + ", " + mode);
        }
        this.monitor = monitor;
        this.minDelta = minDelta;
        this.patience = patience;
        this.mode = mode;
        this.restoreBestWeights = restoreBestWeights;
    }

    @Override
    public void onTrainBegin(Sequential model) {
        resolved = mode.resolve(monitor);
        best = resolved == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        wait = 0;
        stoppedEpoch = 0;
        bestEpoch = 0;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(Sequential model, int epoch, Map<String, Double> logs) {
        Mode.checkPresent("EarlyStopping", monitor, logs);
        double current = logs.get(monitor);
        if (restoreBestWeights && bestWeights == null) {
            bestWeights = model.getWeights();
            bestEpoch = epoch;
        }
        wait++;
        if (improves(current)) {
            best = current;
            bestEpoch = epoch;
            if (restoreBestWeights) {
                bestWeights = model.getWeights();
            }
            wait = 0;
            return;
        }
        if (wait >= patience && epoch > 0) {
            stoppedEpoch = epoch;
            model.stopTraining();
        }
    }

    private boolean improves(double current) {
        // Keras: an improvement must beat the best by more than minDelta
        return resolved == Mode.MIN ? current + minDelta < best : current - minDelta > best;
    }

    @Override
    public void onTrainEnd(Sequential model) {
        if (restoreBestWeights && bestWeights != null) {
            model.setWeights(bestWeights);
        }
    }

    /** The epoch (0-based) at which training was stopped, 0 if it was not. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch (0-based) with the best monitored value. */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best monitored value seen. */
    public double best() {
        return best;
    }
}
