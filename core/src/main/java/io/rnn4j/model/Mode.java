package io.rnn4j.model;

import java.util.Map;

/** Whether a monitored quantity improves by going down or up (Keras {@code mode}). */
public enum Mode {
    /** Lower is better. */
    MIN,
    /** Higher is better. */
    MAX,
    /** {@link #MAX} for names containing {@code acc}, otherwise {@link #MIN}, like Keras. */
    AUTO;

    Mode resolve(String monitor) {
        if (this != AUTO) {
            return this;
        }
        return monitor.contains("acc") ? MAX : MIN;
    }

    static void checkPresent(String who, String monitor, Map<String, Double> logs) {
        if (!logs.containsKey(monitor)) {
            throw new IllegalStateException(who + ": monitored quantity '" + monitor + "' is not in the logs "
                    + logs.keySet() + (monitor.startsWith("val_") ? " (fit needs validation data for it)" : ""));
        }
    }
}
