package io.rnn4j.model;

import io.rnn4j.Tensor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The keyword arguments of Keras's {@code fit}, as a fluent object:
 * {@code new FitOptions().epochs(20).batchSize(32).validationSplit(0.2).seed(42)}.
 * Defaults are Keras's: 1 epoch, batch size 32, shuffle on, no validation, {@code verbose="auto"}.
 */
public final class FitOptions {
    int epochs = 1;
    int batchSize = 32;
    boolean shuffle = true;
    Long seed;
    double validationSplit;
    Tensor validationX;
    Tensor validationY;
    final List<Callback> callbacks = new ArrayList<>();
    int verbose = -1;
    PrintStream out = System.out;
    int tbptt;

    /** Number of epochs (>= 1). */
    public FitOptions epochs(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("fit: epochs must be >= 1, got " + epochs);
        }
        this.epochs = epochs;
        return this;
    }

    /** Samples per gradient step (>= 1). */
    public FitOptions batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("fit: batchSize must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** Shuffle the training samples before each epoch (default true). */
    public FitOptions shuffle(boolean shuffle) {
        this.shuffle = shuffle;
        return this;
    }

    /** Seed of the shuffling, for reproducible runs (default: a random seed). */
    public FitOptions seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Keep the last {@code fraction} of the samples (before shuffling) for validation, like Keras. */
    public FitOptions validationSplit(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fit: validationSplit must be in [0, 1), got " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    /** Validation data evaluated after each epoch (takes precedence over {@link #validationSplit}). */
    public FitOptions validationData(Tensor x, Tensor y) {
        if (x == null || y == null) {
            throw new IllegalArgumentException("fit: validation x and y must both be given");
        }
        this.validationX = x;
        this.validationY = y;
        return this;
    }

    /** Adds callbacks, called in order. */
    public FitOptions callbacks(Callback... callbacks) {
        this.callbacks.addAll(List.of(callbacks));
        return this;
    }

    /**
     * Keras {@code verbose}: 0 silent, 1 progress bar (falls back to lines when there is no terminal
     * or no progressbar library), 2 one line per epoch; the default {@code -1} is Keras's "auto" (= 1).
     */
    public FitOptions verbose(int verbose) {
        if (verbose < -1 || verbose > 2) {
            throw new IllegalArgumentException("fit: verbose must be 0, 1, 2 (or -1 for auto), got " + verbose);
        }
        this.verbose = verbose;
        return this;
    }

    /** Where progress is printed (default {@code System.out}). */
    public FitOptions output(PrintStream out) {
        this.out = out;
        return this;
    }

    /**
     * Truncated backpropagation through time: sequences are cut into windows of {@code k} steps;
     * forward and backward run per window, the recurrent state is carried from one window to the
     * next and the optimizer steps after each window (Deeplearning4j's tBPTT). 0 (default) trains
     * on whole sequences.
     */
    public FitOptions tbptt(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("fit: tbptt window must be >= 0, got " + k);
        }
        this.tbptt = k;
        return this;
    }
}
