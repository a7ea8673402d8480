package io.rnn4j.jmh;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

/** One built-in recurrent layer's tensors on a backend, for the cell and layer benchmarks. */
final class RnnFixture implements AutoCloseable {
    final Backend be;
    final RnnSpec spec;
    final RnnWorkspace ws;
    final RnnForwardArgs fwdInference;
    final RnnForwardArgs fwdTraining;
    final RnnBackwardArgs bwd;

    /** {@code cell} is LSTM, GRU (reset_after, Keras's default) or SIMPLE_RNN; Keras's default activations. */
    RnnFixture(Backend be, String cell, int batch, int time, int input, int units) {
        this.be = be;
        CellType type = CellType.valueOf(cell);
        spec = new RnnSpec(type, input, units, Activation.TANH, Activation.SIGMOID, true, type == CellType.GRU);
        int gw = spec.gateWidth();
        Tensor x = be.fromArray(BenchBackends.random(1, batch * time * input, 1f), batch, time, input);
        Tensor w = be.fromArray(BenchBackends.random(2, input * gw, (float) (1 / Math.sqrt(input))), input, gw);
        Tensor u = be.fromArray(BenchBackends.random(3, units * gw, (float) (1 / Math.sqrt(units))), units, gw);
        int[] bs = spec.biasShape();
        Tensor bias = be.fromArray(BenchBackends.random(4, io.rnn4j.Tensor.sizeOf(bs), 0.1f), bs);
        Tensor out = be.zeros(batch, time, units);
        Tensor finalH = be.zeros(batch, units);
        Tensor finalC = type == CellType.LSTM ? be.zeros(batch, units) : null;
        ws = be.rnnWorkspace(spec, batch, time);
        fwdInference = new RnnForwardArgs(x, w, u, bias, null, null, null, null, null, false, false, false, out, finalH, finalC);
        fwdTraining = new RnnForwardArgs(x, w, u, bias, null, null, null, null, null, false, false, true, out, finalH, finalC);
        Tensor dOut = be.fromArray(BenchBackends.random(5, batch * time * units, 1f), batch, time, units);
        bwd = new RnnBackwardArgs(dOut, null, null, be.zeros(batch, time, input), null, null,
                be.zeros(input, gw), be.zeros(units, gw), be.zeros(bs));
    }

    /**
     * The fixture a benchmark's parameters name: backend {@code java} or {@code simd} with
     * {@code threads} threads, {@code cell}, and {@code shape} as {@code batch x time x input x units}.
     */
    static RnnFixture of(String backend, int threads, String cell, String shape) {
        int[] d = BenchBackends.dims(shape, 4);
        return new RnnFixture(BenchBackends.create(backend, threads), cell, d[0], d[1], d[2], d[3]);
    }

    /** Parses a benchmark's {@code mode} parameter: {@code inference} or {@code training}. */
    static boolean training(String mode) {
        return switch (mode) {
            case "inference" -> false;
            case "training" -> true;
            default -> throw new IllegalArgumentException("mode is inference or training, got " + mode);
        };
    }

    /** Inference: forward only. Training: forward keeping activations, then BPTT (no optimizer). */
    Object run(boolean training) {
        if (training) {
            be.rnnForward(spec, ws, fwdTraining);
            be.rnnBackward(spec, ws, fwdTraining, bwd);
            return bwd.dKernel();
        }
        be.rnnForward(spec, ws, fwdInference);
        return fwdInference.output();
    }

    @Override
    public void close() {
        ws.close();
        be.close();
    }
}
