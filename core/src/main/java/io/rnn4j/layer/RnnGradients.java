package io.rnn4j.layer;

import io.rnn4j.Tensor;

import java.util.List;

/**
 * What {@link Rnn#backward(Tensor, List)} returns: the gradient of the input
 * {@code (batch, time, features)} and of each initial state. Weight gradients were accumulated
 * into the layer's {@link Parameter#grad()}s.
 */
public record RnnGradients(Tensor dx, List<Tensor> dInitialStates) {
}
