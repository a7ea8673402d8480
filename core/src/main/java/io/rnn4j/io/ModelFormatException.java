package io.rnn4j.io;

import java.io.IOException;

/** A model file that is not an rnn4j model, is truncated, corrupted, or of an unsupported version. */
public final class ModelFormatException extends IOException {
    /** An exception with a message that names the file and what is wrong with it. */
    public ModelFormatException(String message) {
        super(message);
    }
}
