package io.rnn4j.layer;

import io.rnn4j.cell.GruCell;

import java.util.Map;

/**
 * Keras {@code GRU}: an {@link Rnn} over a {@link GruCell}, on the fused kernels;
 * {@code reset_after} true by default (bias {@code (2, 3*units)}).
 * <pre>{@code Gru layer = new Gru(32).resetAfter(false); // keras.layers.GRU(32, reset_after=False)}</pre>
 */
public final class Gru extends KerasRnn<Gru> {

    /** {@code GRU(units)} with Keras's defaults. */
    public Gru(int units) {
        this(new GruCell(units));
    }

    /** A GRU layer over a configured cell. */
    public Gru(io.rnn4j.cell.KerasCell cell) {
        super(require(cell, GruCell.class, "Gru"));
    }

    /** Keras {@code reset_after} (default true). */
    public Gru resetAfter(boolean on) {
        ((GruCell) cell()).resetAfter(on);
        return this;
    }

    @Override
    public String type() {
        return "GRU";
    }

    @Override
    String defaultName() {
        return "gru";
    }

    /** Rebuilds the layer from {@link #config()}. */
    public static Gru fromConfig(Map<String, Object> config) {
        Gru l = new Gru(GruCell.fromConfig(SimpleRnn.withoutName(config)));
        l.applyLayerConfig(config);
        return l;
    }
}
