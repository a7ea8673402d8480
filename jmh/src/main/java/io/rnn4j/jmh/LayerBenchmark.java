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
 * How long does one whole-sequence recurrent layer take: inference (forward) or a training step
 * (forward + BPTT, no optimizer), the peers' measure in the issue? {@code shape} is
 * {@code batch x time x input x units}: the peer configurations are A = 64x100x128x256,
 * B = 64x100x512x1024, C = 1x100x128x256 (streaming), D = 256x50x256x512.
 * Run with {@code -prof gc} to see that allocation per operation does not grow with time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LayerBenchmark extends RnnBenchmarkState {

    @Param({"64x100x128x256"})
    public String shape;

    @Override
    String shape() {
        return shape;
    }

    @Benchmark
    public Object layer() {
        return runOnce();
    }
}
