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
     * Bytes the current thread allocates over {@code steps} warm {@link Rnn#timeStep} calls of
     * each built-in cell (fused path) at batch 1 and 3, after {@code warmup} steps so that C2 has
     * compiled the step. Counted with the JVM's per-thread allocation counter, not timed.
     * Returns one line per (cell, batch) that allocated, empty if none did.
     */
    public static List<String> allocatingSteps(Backend be, int warmup, int steps) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "no allocation counter");
        List<String> failures = new ArrayList<>();
        for (int batch : new int[] {1, 3}) {
            for (Rnn l : new Rnn[] {new SimpleRnn(5).seed(1), new Lstm(5).seed(2), new Gru(5).seed(3)}) {
                assertTrue(l.usesFusedKernels());
                l.build(be, new int[] {-1, 4});
                Tensor x = be.fromArray(StreamingTest.seq(batch * 4), batch, 4);
                float sum = 0f;
                for (int i = 0; i < warmup; i++) {
                    sum += step(l, x);
                }
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < steps; i++) {
                    sum += step(l, x);
                }
                long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                assertTrue(Float.isFinite(sum));
                if (allocated != 0) {
                    failures.add(l.type() + " batch " + batch + ": " + allocated + " bytes over " + steps
                            + " steps (" + allocated / steps + " per step)");
                }
            }
        }
        return failures;
    }

    /** One streamed step; the output's first value keeps the JIT from dropping the call. */
    private static float step(Rnn l, Tensor x) {
        Tensor y = l.timeStep(x);
        return ((float[]) y.storage())[0];
    }
}
