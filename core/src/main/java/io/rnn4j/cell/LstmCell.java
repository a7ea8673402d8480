package io.rnn4j.cell;

import io.rnn4j.backend.CellType;

import java.util.Arrays;
import java.util.Map;

/**
 * Keras {@code LSTMCell}, gate order i, f, c, o: {@code z = x W + h U + b};
 * {@code i = s(z_i); f = s(z_f); c' = f c + i a(z_c); o = s(z_o); h' = o a(c')} with
 * {@code a = activation} (tanh) and {@code s = recurrent_activation} (sigmoid). States
 * {@code [h, c]} ({@code state_size = [units, units]}), output {@code h'}. Weights
 * {@code kernel (I, 4H)}, {@code recurrent_kernel (H, 4H)}, {@code bias (4H)}.
 *
 * <p>{@code unit_forget_bias} (default true) initializes the forget block of the bias to ones
 * and the other blocks with {@code bias_initializer}, as Keras 3 does (the forget bias is set
 * to 1, not incremented by 1).
 *
 * <pre>{@code Lstm layer = new Lstm(new LstmCell(32).recurrentDropout(0.2)); // keras.layers.LSTM(32, recurrent_dropout=0.2)}</pre>
 */
public final class LstmCell extends KerasCell {
    private boolean unitForgetBias = true;

    /** A cell of {@code units} with Keras's defaults. */
    public LstmCell(int units) {
        super(units);
    }

    /** Keras {@code unit_forget_bias} (default true). */
    public LstmCell unitForgetBias(boolean on) {
        requireNotBuilt("unit_forget_bias");
        this.unitForgetBias = on;
        return this;
    }

    /** Keras {@code unit_forget_bias}. */
    public boolean unitForgetBias() {
        return unitForgetBias;
    }

    @Override
    public CellType cellType() {
        return CellType.LSTM;
    }

    @Override
    public String type() {
        return "LSTMCell";
    }

    @Override
    public int[] stateSizes() {
        return new int[] {units, units};
    }

    @Override
    protected float[] initialValues(Weight w, long seed) {
        if (w == bias && unitForgetBias) {
            // Keras: concatenate([bias_init((H,)), ones((H,)), bias_init((2H,))]).
            float[] v = new float[4 * units];
            System.arraycopy(biasInitializer.initialize(new int[] {units}, seed), 0, v, 0, units);
            Arrays.fill(v, units, 2 * units, 1f);
            System.arraycopy(biasInitializer.initialize(new int[] {2 * units}, seed + 1), 0, v, 2 * units, 2 * units);
            return v;
        }
        return super.initialValues(w, seed);
    }

    @Override
    public Step call(Ops ops, Var x, Var[] states) {
        Var h = states[0], c = states[1];
        Var dm = ops.dropoutMask(), rdm = ops.recurrentDropoutMask();
        int in = x.cols();
        Var[] z;
        if (dm == null && rdm == null) {
            // no dropout: one product per weight, then the gate blocks
            Var all = ops.add(ops.matmul(x, kernel), ops.matmul(h, recurrentKernel));
            z = ops.split(useBias ? ops.add(all, bias) : all, 4);
        } else {
            z = gatesWithMasks(ops, x, h, dm, rdm, in);
        }
        Var i = ops.activation(recurrentActivation, z[0]);
        Var f = ops.activation(recurrentActivation, z[1]);
        Var cNext = ops.add(ops.multiply(f, c), ops.multiply(i, ops.activation(activation, z[2])));
        Var o = ops.activation(recurrentActivation, z[3]);
        Var hNext = ops.multiply(o, ops.activation(activation, cNext));
        return Step.of(hNext, hNext, cNext);
    }

    /** Keras implementation 1: each gate block sees its own masked copy of x and h. */
    private Var[] gatesWithMasks(Ops ops, Var x, Var h, Var dm, Var rdm, int in) {
        Var[] z = new Var[4];
        for (int k = 0; k < 4; k++) {
            Var zk = ops.add(ops.matmul(masked(ops, x, dm, k, in), ops.columns(kernel, k * units, units)),
                    ops.matmul(masked(ops, h, rdm, k, units), ops.columns(recurrentKernel, k * units, units)));
            z[k] = useBias ? ops.add(zk, ops.columns(bias, k * units, units)) : zk;
        }
        return z;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("unit_forget_bias", unitForgetBias);
        return c;
    }

    /** Rebuilds a cell from {@link #config()}. */
    public static LstmCell fromConfig(Map<String, Object> config) {
        LstmCell c = new LstmCell(units(config, "LSTMCell"));
        c.applyConfig(config);
        if (config.get("unit_forget_bias") instanceof Boolean b) {
            c.unitForgetBias(b);
        }
        return c;
    }
}
