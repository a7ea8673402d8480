package io.rnn4j.cell;

/**
 * What one step of a cell returns, like Keras's {@code return output, new_states}: the output
 * {@code (batch, outputSize)} and the next states, one per entry of {@link Cell#stateSizes()}.
 */
public record Step(Var output, Var[] states) {

    /** {@code Step.of(h, h)} for a cell whose output is its state; {@code Step.of(h, h, c)} for an LSTM. */
    public static Step of(Var output, Var... states) {
        return new Step(output, states);
    }
}
