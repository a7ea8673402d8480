package io.rnn4j.simd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Cpu} reads the vendor from a cpuinfo file, and an unreadable one means "unknown" (AMD's tuning). */
class CpuTest {

    @Test
    void vendorIsTheFirstVendorIdLine(@TempDir Path dir) throws IOException {
        Path intel = dir.resolve("intel");
        Files.writeString(intel, "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n\nprocessor\t: 1\nvendor_id\t: Other\n");
        assertEquals("GenuineIntel", Cpu.vendor(intel));
        Path amd = dir.resolve("amd");
        Files.writeString(amd, "processor\t: 0\nvendor_id\t: AuthenticAMD\n");
        assertEquals("AuthenticAMD", Cpu.vendor(amd));
    }

    @Test
    void noFileOrNoVendorIsUnknown(@TempDir Path dir) throws IOException {
        assertEquals("", Cpu.vendor(dir.resolve("missing")));
        Path none = dir.resolve("none");
        Files.writeString(none, "processor\t: 0\nmodel name\t: something\n");
        assertEquals("", Cpu.vendor(none));
    }

    @Test
    void theLineAlignedGemvGateFollowsTheVendor() {
        assertEquals(Cpu.INTEL ? 0L : 1L << 21, Gemv.LINES_MIN_FLOATS);
        assertEquals("GenuineIntel".equals(Cpu.vendor(Path.of("/proc/cpuinfo"))), Cpu.INTEL);
    }
}
