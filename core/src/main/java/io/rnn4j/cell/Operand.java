package io.rnn4j.cell;

/**
 * Something an {@link Ops} primitive can take: a value recorded on the tape ({@link Var}) or a
 * cell weight ({@link Weight}). Every operand is a matrix {@code (rows, cols)}; a 1-D weight
 * {@code (n)} is the row vector {@code (1, n)}.
 */
public sealed interface Operand permits Var, Weight {
}
