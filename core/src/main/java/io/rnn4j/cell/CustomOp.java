package io.rnn4j.cell;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

/**
 * A cell's own operation with a hand-written backward: how a cell "supplies its own backward".
 * Record it with {@link Ops#custom}; the recorder calls {@link #backward} during
 * backpropagation through time instead of differentiating the primitives inside.
 * Both methods must run only through {@link Backend} operations (so they run on every backend,
 * including the float64 backend of {@link GradientChecker}).
 *
 * <p>To give a whole step its own backward, compute {@code [output | next states]} in one custom
 * op from {@code [x | states | weights...]} inputs and take the pieces with {@link Ops#columns}.
 */
public interface CustomOp {

    /** A short name for error messages. */
    String name();

    /** The number of columns of the output for inputs with these column counts (rows = the inputs' rows). */
    int outputCols(int[] inputCols);

    /** Computes {@code output} (overwrite) from {@code inputs}. */
    void forward(Backend backend, Tensor[] inputs, Tensor output);

    /**
     * Accumulates ({@code +=}) the gradients of the inputs into {@code dInputs} given the
     * gradient {@code dOutput} of the output; {@code output} holds the forward result.
     */
    void backward(Backend backend, Tensor[] inputs, Tensor output, Tensor dOutput, Tensor[] dInputs);
}
