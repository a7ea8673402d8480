package io.rnn4j.jmh;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The parameters and the fixture {@link CellBenchmark} and {@link LayerBenchmark} share: backend,
 * cell, mode and threads here; each benchmark declares its own {@code shape} parameter
 * ({@code batch x time x input x units}), since their default shapes differ.
 */
@State(Scope.Benchmark)
public abstract class RnnBenchmarkState {

    @Param({"simd", "java"})
    public String backend;

    @Param({"LSTM", "GRU"})
    public String cell;

    @Param({"inference", "training"})
    public String mode;

    @Param({"1"})
    public int threads;

    RnnFixture fx;
    boolean training;
    private PeerLayer peer;

    /**
     * A peer library's layer for {@code backend=torch} (PyTorch through DJL, in a jar built with
     * {@code -Ptorch}), loaded by reflection so the default build does not need it.
     */
    public interface PeerLayer {
        void init(String cell, int batch, int time, int input, int units, boolean training, int threads);

        Object run();

        void close();
    }

    /** The PyTorch peer ({@code io.rnn4j.jmh.torch.TorchLayer}), present in a jar built with {@code -Ptorch}. */
    static PeerLayer torchPeer() {
        try {
            return (PeerLayer) Class.forName("io.rnn4j.jmh.torch.TorchLayer").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the PyTorch 2.7.1 peer (backend=torch, -Drnn4j.bench.peer=torch) needs a benchmarks jar built with -Ptorch", e);
        }
    }

    /** The benchmark's {@code shape} parameter. */
    abstract String shape();

    @Setup(Level.Trial)
    public void setUp() {
        training = RnnFixture.training(mode);
        if (backend.equals("torch")) {
            int[] d = BenchBackends.dims(shape(), 4);
            peer = torchPeer();
            peer.init(cell, d[0], d[1], d[2], d[3], training, threads);
            return;
        }
        fx = RnnFixture.of(backend, threads, cell, shape());
    }

    /** One call of the measured operation: the layer (or one step) on the backend, or on the peer. */
    Object runOnce() {
        return peer != null ? peer.run() : fx.run(training);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (peer != null) {
            peer.close();
            return;
        }
        fx.close();
    }
}
