package io.rnn4j.layer;

import io.rnn4j.Tensor;

import java.util.List;

/**
 * What {@link Rnn#call} returns, like Keras's {@code return_state=True}:
 * {@code output, *states = layer(x)}. {@code output} is {@code (batch, time, units)} with
 * {@code return_sequences} and {@code (batch, units)} otherwise; {@code states} are the final
 * states in the cell's order (LSTM: {@code [h, c]}). Both are new tensors owned by the caller.
 */
public record RnnResult(Tensor output, List<Tensor> states) {
}
