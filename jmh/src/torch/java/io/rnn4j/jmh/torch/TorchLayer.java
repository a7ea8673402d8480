package io.rnn4j.jmh.torch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.rnn4j.jmh.RnnBenchmarkState;

/**
 * The PyTorch peer inside a JMH run: one {@code nn.LSTM} / {@code nn.GRU} layer (DJL 0.36 over
 * libtorch 2.7.1, whose CPU LSTM runs on oneDNN), whole sequence, batch first. Inference is a
 * forward pass without gradients; a training step is forward + {@code sum().backward()}, no
 * optimizer, as the peer figures are measured. Threads: {@code ai.djl.pytorch.num_threads}
 * is set from the benchmark's {@code threads} before the engine loads (each JMH trial forks a JVM).
 */
public final class TorchLayer implements RnnBenchmarkState.PeerLayer {
    private Engine engine;
    private NDManager manager;
    private RecurrentBlock block;
    private ParameterStore store;
    private NDArray x;
    private boolean training;

    @Override
    public void init(String cell, int batch, int time, int input, int units, boolean training, int threads) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        this.training = training;
        engine = Engine.getEngine("PyTorch");
        manager = engine.newBaseManager(Device.cpu());
        block = switch (cell) {
            case "LSTM" -> LSTM.builder().setStateSize(units).setNumLayers(1).optBatchFirst(true).build();
            case "GRU" -> GRU.builder().setStateSize(units).setNumLayers(1).optBatchFirst(true).build();
            default -> throw new IllegalArgumentException("the torch peer runs LSTM or GRU, got " + cell);
        };
        Shape shape = new Shape(batch, time, input);
        block.initialize(manager, DataType.FLOAT32, shape);
        store = new ParameterStore(manager, false);
        x = manager.randomNormal(shape);
    }

    @Override
    public Object run() {
        try (NDManager step = manager.newSubManager()) {
            x.tempAttach(step);
            if (!training) {
                NDList out = block.forward(store, new NDList(x), false);
                return out.head().getShape();
            }
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDList out = block.forward(store, new NDList(x), true);
                gc.backward(out.head().sum());
                return out.head().getShape();
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
