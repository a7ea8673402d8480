package io.rnn4j.model;

/**
 * {@code fit} stopped because the loss, a gradient or an updated weight became NaN or infinite.
 * The model keeps the weights of the last finite step; the epochs finished before are in
 * {@link #history()}.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private final transient History history;

    TrainingDivergedException(String message, History history) {
        super(message);
        this.history = history;
    }

    /** The epochs completed before training stopped. */
    public History history() {
        return history;
    }
}
