package io.rnn4j.cell;

import io.rnn4j.backend.CellType;

import java.util.Map;

/**
 * Keras {@code SimpleRNNCell}: {@code h' = activation((x * dropMask) W + b + (h * recDropMask) U)};
 * output and state are {@code h'}. Weights {@code kernel (I, H)}, {@code recurrent_kernel (H, H)},
 * {@code bias (H)}.
 *
 * <pre>{@code Rnn layer = new Rnn(new SimpleRnnCell(16).dropout(0.1)); // keras.layers.RNN(SimpleRNNCell(16, dropout=0.1))}</pre>
 */
public final class SimpleRnnCell extends KerasCell {

    /** A cell of {@code units} with Keras's defaults. */
    public SimpleRnnCell(int units) {
        super(units);
    }

    @Override
    public CellType cellType() {
        return CellType.SIMPLE_RNN;
    }

    @Override
    public String type() {
        return "SimpleRNNCell";
    }

    @Override
    public int[] stateSizes() {
        return new int[] {units};
    }

    @Override
    public Step call(Ops ops, Var x, Var[] states) {
        Var h = states[0];
        Var xp = ops.matmul(masked(ops, x, ops.dropoutMask(), 0, x.cols()), kernel);
        if (useBias) {
            xp = ops.biasAdd(xp, bias);
        }
        Var hp = ops.matmul(masked(ops, h, ops.recurrentDropoutMask(), 0, units), recurrentKernel);
        Var out = ops.activation(activation, ops.add(xp, hp));
        return Step.of(out, out);
    }

    /** Rebuilds a cell from {@link #config()}. */
    public static SimpleRnnCell fromConfig(Map<String, Object> config) {
        SimpleRnnCell c = new SimpleRnnCell(units(config, "SimpleRNNCell"));
        c.applyConfig(config);
        return c;
    }
}
