package io.rnn4j.model;

import io.rnn4j.Tensor;
import io.rnn4j.layer.Layer;
import io.rnn4j.layer.Parameter;

import java.util.List;

/** Truncated backpropagation through time for {@link Sequential#fit}. */
final class Tbptt {
    private Tbptt() {
    }

    static void check(Sequential model, int[] xShape, int[] outShape) {
        throw new UnsupportedOperationException(model.name() + ": tbptt needs recurrent layers (not yet integrated)");
    }

    static void trainBatch(Sequential model, io.rnn4j.backend.Backend backend, float[] xb, int[] xShape, float[] yb, int k,
                           Sequential.Accumulator acc, List<Parameter> params, Tensor[] lastGood, String where, History history) {
        throw new UnsupportedOperationException("tbptt");
    }

    static void resetStates(List<Layer> layers) {
    }
}
