package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.SplittableRandom;

/**
 * Draws Keras's recurrent dropout masks: once per sequence, fixed across time, each entry
 * {@code 0} with probability {@code rate} and {@code 1 / (1 - rate)} otherwise (inverted dropout,
 * like {@code backend.random.dropout(ones, rate)}). The mask has {@code count} blocks of
 * {@code width} columns, one per gate: independent blocks (Keras's {@code dropout_mask_count}) or
 * one block repeated.
 */
public final class DropoutMasks {
    private DropoutMasks() {
    }

    /**
     * The cells that draw their own masks: the cell itself, or every (nested) child of a
     * {@link StackedCells}, in order.
     */
    public static java.util.List<Cell> leafCells(Cell top) {
        java.util.List<Cell> out = new java.util.ArrayList<>();
        collect(top, out);
        return out;
    }

    private static void collect(Cell c, java.util.List<Cell> out) {
        if (c instanceof StackedCells s) {
            for (Cell child : s.cells()) {
                collect(child, out);
            }
        } else {
            out.add(c);
        }
    }

    /** True if Keras applies a dropout of this rate ({@code 0 < rate < 1}). */
    public static boolean active(double rate) {
        return rate > 0 && rate < 1;
    }

    /**
     * Fills host array {@code into} ({@code batch * count * width}) with a mask and copies it to
     * {@code out (batch, count * width)}.
     */
    public static void draw(Backend backend, SplittableRandom rng, double rate, int batch, int width, int count,
                            boolean independent, float[] into, Tensor out) {
        float keep = (float) (1.0 / (1.0 - rate));
        int row = count * width;
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < count; k++) {
                for (int j = 0; j < width; j++) {
                    float v;
                    if (k == 0 || independent) {
                        v = rng.nextDouble() < rate ? 0f : keep;
                    } else {
                        v = into[b * row + j];
                    }
                    into[b * row + k * width + j] = v;
                }
            }
        }
        backend.copyFromHost(into, 0, out, 0, batch * row);
    }
}
