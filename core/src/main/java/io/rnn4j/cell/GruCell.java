package io.rnn4j.cell;

import io.rnn4j.backend.CellType;

import java.util.Map;

/**
 * Keras {@code GRUCell}, gate order z, r, h, with both conventions:
 * <ul>
 *   <li>{@code reset_after=true} (default, cuDNN-compatible): {@code bias (2, 3H)}, row 0 the input
 *       bias, row 1 the recurrent bias; {@code xp = x W + b_in; hp = h U + b_rec;
 *       z = s(xp_z + hp_z); r = s(xp_r + hp_r); hh = a(xp_h + r * hp_h)}.</li>
 *   <li>{@code reset_after=false}: {@code bias (3H)} on the input side only;
 *       {@code z = s(xp_z + h U_z); r = s(xp_r + h U_r); hh = a(xp_h + (r * h) U_h)}.</li>
 * </ul>
 * then {@code h' = z h + (1 - z) hh} (with the undropped {@code h}). One state, output {@code h'}.
 *
 * <pre>{@code Gru layer = new Gru(new GruCell(32).resetAfter(false)); // keras.layers.GRU(32, reset_after=False)}</pre>
 */
public final class GruCell extends KerasCell {
    private boolean resetAfter = true;

    /** A cell of {@code units} with Keras's defaults. */
    public GruCell(int units) {
        super(units);
    }

    /** Keras {@code reset_after} (default true). */
    public GruCell resetAfter(boolean on) {
        requireNotBuilt("reset_after");
        this.resetAfter = on;
        return this;
    }

    @Override
    public boolean resetAfter() {
        return resetAfter;
    }

    @Override
    public CellType cellType() {
        return CellType.GRU;
    }

    @Override
    public String type() {
        return "GRUCell";
    }

    @Override
    public int[] stateSizes() {
        return new int[] {units};
    }

    @Override
    public Step call(Ops ops, Var x, Var[] states) {
        Var h = states[0];
        Var dm = ops.dropoutMask(), rdm = ops.recurrentDropoutMask();
        int in = x.cols(), u = units;
        Var inputBias = null, recurrentBias = null;
        if (useBias) {
            if (resetAfter) {
                inputBias = ops.rows(bias, 0, 1);
                recurrentBias = ops.rows(bias, 1, 1);
            } else {
                inputBias = ops.linear(bias);
            }
        }
        Var[] xp = new Var[3];
        for (int k = 0; k < 3; k++) {
            xp[k] = ops.matmul(masked(ops, x, dm, k, in), ops.columns(kernel, k * u, u));
            if (useBias) {
                xp[k] = ops.add(xp[k], ops.columns(inputBias, k * u, u));
            }
        }
        Var[] hk = new Var[3];
        for (int k = 0; k < 3; k++) {
            hk[k] = masked(ops, h, rdm, k, u);
        }
        Var hpz = ops.matmul(hk[0], ops.columns(recurrentKernel, 0, u));
        Var hpr = ops.matmul(hk[1], ops.columns(recurrentKernel, u, u));
        if (resetAfter && useBias) {
            hpz = ops.add(hpz, ops.columns(recurrentBias, 0, u));
            hpr = ops.add(hpr, ops.columns(recurrentBias, u, u));
        }
        Var z = ops.activation(recurrentActivation, ops.add(xp[0], hpz));
        Var r = ops.activation(recurrentActivation, ops.add(xp[1], hpr));
        Var recurrentH;
        if (resetAfter) {
            Var hph = ops.matmul(hk[2], ops.columns(recurrentKernel, 2 * u, u));
            if (useBias) {
                hph = ops.add(hph, ops.columns(recurrentBias, 2 * u, u));
            }
            recurrentH = ops.multiply(r, hph);
        } else {
            recurrentH = ops.matmul(ops.multiply(r, hk[2]), ops.columns(recurrentKernel, 2 * u, u));
        }
        Var hh = ops.activation(activation, ops.add(xp[2], recurrentH));
        Var hNext = ops.add(ops.multiply(z, h), ops.multiply(ops.oneMinus(z), hh));
        return Step.of(hNext, hNext);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("reset_after", resetAfter);
        return c;
    }

    /** Rebuilds a cell from {@link #config()}. */
    public static GruCell fromConfig(Map<String, Object> config) {
        GruCell c = new GruCell(units(config, "GRUCell"));
        c.applyConfig(config);
        if (config.get("reset_after") instanceof Boolean b) {
            c.resetAfter(b);
        }
        return c;
    }
}
