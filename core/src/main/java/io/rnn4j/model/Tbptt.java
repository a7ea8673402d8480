package io.rnn4j.model;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.layer.Layer;
import io.rnn4j.layer.Parameter;
import io.rnn4j.layer.Rnn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Truncated backpropagation through time for {@link Sequential#fit} (Deeplearning4j's tBPTT):
 * each batch of sequences {@code (batch, T, features)} is cut into windows of {@code k} steps;
 * forward, backward and one optimizer step run per window, and the recurrent layers carry their
 * final states into the next window (as constants: gradients stop at the window boundary).
 * Every batch starts from zero states. The loss needs a target per step, so the model must end
 * in a per-step output {@code (batch, T, units)} ({@code returnSequences} on the last recurrent
 * layer).
 */
final class Tbptt {
    private Tbptt() {
    }

    static void check(Sequential model, int[] xShape, int[] outShape) {
        if (xShape.length != 3) {
            throw new IllegalArgumentException(model.name() + ": tbptt needs sequences x (batch, time, features), got "
                    + Arrays.toString(xShape));
        }
        if (outShape.length != 2 || outShape[0] != xShape[1]) {
            throw new IllegalArgumentException(model.name() + ": tbptt needs a per-step output (batch, " + xShape[1]
                    + ", units), the model outputs (batch, " + Input.of(outShape).describe()
                    + "); set returnSequences(true) on the last recurrent layer");
        }
        for (Layer l : model.layers()) {
            if (l instanceof io.rnn4j.layer.Bidirectional || (l instanceof Rnn r && r.goBackwards())) {
                throw new IllegalArgumentException(model.name() + ": tbptt cannot train " + l.name() + " (" + l.type()
                        + "): a layer that reads the sequence backwards needs all of it, not windows");
            }
        }
        if (recurrent(model.layers()).isEmpty()) {
            throw new IllegalArgumentException(model.name() + ": tbptt needs at least one recurrent (Rnn) layer");
        }
    }

    private static List<Rnn> recurrent(List<Layer> layers) {
        List<Rnn> rnns = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof Rnn r) {
                rnns.add(r);
            }
        }
        return rnns;
    }

    /** Copies time steps [t0, t0 + len) of a (batch, time, width) host array. */
    static float[] slice(float[] a, int batch, int time, int width, int t0, int len) {
        float[] out = new float[batch * len * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(a, (b * time + t0) * width, out, b * len * width, len * width);
        }
        return out;
    }

    static void trainBatch(Sequential model, Backend backend, float[] xb, int[] xShape, float[] yb, int k,
                           Sequential.Accumulator acc, List<Parameter> params, Tensor[] lastGood,
                           String where, History history) {
        int batch = xShape[0], time = xShape[1], features = xShape[2];
        int yWidth = yb.length / (batch * time);
        List<Rnn> rnns = recurrent(model.layers());
        boolean[] wasStateful = new boolean[rnns.size()];
        try {
            for (int i = 0; i < rnns.size(); i++) {
                wasStateful[i] = rnns.get(i).stateful();
                rnns.get(i).stateful(true);
                rnns.get(i).resetStates();
            }
            for (int t0 = 0; t0 < time; t0 += k) {
                int len = Math.min(k, time - t0);
                try (Tensor xw = backend.fromArray(slice(xb, batch, time, features, t0, len), batch, len, features)) {
                    model.trainStep(xw, slice(yb, batch, time, yWidth, t0, len), acc, params, lastGood,
                            where + ", steps " + t0 + ".." + (t0 + len - 1), history);
                }
            }
        } finally {
            for (int i = 0; i < rnns.size(); i++) {
                rnns.get(i).resetStates();
                rnns.get(i).stateful(wasStateful[i]);
            }
        }
    }
}
