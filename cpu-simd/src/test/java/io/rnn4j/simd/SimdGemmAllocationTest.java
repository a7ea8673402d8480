package io.rnn4j.simd;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A warm GEMM that the team runs in chunks allocates nothing on the calling thread: the call's
 * arguments go to the team in a per-thread object, not in a lambda that captures them (104 bytes
 * per call before, several hundred bytes per training call of a layer). Covered: a cut by column
 * panels, a cut by row slivers, a pre-packed B, {@code gemmTwo}, and a GEMV split by columns.
 * Counted with the JVM's per-thread allocation counter, not timed.
 */
class SimdGemmAllocationTest {

    /**
     * As in {@link SimdStreamingTest}: until C2 has compiled the kernels, the Vector API's Java
     * fallbacks allocate on every call (and the calling thread runs chunks too), so the probe
     * warms up, then runs rounds until one allocates under a byte per call, in a fresh JVM, up to
     * three times. A per-call object appears in every round of every JVM.
     */
    @Test
    void warmParallelProductsAllocateZeroBytes() throws IOException, InterruptedException {
        List<String> outputs = ChildJvm.failuresUnlessOnePasses(Probe.class, 3);
        if (!outputs.isEmpty()) {
            fail("a warm parallel GEMM allocated in three fresh JVMs: " + String.join(" | ", outputs));
        }
    }

    /** The measurement, run in a child JVM: exit code 0 when every product reached zero bytes per call. */
    public static final class Probe {
        public static void main(String[] args) {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            List<String> failures = new ArrayList<>();
            try (SimdBackend be = new SimdBackend(2)) {
                Gemm g = be.gemmEngine();
                float[] a = new float[300 * 400], b = new float[400 * 600], c = new float[300 * 600], c2 = new float[300 * 600];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (i % 7) * 0.25f - 0.5f;
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (i % 5) * 0.25f - 0.5f;
                }
                Gemm.PackedB pb = new Gemm.PackedB(false, 400, 600);
                pb.pack(b, 0, 600);
                String[] names = {"column cut 300x600x400", "row cut 300x100x400", "pre-packed B 300x600x400",
                        "gemmTwo 200+100 x600x400", "GEMV 2x600x400"};
                Runnable[] calls = {
                    () -> g.gemm(false, false, 300, 600, 400, 1f, a, 0, 400, b, 0, 600, 0f, c, 0, 600),
                    () -> g.gemm(false, false, 300, 100, 400, 1f, a, 0, 400, b, 0, 600, 0f, c, 0, 600),
                    () -> g.gemm(false, 300, 1f, a, 0, 400, pb, 0f, c, 0, 600),
                    () -> g.gemmTwo(false, 200, a, 0, 400, c, 0, 600, 100, a, 200 * 400, 400, c2, 0, 600,
                            false, 600, 400, 1f, b, 0, 600, 0f),
                    () -> g.gemm(false, false, 2, 600, 400, 1f, a, 0, 400, b, 0, 600, 0f, c, 0, 600),
                };
                for (int q = 0; q < calls.length; q++) {
                    Runnable call = calls[q];
                    for (int i = 0; i < 2_000; i++) {
                        call.run();
                    }
                    double perCall = Double.NaN;
                    for (int round = 0; round < 200; round++) {
                        long before = mx.getCurrentThreadAllocatedBytes();
                        for (int i = 0; i < 100; i++) {
                            call.run();
                        }
                        perCall = (mx.getCurrentThreadAllocatedBytes() - before) / 100.0;
                        if (perCall < 1) {
                            break;
                        }
                    }
                    if (!(perCall < 1)) {
                        failures.add(names[q] + ": " + perCall + " bytes per call");
                    }
                }
            }
            System.out.println(failures.isEmpty() ? "no allocation" : String.join("; ", failures));
            System.exit(failures.isEmpty() ? 0 : 1);
        }
    }
}
