package io.rnn4j.simd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The CPU's vendor, for the few tuning choices that differ between Intel and AMD cores (never
 * for what is computed: every choice it feeds gives the same bits). Read once from Linux's
 * {@code /proc/cpuinfo}; anywhere else, or if that cannot be read, the vendor is unknown and
 * the choices are those measured on AMD.
 */
final class Cpu {
    /**
     * {@code -Drnn4j.simd.cpu=intel|other} overrides the vendor, so the tests can run either
     * tuning on any machine (never needed otherwise: every choice gives the same bits).
     */
    static final String PROPERTY = "rnn4j.simd.cpu";

    /**
     * An Intel core: a 512-bit load that straddles two cache lines costs it far more than it costs
     * a Zen core (session 16's Sapphire Rapids against sessions 5-15's Zen 5).
     */
    static final boolean INTEL = intel(System.getProperty(PROPERTY), Path.of("/proc/cpuinfo"));

    private Cpu() {
    }

    /** Intel tuning: the override if it is {@code intel} or {@code other}, else the vendor of {@code cpuinfo}. */
    static boolean intel(String override, Path cpuinfo) {
        if ("intel".equals(override) || "other".equals(override)) {
            return override.equals("intel");
        }
        return "GenuineIntel".equals(vendor(cpuinfo));
    }

    /** The {@code vendor_id} of a {@code /proc/cpuinfo}-format file, or "" if there is none or it cannot be read. */
    static String vendor(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("vendor_id") && l.indexOf(':') > 0)
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
