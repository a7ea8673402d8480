package io.rnn4j.simd;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Cpu} reads the vendor from a cpuinfo file (an unreadable one means AMD's tuning), and
 * the Intel and the other tuning compute the same bits: two child JVMs, one per tuning, run the
 * places where they differ (the batch-1 streaming panels, the line-aligned A·Bᵀ GEMV on a 2 MiB
 * B) and must print the same results.
 */
class CpuTest {

    @Test
    void vendorIsTheFirstVendorIdLine(@TempDir Path dir) throws IOException {
        Path intel = dir.resolve("intel");
        Files.writeString(intel, "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n\nprocessor\t: 1\nvendor_id\t: Other\n");
        assertEquals("GenuineIntel", Cpu.vendor(intel));
        assertTrue(Cpu.intel(null, intel));
        assertFalse(Cpu.intel("other", intel));
        Path amd = dir.resolve("amd");
        Files.writeString(amd, "processor\t: 0\nvendor_id\t: AuthenticAMD\n");
        assertEquals("AuthenticAMD", Cpu.vendor(amd));
        assertFalse(Cpu.intel(null, amd));
        assertTrue(Cpu.intel("intel", amd));
        assertFalse(Cpu.intel("something else", amd));
    }

    @Test
    void noFileOrNoVendorIsUnknown(@TempDir Path dir) throws IOException {
        assertEquals("", Cpu.vendor(dir.resolve("missing")));
        Path none = dir.resolve("none");
        Files.writeString(none, "processor\t: 0\nmodel name\t: something\n");
        assertEquals("", Cpu.vendor(none));
        assertFalse(Cpu.intel(null, dir.resolve("missing")));
    }

    @Test
    void theLineAlignedGemvGateFollowsTheTuning() {
        assertEquals(Cpu.INTEL ? 0L : 1L << 21, Gemv.LINES_MIN_FLOATS);
    }

    @Test
    void bothTuningsComputeTheSameBits() throws Exception {
        String intel = child("intel"), other = child("other");
        assertTrue(intel.startsWith("intel "), intel);
        assertTrue(other.startsWith("other "), other);
        assertEquals(other.substring(6), intel.substring(6));
    }

    private static String child(String tuning) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-D" + Cpu.PROPERTY + "=" + tuning, "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Tuned.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().filter(l -> l.startsWith("intel ") || l.startsWith("other ")).findFirst().orElse(out);
    }

    /** The child: prints its tuning and hashes of the results' bits. */
    public static final class Tuned {
        public static void main(String[] args) {
            SplittableRandom r = new SplittableRandom(11);
            // the batch-1 A·Bᵀ GEMV on a 2 MiB B (line-aligned on Intel wherever G1 places B knowingly)
            int n = 1024, k = 512;
            float[] b = new float[n * k + 3], a = new float[k], c = new float[n];
            fill(b, r);
            fill(a, r);
            new Gemm(new Threads(1)).gemm(false, true, 1, n, k, 1f, a, 0, k, b, 3, k, 0f, c, 0, n);
            int gemv = Arrays.hashCode(c);
            // a batch-1 LSTM over 20 steps (the streaming panels of U, on a line on Intel), one and two threads
            int[] layer = new int[2];
            for (int threads = 1; threads <= 2; threads++) {
                try (SimdBackend be = new SimdBackend(threads)) {
                    int time = 20, in = 32, units = 256, gw = 4 * units; // U 1 MiB: two threads split the GEMV by columns
                    RnnSpec spec = new RnnSpec(CellType.LSTM, in, units, Activation.TANH, Activation.SIGMOID, true, false);
                    Tensor x = be.fromArray(random(r, time * in), 1, time, in);
                    Tensor w = be.fromArray(random(r, in * gw), in, gw);
                    Tensor u = be.fromArray(random(r, units * gw), units, gw);
                    Tensor bias = be.fromArray(random(r, gw), gw);
                    Tensor out = be.zeros(1, time, units);
                    try (RnnWorkspace ws = be.rnnWorkspace(spec, 1, time)) {
                        be.rnnForward(spec, ws, new RnnForwardArgs(x, w, u, bias, null, null, null, null, null,
                                false, false, false, out, be.zeros(1, units), be.zeros(1, units)));
                    }
                    layer[threads - 1] = Arrays.hashCode(out.toArray());
                }
            }
            System.out.println((Cpu.INTEL ? "intel" : "other") + " " + gemv + " " + layer[0] + " " + layer[1]);
        }

        private static void fill(float[] v, SplittableRandom r) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble(-1, 1);
            }
        }

        private static float[] random(SplittableRandom r, int size) {
            float[] v = new float[size];
            fill(v, r);
            return v;
        }
    }
}
