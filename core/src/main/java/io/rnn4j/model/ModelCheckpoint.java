package io.rnn4j.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Keras {@code ModelCheckpoint}: saves the whole model (atomically, see {@link Sequential#save})
 * after every epoch, or only when {@code monitor} improved with {@code saveBestOnly}. A
 * {@code {epoch}} in the file name is replaced by the 1-based epoch number, as in Keras.
 */
public final class ModelCheckpoint implements Callback {
    private final String filePattern;
    private final String monitor;
    private final boolean saveBestOnly;
    private final Mode mode;
    private Mode resolved;
    private double best;
    private Path lastSaved;

    /** Saves the model with the best {@code val_loss} to {@code file}. */
    public ModelCheckpoint(Path file) {
        this(file.toString(), "val_loss", true, Mode.AUTO);
    }

    /** Every option, as in Keras. */
    public ModelCheckpoint(String filePattern, String monitor, boolean saveBestOnly, Mode mode) {
        if (filePattern == null || monitor == null || mode == null) {
            throw new IllegalArgumentException("ModelCheckpoint: file, monitor and mode must be given");
        }
        this.filePattern = filePattern;
        this.monitor = monitor;
        this.saveBestOnly = saveBestOnly;
        this.mode = mode;
    }

    @Override
    public void onTrainBegin(Sequential model) {
        resolved = mode.resolve(monitor);
        best = resolved == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    @Override
    public void onEpochEnd(Sequential model, int epoch, Map<String, Double> logs) {
        if (saveBestOnly) {
            Mode.checkPresent("ModelCheckpoint", monitor, logs);
            double current = logs.get(monitor);
            boolean better = resolved == Mode.MIN ? current < best : current > best;
            if (!better) {
                return;
            }
            best = current;
        }
        Path p = Path.of(filePattern.replace("{epoch}", String.valueOf(epoch + 1)));
        try {
            model.save(p);
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: cannot save " + p + ": " + e.getMessage(), e);
        }
        lastSaved = p;
    }

    /** The last file written, or null. */
    public Path lastSaved() {
        return lastSaved;
    }
}
