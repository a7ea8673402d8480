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

    /** The benchmark's {@code shape} parameter. */
    abstract String shape();

    @Setup(Level.Trial)
    public void setUp() {
        training = RnnFixture.training(mode);
        fx = RnnFixture.of(backend, threads, cell, shape());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fx.close();
    }
}
