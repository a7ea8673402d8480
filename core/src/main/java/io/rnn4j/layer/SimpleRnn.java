package io.rnn4j.layer;

import io.rnn4j.cell.SimpleRnnCell;

import java.util.Map;

/**
 * Keras {@code SimpleRNN}: an {@link Rnn} over a {@link SimpleRnnCell}, on the fused kernels.
 * <pre>{@code SimpleRnn layer = new SimpleRnn(16).returnSequences(true); // keras.layers.SimpleRNN(16, return_sequences=True)}</pre>
 */
public final class SimpleRnn extends KerasRnn<SimpleRnn> {

    /** {@code SimpleRNN(units)} with Keras's defaults. */
    public SimpleRnn(int units) {
        this(new SimpleRnnCell(units));
    }

    /** A SimpleRNN layer over a configured cell. */
    public SimpleRnn(io.rnn4j.cell.KerasCell cell) {
        super(require(cell, SimpleRnnCell.class, "SimpleRnn"));
    }

    @Override
    public String type() {
        return "SimpleRNN";
    }

    @Override
    String defaultName() {
        return "simple_rnn";
    }

    /** Rebuilds the layer from {@link #config()}. */
    public static SimpleRnn fromConfig(Map<String, Object> config) {
        SimpleRnn l = new SimpleRnn(SimpleRnnCell.fromConfig(withoutName(config)));
        l.applyLayerConfig(config);
        return l;
    }

    static Map<String, Object> withoutName(Map<String, Object> config) {
        Map<String, Object> c = new java.util.LinkedHashMap<>(config);
        c.remove("name");
        return c;
    }
}
