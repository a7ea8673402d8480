package io.rnn4j.optim;

import java.util.Map;

/** A learning rate as a function of the optimizer's step count (Keras {@code LearningRateSchedule}). */
public interface LearningRateSchedule {

    /** The learning rate for the update whose 0-based index is {@code step} (Keras's {@code iterations}). */
    double rate(long step);

    /** Keras class name, for saving. */
    String type();

    /** Constructor arguments, for saving. */
    Map<String, Object> config();
}
