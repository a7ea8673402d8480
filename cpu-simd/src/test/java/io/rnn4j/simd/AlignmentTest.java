package io.rnn4j.simd;

import org.junit.jupiter.api.Test;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

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
}
