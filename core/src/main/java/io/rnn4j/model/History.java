package io.rnn4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code fit} returns, like Keras's {@code History}: per-epoch values of the loss and metrics. */
public final class History {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();
    private int epochs;

    void record(Map<String, Double> logs) {
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        epochs++;
    }

    /** Keras's {@code history.history}: name ({@code loss}, {@code val_loss}, ...) to one value per epoch. */
    public Map<String, List<Double>> history() {
        Map<String, List<Double>> m = new LinkedHashMap<>();
        values.forEach((k, v) -> m.put(k, Collections.unmodifiableList(new ArrayList<>(v))));
        return Collections.unmodifiableMap(m);
    }

    /** The per-epoch values of {@code name}; an error names the recorded keys when it is unknown. */
    public List<Double> get(String name) {
        List<Double> v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("History: no values for '" + name + "'; recorded: " + values.keySet());
        }
        return Collections.unmodifiableList(v);
    }

    /** The value of {@code name} after the last epoch. */
    public double last(String name) {
        List<Double> v = get(name);
        return v.get(v.size() - 1);
    }

    /** Number of epochs run. */
    public int epochs() {
        return epochs;
    }

    @Override
    public String toString() {
        return "History" + values;
    }
}
