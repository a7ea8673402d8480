package io.rnn4j.simd;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Where the elements of a large float array fall against the CPU's 64-byte cache lines.
 *
 * <p>A 512-bit load that straddles two lines reads both, which shows once a loop streams from L3
 * or memory (this Zen 5, the batch-1 GEMV on B 16 bytes off a line boundary: 1.11x the time of an
 * aligned B at 2 MiB, 1.43x at 16 MiB). Java gives no addresses, but HotSpot's default collector,
 * G1, places every array larger than half a heap region at the start of a region (regions are
 * 1-32 MiB as the heap size picks them, up to 512 MiB if set, and aligned to their size), wherever
 * it may later move. Element {@code i} of it then starts {@code header + 4 i} bytes past a line
 * boundary, the header being 16 bytes (12 with compact object headers). For smaller arrays, under
 * other collectors or other header layouts, the position is unknown and {@link #toLine} answers
 * 0, so nothing changes.
 *
 * <p>The answer only moves where packed data is placed or where a panel of columns starts, never
 * what is computed: results are the same bits whatever it says.
 */
final class Alignment {
    /** Floats per 64-byte cache line. */
    static final int LINE = 16;

    /** No G1 region is smaller than 1 MiB, so no array of at most half of that starts one for sure. */
    private static final long SMALLEST_REGION_HALF = 1L << 19;

    /**
     * The largest half region {@link #lengthOnLines} pads a buffer to: that of the 32 MiB regions
     * G1 picks for itself on the largest heaps (a region size set by hand may be 512 MiB).
     */
    private static final long MAX_PADDED_HALF = 16L << 20;

    /**
     * The VM's layout, read on first use by an array large enough to need it or by a buffer
     * {@link #lengthOnLines} may pad (the management beans take about 25 ms to come up).
     */
    private static final class Layout {
        /** Bytes from a line boundary to element 0 of an array that starts a G1 region; -1 if unknown. */
        static final int HEADER;
        /** Arrays of more bytes than this (header included) start a G1 region. */
        static final long REGION_HALF;

        static {
            int header = -1;
            long half = Long.MAX_VALUE;
            try {
                HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                // Only the two layouts of current JDKs: without compressed class pointers the
                // header's size changed between JDK 21 and later ones, so it counts as unknown.
                if (flag(vm, "UseG1GC") && (flag(vm, "UseCompactObjectHeaders") || flag(vm, "UseCompressedClassPointers"))) {
                    header = flag(vm, "UseCompactObjectHeaders") ? 12 : 16;
                    half = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) / 2;
                }
            } catch (RuntimeException | LinkageError e) {
                // Not HotSpot, or the management modules are left out of this runtime: unknown.
                header = -1;
            }
            HEADER = header;
            REGION_HALF = half;
        }
    }

    private Alignment() {
    }

    private static boolean flag(HotSpotDiagnosticMXBean vm, String name) {
        try {
            return Boolean.parseBoolean(vm.getVMOption(name).getValue());
        } catch (IllegalArgumentException e) {
            return false; // a flag this JVM does not have (UseCompactObjectHeaders before JDK 24)
        }
    }

    /**
     * Floats from element {@code i} of {@code a} to the first element at or after it that starts
     * a cache line (0 to 15), or 0 when that is unknown.
     */
    static int toLine(float[] a, int i) {
        if (!known(a)) {
            return 0;
        }
        int misalignment = (Layout.HEADER / 4 + i) % LINE;
        return (LINE - misalignment) % LINE;
    }

    /**
     * The length to allocate for a buffer of {@code floats} floats whose elements the caller
     * wants to place against cache lines (packed panels): under G1 with a known layout, at least
     * half a region, so that G1 starts it at a region and {@link #toLine} knows it; otherwise
     * {@code floats}. Without this the packing buffers start a region only where the heap's
     * regions are small (a 2 MiB buffer does with the 4 MiB regions of a heap of up to 8 GiB,
     * not with the 8 MiB ones of {@code -Xmx16g}), and on a CPU that pays for every 512-bit load
     * that straddles two lines, GEMM on panels 16 bytes off a line took 1.3-1.4x the time
     * (Sapphire Rapids, 1024³ and 6400x1024x256 with {@code -Xmx16g}).
     *
     * <p>A padded buffer takes a whole region (G1 puts nothing else in a region that holds part
     * of a large array): about 1/2048 of the heap as G1 sizes regions, more below 2 GiB, where
     * regions stay at 1 MiB. So a buffer under a quarter of half a region is padded only on
     * Intel cores ({@link Cpu#INTEL}), where a misplaced panel costs the micro-kernel most (a
     * probe of the 4 x 64 kernel on panels 16 bytes off a line: 109-113 GFLOP/s against 150-184
     * on a line); elsewhere it stays as it is and falls where it may.
     */
    static int lengthOnLines(int floats) {
        if (!Cpu.INTEL && 16L * floats < SMALLEST_REGION_HALF) {
            return floats; // under a quarter of any half region: decided without reading the layout
        }
        if (Layout.HEADER < 0 || Layout.REGION_HALF > MAX_PADDED_HALF) {
            return floats;
        }
        if (!Cpu.INTEL && 16L * floats < Layout.REGION_HALF) {
            return floats;
        }
        return (int) Math.max(floats, Layout.REGION_HALF / 4 + 1);
    }

    /** Whether {@link #toLine} knows where {@code a}'s elements fall. */
    static boolean known(float[] a) {
        long bytes = 4L * a.length;
        return bytes > SMALLEST_REGION_HALF && Layout.HEADER >= 0 && Layout.HEADER + bytes > Layout.REGION_HALF;
    }
}
