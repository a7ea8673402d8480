package io.rnn4j.layer;

import io.rnn4j.cell.LstmCell;

import java.util.Map;

/**
 * Keras {@code LSTM}: an {@link Rnn} over an {@link LstmCell}, on the fused kernels. States
 * {@code [h, c]}.
 * <pre>{@code
 * Lstm layer = new Lstm(32).unitForgetBias(true).returnState(true);   // keras.layers.LSTM(32, return_state=True)
 * RnnResult r = layer.call(x, null, null, false);                     // output, h, c = layer(x)
 * }</pre>
 */
public final class Lstm extends KerasRnn<Lstm> {

    /** {@code LSTM(units)} with Keras's defaults. */
    public Lstm(int units) {
        this(new LstmCell(units));
    }

    /** An LSTM layer over a configured cell. */
    public Lstm(io.rnn4j.cell.KerasCell cell) {
        super(require(cell, LstmCell.class, "Lstm"));
    }

    /** Keras {@code unit_forget_bias} (default true). */
    public Lstm unitForgetBias(boolean on) {
        ((LstmCell) cell()).unitForgetBias(on);
        return this;
    }

    @Override
    public String type() {
        return "LSTM";
    }

    @Override
    String defaultName() {
        return "lstm";
    }

    /** Rebuilds the layer from {@link #config()}. */
    public static Lstm fromConfig(Map<String, Object> config) {
        Lstm l = new Lstm(LstmCell.fromConfig(SimpleRnn.withoutName(config)));
        l.applyLayerConfig(config);
        return l;
    }
}
