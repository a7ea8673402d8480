package io.rnn4j.layer;

import io.rnn4j.backend.Activation;
import io.rnn4j.cell.KerasCell;
import io.rnn4j.init.Initializer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shared part of the Keras-named layers {@link SimpleRnn}, {@link Lstm} and {@link Gru}: an
 * {@link Rnn} over a built-in cell whose cell options are set on the layer, as in Keras
 * ({@code LSTM(32, dropout=0.2, return_sequences=True)} is
 * {@code new Lstm(32).dropout(0.2).returnSequences(true)}). The config is Keras's flat one:
 * the cell options and the layer options in one map.
 *
 * @param <T> the concrete layer, so that setters chain
 */
public abstract class KerasRnn<T extends KerasRnn<T>> extends Rnn {
    private final KerasCell kerasCell;

    KerasRnn(KerasCell cell) {
        super(cell);
        this.kerasCell = cell;
    }

    /** Checks that a Keras-named layer gets its own kind of cell (an LSTM layer an LstmCell, ...). */
    static KerasCell require(KerasCell cell, Class<? extends KerasCell> kind, String layer) {
        if (!kind.isInstance(cell)) {
            throw new IllegalArgumentException(layer + ": needs a " + kind.getSimpleName() + ", got "
                    + (cell == null ? "null" : cell.getClass().getSimpleName()) + "; use new Rnn(cell) for other cells");
        }
        return cell;
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    /** The built-in cell. */
    @Override
    public KerasCell cell() {
        return kerasCell;
    }

    /** Keras {@code units}. */
    public int units() {
        return kerasCell.units();
    }

    /** Keras {@code activation} (default tanh). */
    public T activation(Activation a) {
        kerasCell.activation(a);
        return self();
    }

    /** Keras {@code recurrent_activation} (default sigmoid). */
    public T recurrentActivation(Activation a) {
        kerasCell.recurrentActivation(a);
        return self();
    }

    /** Keras {@code use_bias} (default true). */
    public T useBias(boolean on) {
        kerasCell.useBias(on);
        return self();
    }

    /** Keras {@code kernel_initializer}. */
    public T kernelInitializer(Initializer i) {
        kerasCell.kernelInitializer(i);
        return self();
    }

    /** Keras {@code recurrent_initializer}. */
    public T recurrentInitializer(Initializer i) {
        kerasCell.recurrentInitializer(i);
        return self();
    }

    /** Keras {@code bias_initializer}. */
    public T biasInitializer(Initializer i) {
        kerasCell.biasInitializer(i);
        return self();
    }

    /** Keras {@code dropout} (training only, masks fixed across time). */
    public T dropout(double rate) {
        kerasCell.dropout(rate);
        return self();
    }

    /** Keras {@code recurrent_dropout}. */
    public T recurrentDropout(double rate) {
        kerasCell.recurrentDropout(rate);
        return self();
    }

    /** Keras {@code seed}: initializers and dropout masks. */
    public T seed(long seed) {
        kerasCell.seed(seed);
        return self();
    }

    @Override
    public T returnSequences(boolean on) {
        super.returnSequences(on);
        return self();
    }

    @Override
    public T returnState(boolean on) {
        super.returnState(on);
        return self();
    }

    @Override
    public T goBackwards(boolean on) {
        super.goBackwards(on);
        return self();
    }

    @Override
    public T stateful(boolean on) {
        super.stateful(on);
        return self();
    }

    @Override
    public T zeroOutputForMask(boolean on) {
        super.zeroOutputForMask(on);
        return self();
    }

    @Override
    public T checkNumerics(boolean on) {
        super.checkNumerics(on);
        return self();
    }

    @Override
    public T useFusedKernels(boolean on) {
        super.useFusedKernels(on);
        return self();
    }

    @Override
    public T name(String name) {
        super.name(name);
        return self();
    }

    /** Keras's flat config: the cell's options, then the layer's. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>(kerasCell.config());
        c.remove("name");
        c.putAll(layerOptions());
        return c;
    }
}
