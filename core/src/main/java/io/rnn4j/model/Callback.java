package io.rnn4j.model;

import java.util.Map;

/** Hooks into {@code fit}, like Keras callbacks. Epochs count from 0 as in Keras. */
public interface Callback {

    /** Before the first epoch. */
    default void onTrainBegin(Sequential model) {
    }

    /**
     * After each epoch with its logs ({@code loss}, metrics, {@code val_loss}, ...); a callback may
     * call {@link Sequential#stopTraining()}.
     */
    default void onEpochEnd(Sequential model, int epoch, Map<String, Double> logs) {
    }

    /** After the last epoch (also when stopped early). */
    default void onTrainEnd(Sequential model) {
    }
}
