package io.rnn4j.cell;

import io.rnn4j.init.Initializer;

import java.util.Arrays;

/**
 * A weight declared by a cell in {@link Cell#build(int)} with {@link Cell#addWeight}: its Keras
 * name, shape and initializer. The values live in a {@link io.rnn4j.layer.Parameter} bound when
 * the cell is built on a backend; inside {@link Cell#call} the handle is used directly as an
 * operand, e.g. {@code ops.matmul(x, kernel)}.
 */
public final class Weight implements Operand {
    private final String name;
    private final int[] shape;
    private final Initializer initializer;
    private final Cell cell;

    Weight(Cell cell, String name, int[] shape, Initializer initializer) {
        this.cell = cell;
        this.name = name;
        this.shape = shape.clone();
        this.initializer = initializer;
    }

    /** The Keras weight name, e.g. {@code kernel}. */
    public String name() {
        return name;
    }

    /** The declared shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** The initializer. */
    public Initializer initializer() {
        return initializer;
    }

    /** The cell that declared it. */
    public Cell cell() {
        return cell;
    }

    int rows() {
        return shape.length == 1 ? 1 : shape[0];
    }

    int cols() {
        return shape.length == 1 ? shape[0] : shape[1];
    }

    @Override
    public String toString() {
        return "weight '" + name + "' " + Arrays.toString(shape);
    }
}
