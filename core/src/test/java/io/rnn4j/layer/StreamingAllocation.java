package io.rnn4j.layer;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Counts what a warm streamed step ({@link Rnn#timeStep}) allocates, for any backend: core's
 * {@code StreamingTest} runs it on the java backend, each backend module on its own (this class
 * ships in core's test-jar).
 */
public final class StreamingAllocation {
    private StreamingAllocation() {
    }

    /**
     * What the current thread allocates over {@code steps} warm {@link Rnn#timeStep} calls of each
     * built-in cell (fused path) at batch 1 and 3, after {@code warmup} steps so that C2 has
     * compiled the step. With {@code rounds > 1}, further rounds of {@code steps} calls follow
     * until one passes (for code whose JIT warm-up takes a variable number of calls, see the simd
     * backend's test). Counted with the JVM's per-thread allocation counter, not timed.
     *
     * <p>A round passes below {@link #bound} bytes: less than one byte per step, while an object
     * made on every step takes at least 16 bytes per step (the smallest object), so any per-step
     * allocation fails; what passes is one-off allocations the JVM itself makes on the thread now
     * and then (a single 80-byte allocation was seen once over 1000 warm java steps).
     *
     * @return one line per (cell, batch) that allocated (its last round), empty if none did
     */
    public static List<String> allocatingSteps(Backend be, int warmup, int steps, int rounds) {
        return allocatingSteps(be, 4, 5, warmup, steps, rounds);
    }

    /** {@link #allocatingSteps(Backend, int, int, int)} for layers of {@code units} over {@code features} inputs. */
    public static List<String> allocatingSteps(Backend be, int features, int units, int warmup, int steps, int rounds) {
        long bound = bound(steps);
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "no allocation counter");
        List<String> failures = new ArrayList<>();
        for (int batch : new int[] {1, 3}) {
            for (Rnn l : new Rnn[] {new SimpleRnn(units).seed(1), new Lstm(units).seed(2), new Gru(units).seed(3)}) {
                assertTrue(l.usesFusedKernels());
                l.build(be, new int[] {-1, features});
                Tensor x = be.fromArray(StreamingTest.seq(batch * features), batch, features);
                float sum = 0f;
                for (int i = 0; i < warmup; i++) {
                    sum += step(l, x);
                }
                long allocated = Long.MAX_VALUE;
                for (int r = 0; r < rounds && allocated >= bound; r++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < steps; i++) {
                        sum += step(l, x);
                    }
                    allocated = mx.getCurrentThreadAllocatedBytes() - before;
                }
                assertTrue(Float.isFinite(sum));
                if (allocated >= bound) {
                    failures.add(l.type() + " batch " + batch + ": " + allocated + " bytes over " + steps
                            + " steps (" + allocated / steps + " per step), want < " + bound);
                }
            }
        }
        return failures;
    }

    /** Bytes {@code steps} allocation-free steps stay below: fewer than one per step (see {@link #allocatingSteps}). */
    public static long bound(int steps) {
        return steps;
    }

    /** One streamed step; the output's first value keeps the JIT from dropping the call. */
    private static float step(Rnn l, Tensor x) {
        Tensor y = l.timeStep(x);
        return ((float[]) y.storage())[0];
    }
}
