package io.rnn4j.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What does one step of a built-in cell cost on its own: the fused kernel run over a sequence of
 * length 1 (so per-call work such as packing the recurrent weights and the input projection is
 * included)? {@code shape} is {@code batch x time x input x units} like {@link LayerBenchmark},
 * normally with time 1; inference is the forward step, training adds its backward step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CellBenchmark extends RnnBenchmarkState {

    @Param({"64x1x128x256", "1x1x128x256"})
    public String shape;

    @Override
    String shape() {
        return shape;
    }

    @Benchmark
    public Object cell() {
        return runOnce();
    }
}
