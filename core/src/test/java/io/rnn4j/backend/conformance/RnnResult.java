package io.rnn4j.backend.conformance;

import java.util.LinkedHashMap;
import java.util.Map;

/** Named host copies of a fused run's outputs and gradients ({@code output}, {@code dKernel}, ...), in double. */
public final class RnnResult {
    private final Map<String, double[]> values = new LinkedHashMap<>();

    /** Stores a float result under {@code name}. */
    public void put(String name, float[] data) {
        double[] d = new double[data.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = data[i];
        }
        values.put(name, d);
    }

    /** Stores a double result under {@code name}. */
    public void put(String name, double[] data) {
        values.put(name, data.clone());
    }

    /** The result called {@code name}, or null. */
    public double[] get(String name) {
        return values.get(name);
    }

    /** Every result, in insertion order. */
    public Map<String, double[]> all() {
        return values;
    }
}
