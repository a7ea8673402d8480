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
        Operand inputBias = null, recurrentBias = null;
        if (useBias) {
            inputBias = resetAfter ? ops.rows(bias, 0, 1) : bias;
            recurrentBias = resetAfter ? ops.rows(bias, 1, 1) : null;
        }
        // input side: xp_k = (x * dropMask_k) W_k + b_in_k
        Var[] xp;
        if (dm == null) {
            Var all = ops.matmul(x, kernel);
            xp = ops.split(useBias ? ops.add(all, inputBias) : all, 3);
        } else {
            xp = new Var[3];
            for (int k = 0; k < 3; k++) {
                xp[k] = ops.matmul(masked(ops, x, dm, k, in), ops.columns(kernel, k * u, u));
                if (useBias) {
                    xp[k] = ops.add(xp[k], ops.columns(inputBias, k * u, u));
                }
            }
        }
        // recurrent side: h_k = h * recDropMask_k; hp_k = h_k U_k (+ b_rec_k with reset_after)
        Var[] hk = new Var[3];
        for (int k = 0; k < 3; k++) {
            hk[k] = masked(ops, h, rdm, k, u);
        }
        int projected = resetAfter ? 3 : 2; // reset_after=False multiplies r * h before the candidate's product
        Var[] hp = new Var[3];
        if (rdm == null) {
            Var all = ops.matmul(h, projected == 3 ? recurrentKernel : ops.columns(recurrentKernel, 0, 2 * u));
            if (resetAfter && useBias) {
                all = ops.add(all, recurrentBias);
            }
            System.arraycopy(ops.split(all, projected), 0, hp, 0, projected);
        } else {
            for (int k = 0; k < projected; k++) {
                hp[k] = ops.matmul(hk[k], ops.columns(recurrentKernel, k * u, u));
                if (resetAfter && useBias) {
                    hp[k] = ops.add(hp[k], ops.columns(recurrentBias, k * u, u));
                }
            }
        }
        Var z = ops.activation(recurrentActivation, ops.add(xp[0], hp[0]));
        Var r = ops.activation(recurrentActivation, ops.add(xp[1], hp[1]));
        Var recurrentH = resetAfter
                ? ops.multiply(r, hp[2])
                : ops.matmul(ops.multiply(r, hk[2]), ops.columns(recurrentKernel, 2 * u, u));
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
