package io.rnn4j.simd;

/**
 * Software prefetch for the pointwise passes, in plain loads: Java has no prefetch instruction.
 *
 * <p>The per-row buffers a recurrent step reads and writes (gates, their gradients, the state
 * history, the output) are laid out by {@code (batch row, time step)}, so the rows of one step
 * are a page apart and cold: each is a stream of 1-4 KiB, too short for the hardware prefetcher
 * to ramp up on. Loading one float from every cache line of the next row, before the current row
 * is computed, puts all of the next row's misses in flight at once (a line loaded for reading is
 * usually held exclusive, so a later store to it does not miss either, unless another core
 * holds it too). The loaded values are summed and
 * handed to {@link #keep}, or C2 would drop the loads. Results are unchanged: nothing touched is
 * written.
 *
 * <p>A load that misses holds up the retirement of everything after it, which a prefetch
 * instruction would not: a burst of {@link #lines} over a 10 KiB row fills the reorder buffer
 * with its own loads and waits. The fused backward rows ({@code SimdCells}) therefore touch the
 * next row inside their vector loop instead, one float of each of its rows per iteration (a
 * cache line per iteration with 16-lane vectors), and hand that sum to {@link #keep}: the misses
 * are spread over the row's arithmetic. GRU 64x100x128x256 training took 0.96-0.97x the time of
 * the burst before the row, on one thread and on two (two builds in one JVM, both orders,
 * Sapphire Rapids). GRU's forward state update touches the next row's cold rows the same way.
 */
final class Prefetch {
    /** Floats per 64-byte cache line. */
    private static final int LINE = 16;
    /** Written only when a touched sum equals {@code -Float.MAX_VALUE}; never read. */
    private static int sink;

    private Prefetch() {
    }

    /**
     * Loads one float from every cache line {@code a[off, off + len)} covers ({@code len > 0})
     * and returns their sum.
     */
    static float lines(float[] a, int off, int len) {
        float s0 = a[off + len - 1], s1 = 0f;   // the last line, whatever the alignment
        int i = 0;
        for (; i + LINE < len; i += 2 * LINE) { // two sums: the adds wait for the misses
            s0 += a[off + i];
            s1 += a[off + i + LINE];
        }
        if (i < len) {
            s0 += a[off + i];
        }
        return s0 + s1;
    }

    /**
     * Uses a sum of {@link #lines} so its loads stay: a branch on the value. The write it guards
     * is practically never taken, so threads touching rows do not share a written cache line.
     */
    static void keep(float sum) {
        if (sum == -Float.MAX_VALUE) {
            sink++;
        }
    }
}
