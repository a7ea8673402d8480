package io.rnn4j.backend;

/**
 * What a fused recurrent kernel computes: one of the built-in cells with Keras 3's exact
 * formulas and weight layouts. {@code H = units}, {@code G = cell.gates()}, gate blocks are
 * column blocks of width H in the order Keras uses.
 *
 * <ul>
 *   <li>kernel {@code W (inputSize, G*H)}, recurrent kernel {@code U (H, G*H)}.</li>
 *   <li>bias: {@code (G*H)} for SimpleRNN and LSTM and for GRU with {@code resetAfter == false};
 *       {@code (2, 3*H)} for GRU with {@code resetAfter == true} (row 0 the input bias, row 1 the
 *       recurrent bias); absent when {@code useBias == false}.</li>
 * </ul>
 * With {@code a = activation}, {@code s = recurrentActivation}, {@code x} the (dropped-out)
 * input, {@code h} the previous state and block {@code k} of a product written {@code [.]_k}:
 * <ul>
 *   <li>SimpleRNN: {@code h' = a(x W + b + h U)}.</li>
 *   <li>LSTM (i, f, c, o): {@code z = x W + h U + b; i = s(z_i); f = s(z_f); c' = f c + i a(z_c);
 *       o = s(z_o); h' = o a(c')}.</li>
 *   <li>GRU (z, r, h), {@code resetAfter}: {@code xp = x W + b_in; hp = h U + b_rec;
 *       z = s(xp_z + hp_z); r = s(xp_r + hp_r); hh = a(xp_h + r * hp_h); h' = z h + (1 - z) hh}.</li>
 *   <li>GRU, not {@code resetAfter}: {@code xp = x W + b; z = s(xp_z + h U_z); r = s(xp_r + h U_r);
 *       hh = a(xp_h + (r h) U_h); h' = z h + (1 - z) hh}.</li>
 * </ul>
 * With dropout, gate block {@code k} sees {@code x * dropMask_k} and {@code h * recurrentDropMask_k}
 * in its products (Keras's per-gate masks); the state update itself uses the undropped {@code h}.
 *
 * @param cell                which built-in cell
 * @param inputSize           features per step ({@code I})
 * @param units               state width ({@code H})
 * @param activation          Keras {@code activation} (default tanh)
 * @param recurrentActivation Keras {@code recurrent_activation} (default sigmoid; unused by SimpleRNN)
 * @param useBias             Keras {@code use_bias}
 * @param resetAfter          Keras GRU {@code reset_after}; must be false for other cells
 */
public record RnnSpec(CellType cell, int inputSize, int units, Activation activation,
                      Activation recurrentActivation, boolean useBias, boolean resetAfter) {

    public RnnSpec {
        if (cell == null || activation == null || recurrentActivation == null) {
            throw new IllegalArgumentException("RnnSpec: cell and activations must not be null");
        }
        if (inputSize <= 0 || units <= 0) {
            throw new IllegalArgumentException("RnnSpec: inputSize and units must be positive, got inputSize="
                    + inputSize + ", units=" + units);
        }
        if (resetAfter && cell != CellType.GRU) {
            throw new IllegalArgumentException("RnnSpec: resetAfter applies only to GRU, not " + cell);
        }
    }

    /** Gate blocks {@code G}. */
    public int gates() {
        return cell.gates();
    }

    /** {@code G * H}, the width of the kernel and of the gate pre-activations. */
    public int gateWidth() {
        return cell.gates() * units;
    }

    /** Number of states (2 for LSTM). */
    public int states() {
        return cell.states();
    }

    /** Shape of {@code kernel}: {@code (I, G*H)}. */
    public int[] kernelShape() {
        return new int[] {inputSize, gateWidth()};
    }

    /** Shape of {@code recurrent_kernel}: {@code (H, G*H)}. */
    public int[] recurrentKernelShape() {
        return new int[] {units, gateWidth()};
    }

    /** Shape of {@code bias} (see the class comment), or null without bias. */
    public int[] biasShape() {
        if (!useBias) {
            return null;
        }
        return resetAfter ? new int[] {2, gateWidth()} : new int[] {gateWidth()};
    }
}
