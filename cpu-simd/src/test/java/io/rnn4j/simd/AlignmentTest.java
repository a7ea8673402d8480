package io.rnn4j.simd;

import org.junit.jupiter.api.Test;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Alignment}'s answers are consistent: nothing for an array the collector may place
 * anywhere, and for a region-aligned one a position that steps back one float per element and
 * lands on a line boundary. (What it answers never changes a result: every GEMM test compares
 * bits with it in effect.)
 */
class AlignmentTest {

    @Test
    void smallArraysAreUnknown() {
        float[] small = new float[1000];
        assertFalse(Alignment.known(small));
        for (int i = 0; i < 40; i++) {
            assertEquals(0, Alignment.toLine(small, i));
        }
    }

    @Test
    void largeArraysUnderG1StepThroughTheLine() {
        boolean g1 = false;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            g1 |= gc.getName().startsWith("G1");
        }
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
        float[] large = new float[1 << 24]; // 64 MiB: more than half of any region G1 picks by itself (up to 32 MiB)
        boolean startsRegion = g1 && 4L * large.length > region / 2
                && Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue());
        assertEquals(startsRegion, Alignment.known(large), "G1: " + g1 + ", region " + region + " bytes");
        if (!startsRegion) {
            return;
        }
        int previous = Alignment.toLine(large, 0);
        for (int i = 1; i < 100; i++) {
            int lead = Alignment.toLine(large, i);
            assertTrue(lead >= 0 && lead < Alignment.LINE, "toLine(" + i + ") = " + lead);
            assertEquals((previous + Alignment.LINE - 1) % Alignment.LINE, lead, "toLine(" + i + ")");
            assertEquals(0, Alignment.toLine(large, i + lead), "a line start at " + (i + lead));
            previous = lead;
        }
    }

    @Test
    void packingBuffersStartOnALineWhateverTheRegionSize() throws Exception {
        // 16 MiB regions (a heap of 32 GiB picks them): the 2 MiB packing buffer and a 4 MiB
        // packed B would not start a region without lengthOnLines, so their panels' place would
        // be unknown; a small packed B is padded only on Intel cores. The child checks these
        // (exit 0), or that the layout is unknown (exit 3).
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:+UseG1GC", "-XX:G1HeapRegionSize=16m", "-Xmx256m",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                LargeRegions.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertTrue(code == 0 || code == 3, "exit " + code + ": " + out);
        if (Alignment.known(new float[1 << 24])) {
            assertEquals(0, code, "this JVM knows the layout, the child should too: " + out);
        }
    }

    /** The child JVM's side of {@link #packingBuffersStartOnALineWhateverTheRegionSize}. */
    public static final class LargeRegions {
        public static void main(String[] args) {
            if (!Alignment.known(new float[1 << 24])) {
                System.exit(3);
            }
            Gemm.Scratch s = new Gemm.Scratch();
            Gemm.PackedB large = new Gemm.PackedB(false, 512, 2048);
            large.pack(new float[512 * 2048], 0, 2048);
            Gemm.PackedB small = new Gemm.PackedB(false, 3, 5);
            small.pack(new float[15], 0, 5);
            boolean smallKnown = Alignment.known(small.data);
            if (!Alignment.known(s.b) || !Alignment.known(large.data) || smallKnown != Cpu.INTEL) {
                System.out.println("known: scratch " + Alignment.known(s.b) + ", 4 MiB packed B " + Alignment.known(large.data)
                        + ", small packed B " + smallKnown + " (Intel tuning " + Cpu.INTEL + ")");
                System.exit(1);
            }
            if (s.bBase == 0 && Alignment.toLine(s.b, 0) != 0 || large.base != Alignment.toLine(large.data, 0)) {
                System.out.println("panels not at the first line start: " + s.bBase + ", " + large.base);
                System.exit(1);
            }
            System.exit(0);
        }
    }

    @Test
    void productsRunWithoutTheManagementModules() throws Exception {
        // A runtime without java.management / jdk.management (a jlinked one, say): the layout is
        // unknown, and a product on a B large enough to ask about it still runs and is right.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--limit-modules", "java.base,jdk.incubator.vector",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                WithoutManagement.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
    }

    /** The child JVM's side: an A·Bᵀ GEMV and an A·B with a 9 MiB B, checked in float64. */
    public static final class WithoutManagement {
        public static void main(String[] args) {
            int n = 4096, k = 576;
            float[] b = new float[n * k + 5];
            float[] a = new float[4 * n]; // up to 4 rows of the longer k
            java.util.SplittableRandom r = new java.util.SplittableRandom(3);
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextDouble(-1, 1);
            }
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextDouble(-1, 1);
            }
            Gemm gemm = new Gemm(new Threads(1));
            for (int m : new int[] {1, 4}) {
                for (boolean tb : new boolean[] {true, false}) {
                    int nn = tb ? n : k, kk = tb ? k : n; // A·Bᵀ: n x k B; A·B: B is k x n read as kk x nn
                    float[] c = new float[m * nn];
                    gemm.gemm(false, tb, m, nn, kk, 1f, a, 0, kk, b, 5, tb ? k : nn, 0f, c, 0, nn);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < nn; j += 97) {
                            double s = 0;
                            for (int q = 0; q < kk; q++) {
                                s += (double) a[i * kk + q] * (tb ? b[5 + j * k + q] : b[5 + q * nn + j]);
                            }
                            if (Math.abs(s - c[i * nn + j]) > 1e-3) {
                                System.out.println("m=" + m + " tb=" + tb + " c[" + i + "][" + j + "] = " + c[i * nn + j] + ", expected " + s);
                                System.exit(1);
                            }
                        }
                    }
                }
            }
            if (Alignment.known(b)) {
                System.exit(2); // without the management beans the layout is unknown
            }
            int unpadded = Gemm.KC * Math.max(Gemm.NC, Gemm.GROUP * Gemm.NR) + Alignment.LINE;
            System.exit(new Gemm.Scratch().b.length == unpadded ? 0 : 4); // and nothing is padded
        }
    }
}
