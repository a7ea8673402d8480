package io.rnn4j.cell;

import io.rnn4j.Tensor;

/**
 * A value recorded by {@link Ops} during one step of a cell: a matrix {@code (rows, cols)},
 * rows being the batch for inputs and states. Handles are reused from step to step (so steps do
 * not allocate once warm): a {@code Var} is valid only inside the {@link Cell#call} that made it.
 */
public final class Var implements Operand {
    final Ops owner;
    final int index;
    int rows;
    int cols;

    Var(Ops owner, int index) {
        this.owner = owner;
        this.index = index;
    }

    /** Number of rows (the batch for inputs and states). */
    public int rows() {
        return rows;
    }

    /** Number of columns (features). */
    public int cols() {
        return cols;
    }

    /** The computed value (a buffer owned by the recorder: copy it to keep it). */
    public Tensor value() {
        return owner.value(this);
    }

    @Override
    public String toString() {
        return "(" + rows + ", " + cols + ")";
    }
}
