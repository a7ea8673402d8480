package io.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Row-major SGEMM {@code C = alpha op(A) op(B) + beta C} on the Vector API, BLAS semantics.
 *
 * <p>The structure is the classic one (Goto/BLIS): B is packed into panels of {@link #NR}
 * columns laid out k-major, A into slivers of {@link #MR} rows, and a register-blocked
 * micro-kernel keeps an {@code MR x NR} tile of C in 16 vector accumulators (4 rows x 4 vectors:
 * with 512-bit vectors a 4 x 64 tile, the shape measured best on this CPU; 21 live vectors, below
 * the 27 at which C2 starts to spill). The k loop is not unrolled by hand: C2 schedules the plain
 * loop better. K is blocked by {@link #KC}, A by {@link #MC} rows, B by {@link #NC} columns.
 *
 * <p>This class holds the entry points, the split across threads and the packed path's loops
 * and micro-kernels; the packing routines are in {@link Packing}. Fewer than {@link #MR} rows
 * (batch-1 inference, the GEMV case) take the unpacked loops of {@link Gemv}: packing would
 * cost more than the product itself. A transposed B times about one panel of rows goes through
 * {@link TransposedProduct}, which reads B's rows in place.
 *
 * <p>C is cut into chunks of whole column panels (or of row slivers when there are too few
 * panels), one per thread. Each element of C is computed with the same sequence
 * of operations whatever the cut and whichever thread runs it, so results do not depend on the
 * thread count at all.
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Rows of the register tile. */
    static final int MR = 4;
    /** Columns of the register tile: four vectors. */
    static final int NR = 4 * VL;
    /**
     * Depth of a K block: an NR-wide panel is {@code KC * NR} floats (128 KiB), read from L2.
     * Deeper blocks mean fewer passes over C (each K block loads and stores every C tile once)
     * and fewer kernel calls per panel. Against 256, one thread took 0.90x the time at
     * 6400x4096x512 (an LSTM input projection, whose 105 MB C went through memory twice),
     * 0.95-0.97x at 1024³ (A·B, A·Bᵀ, Aᵀ·B), 0.96-0.98x at 256x4096x2048, 0.92-0.99x at M=64
     * and 0.96x for a pre-packed 64x4096x1024 recurrent step (interleaved in one JVM, Zen 5 with
     * its 1 MiB L2).
     */
    static final int KC = 512;
    /** Rows of A packed per block: {@code MC * KC} floats (256 KiB) stay in L2 while the panels stream past. */
    static final int MC = 128;
    /**
     * Rows of A per block on a B packed ahead (a recurrent step's weights): twice {@link #MC}
     * (512 KiB), since such a B is often larger than the L2 (LSTM 256x50x256x512's stacked
     * {@code [W; U; b]} is 6.3 MB, its {@code Uᵀ} 4 MB) and each row block streams all of it
     * again. With 256 rows a thread's step reads it once instead of twice: LSTM 256x50x256x512
     * training, one thread, new / old time, two builds alternated in one JVM (Sapphire Rapids):
     * 0.940 and 0.958 (both orders; 0.955-0.982 in four runs with 256-row blocks everywhere);
     * inference 0.915-1.019 in five runs, median 0.999. As the block size of every product it
     * cost 1-3% in GRU 64x100x128x256 training and LSTM 64x100x512x1024 inference, whose large
     * products pack B per call ({@code NC x KC}, 2 MiB) and then share the L2 with a larger A.
     */
    static final int PACKED_MC = 2 * MC;
    static final int NC = 16 * NR;
    /** Panels the macro-kernel runs every sliver of a row block over before the next ones ({@link #panels}): 512 KiB at KC = 512 with 16-float vectors. */
    static final int PANEL_GROUP = 4;
    /**
     * Panels of a transposed B packed together on the few-rows path ({@code 2 * KC * NR} floats,
     * 256 KiB at 16 lanes, in L2 while its slivers run). Two against the eight used before (1 MiB,
     * the whole L2 of this Zen 5): 0.93-0.96x the time at 64x1024x512, 0.96-0.98x at 64x4096x2048,
     * 0.95-0.96x at 16x1024x512, and 0.98-1.005x at 128x1024x512 (one thread, interleaved in one
     * JVM, both orders; the M = 64 shapes have since gone to {@link TransposedProduct}).
     */
    static final int GROUP = 2;
    /**
     * Products with at most this many rows and a transposed B (not pre-packed) pack B in groups
     * of {@link #GROUP} panels right before their slivers use them, instead of a whole
     * {@code KC x NC} block first, unless {@link TransposedProduct} takes them. (A
     * non-transposed B is packed by the first sliver of each panel whatever the row count,
     * {@link #packingFirstSliver}.)
     */
    static final int FEW_ROWS = 128;
    /** Rows of a transposed B per tile of {@link TransposedProduct}: the height of a 16 x 16 transpose. */
    static final int TILE_ROWS = 4 * MR;
    /** Floats of op(A) packed per K span of {@link TransposedProduct} (512 KiB, half this Zen 5's L2). */
    static final int SPAN = 1 << 17;
    /**
     * Floats of a transposed B (8 MiB; of a thread's columns of it when the team cuts columns)
     * from which {@link TransposedProduct#takes} also accepts two to four panels of rows.
     */
    static final long BIG_B = 1L << 21;
    /** Below this many flops a second thread costs more than it saves. */
    static final long PARALLEL_FLOPS = 1L << 22;

    private final Threads threads;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    Gemm(Threads threads) {
        this.threads = threads;
    }

    /** Per-thread packing buffers, grown on demand and kept, so steady-state calls do not allocate. */
    static final class Scratch {
        final float[] a = new float[Math.max(PACKED_MC, FEW_ROWS) * KC];
        final float[] b = new float[Alignment.lengthOnLines(KC * Math.max(NC, GROUP * NR) + Alignment.LINE)];
        /** Where packed panels start in {@code b}: on a cache-line boundary where that is known. */
        final int bBase = Alignment.toLine(b, 0);
        final float[] edge = new float[MR * NR];
        /** {@link TransposedProduct}'s tiles of Cᵀ, one per stream ({@code TILE_ROWS x NR}), and a spare row. */
        final float[] acc = new float[MR * TILE_ROWS * NR + NR];
        /** A kernel call's rows of B (offsets into B) and the rows of {@code acc} their sums go to. */
        final int[] rowAt = new int[2 * MR], sumAt = new int[2 * MR];
        float[] row = new float[0];

        float[] row(int n) {
            if (row.length < n) {
                row = new float[n];
            }
            return row;
        }
    }

    /**
     * B packed once for many products (recurrent weights are fixed for a whole sequence): the
     * same panel layout the packed path builds per call. Layout: K blocks of {@link #KC}; inside
     * block starting at {@code pc}, panel {@code q} starts at {@code base + pc * npad + q * kc * NR}.
     */
    static final class PackedB {
        final boolean transB;
        final int k;
        final int n;
        final int npad;
        /** The panels; allocated by the first {@link #pack} or {@link #packStacked} (a bound-only B, below MR rows, never needs them). */
        float[] data;
        /** Where the panels start in {@code data}: on a cache-line boundary where that is known. */
        int base;
        float[] src;
        int offB;
        int ldb;
        /** False after {@link #bind}: only the source is known. */
        boolean packed;
        /** A stacked B's parts ({@link #prepareStacked}); null for a B from one source. */
        private float[] top, bottom, last;
        private int offTop, ldTop, kTop, offBottom, ldBottom, kBottom, offLast;

        PackedB(boolean transB, int k, int n) {
            this.transB = transB;
            this.k = k;
            this.n = n;
            this.npad = (n + NR - 1) / NR * NR;
        }

        /**
         * Records the source without packing: enough when every product will have fewer than
         * {@link #MR} rows, since those take the unpacked path on the source.
         */
        void bind(float[] b, int offB, int ldb) {
            this.src = b;
            this.offB = offB;
            this.ldb = ldb;
            this.packed = false;
        }

        /** (Re)packs {@code op(B)} from its source; the source is kept for the unpacked small-M path. */
        void pack(float[] b, int offB, int ldb) {
            prepare(b, offB, ldb);
            packPanels(0, panels());
        }

        /**
         * Records {@code op(B)}'s source and allocates the panels without filling them: then
         * {@link #packPanels} fills ranges of panels, on any threads (the panels are disjoint).
         */
        void prepare(float[] b, int offB, int ldb) {
            this.src = b;
            this.offB = offB;
            this.ldb = ldb;
            this.top = this.bottom = this.last = null;
            this.packed = true;
            allocate();
        }

        /** Panels of {@link #NR} columns (the last one zero-padded). */
        int panels() {
            return npad / NR;
        }

        /**
         * Packs panels {@code [q0, q1)} of every K block from the source {@link #prepare} or
         * {@link #prepareStacked} recorded: the same values wherever the ranges are cut.
         */
        void packPanels(int q0, int q1) {
            int j0 = q0 * NR, width = Math.min(n, q1 * NR) - j0;
            if (width <= 0) {
                return;
            }
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                int block = base + pc * npad + q0 * kc * NR;
                if (src != null) {
                    Packing.packB(transB, src, offB, ldb, pc, kc, j0, width, data, block);
                    continue;
                }
                packPart(top, offTop, ldTop, 0, kTop, pc, kc, j0, width, block);
                packPart(bottom, offBottom, ldBottom, kTop, kTop + kBottom, pc, kc, j0, width, block);
                if (last != null) {
                    packPart(last, offLast, n, kTop + kBottom, k, pc, kc, j0, width, block);
                }
            }
        }

        /** Allocates the panels at the first packing. */
        private void allocate() {
            if (data == null) {
                data = new float[Alignment.lengthOnLines(Math.max(1, k * npad) + Alignment.LINE)];
                base = Alignment.toLine(data, 0);
            }
        }

        /**
         * Packs the non-transposed B stacked from two matrices, {@code kTop} rows of {@code top}
         * over the {@code k - kTop} rows of {@code bottom} (both {@code n} wide): {@code [W; U]},
         * so that one product {@code [x, h]·[W; U]} gives {@code x·W + h·U}. No single source is
         * kept, so products on a stacked B take the packed path whatever their row count.
         */
        void packStacked(float[] top, int offTop, int ldTop, int kTop, float[] bottom, int offBottom, int ldBottom) {
            packStacked(top, offTop, ldTop, kTop, bottom, offBottom, ldBottom, k - kTop, null, 0);
        }

        /**
         * {@link #packStacked(float[], int, int, int, float[], int, int)} with {@code kBottom}
         * rows of {@code bottom} and, when {@code last} is not null, one more row of {@code n}
         * values from {@code last[offLast..]}: {@code [W; U; b]}, so that a row
         * {@code [x, h, 1]} gives {@code x·W + h·U + b}, the bias added by the kernel's last FMA.
         */
        void packStacked(float[] top, int offTop, int ldTop, int kTop, float[] bottom, int offBottom, int ldBottom,
                         int kBottom, float[] last, int offLast) {
            prepareStacked(top, offTop, ldTop, kTop, bottom, offBottom, ldBottom, kBottom, last, offLast);
            packPanels(0, panels());
        }

        /**
         * {@link #packStacked(float[], int, int, int, float[], int, int, int, float[], int)}'s
         * checks and sources, with the panels allocated but not filled ({@link #packPanels}).
         */
        void prepareStacked(float[] top, int offTop, int ldTop, int kTop, float[] bottom, int offBottom, int ldBottom,
                            int kBottom, float[] last, int offLast) {
            int rows = kTop + kBottom + (last == null ? 0 : 1);
            if (transB || kTop < 0 || kBottom < 0 || rows != k) {
                throw new IllegalArgumentException("stacked packing needs a non-transposed B and kTop + kBottom"
                        + " (+ 1 for a last row) = k, got kTop " + kTop + ", kBottom " + kBottom
                        + (last == null ? "" : " + 1") + " of k " + k + (transB ? ", transposed" : ""));
            }
            this.src = null;
            this.top = top;
            this.offTop = offTop;
            this.ldTop = ldTop;
            this.kTop = kTop;
            this.bottom = bottom;
            this.offBottom = offBottom;
            this.ldBottom = ldBottom;
            this.kBottom = kBottom;
            this.last = last;
            this.offLast = offLast;
            this.packed = true;
            allocate();
        }

        /**
         * Columns {@code [j0, j0 + width)} of the rows of the K block {@code [pc, pc + kc)} that
         * fall in the part {@code [start, end)} of the stack, at their place in the block's
         * panels (from {@code block}, the first of those columns' panels).
         */
        private void packPart(float[] part, int off, int ld, int start, int end, int pc, int kc, int j0, int width, int block) {
            int from = Math.max(start, pc), to = Math.min(end, pc + kc);
            if (from < to) {
                Packing.packRowsB(part, off, ld, from - start, to - from, j0, width, data, block + (from - pc) * NR, kc);
            }
        }
    }

    // ------------------------------------------------------------------ entry points

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int offA, int lda, float[] b, int offB, int ldb,
              float beta, float[] c, int offC, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, offC, ldc);
            return;
        }
        if (m < MR) {
            gemv(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return;
        }
        Product p = product();
        try {
            p.set(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, null, beta, c, offC, ldc);
            partition(p);
        } finally {
            p.release();
        }
    }

    /**
     * {@code C1 = alpha op(A1) op(B) + beta C1} and {@code C2 = alpha op(A2) op(B) + beta C2}, with
     * each block of B packed once for both: a training step's {@code dW = Xᵀ·dG} and
     * {@code dU = H_prevᵀ·dG} share dG (B*T x G*H), whose packing is otherwise done twice, each
     * time from memory. Every element is computed exactly as {@link #gemm} computes it alone.
     * C1 and C2 must not overlap each other or B. The team splits the columns; with too few
     * column panels for that (where {@link #gemm} would split rows) it runs the two products
     * one after the other instead.
     */
    void gemmTwo(boolean transA, int m1, float[] a1, int offA1, int lda1, float[] c1, int offC1, int ldc1,
                 int m2, float[] a2, int offA2, int lda2, float[] c2, int offC2, int ldc2,
                 boolean transB, int n, int k, float alpha, float[] b, int offB, int ldb, float beta) {
        int panels = (n + NR - 1) / NR;
        int t = 2L * (m1 + m2) * n * k < PARALLEL_FLOPS ? 1 : threads.size();
        // The GEMV path (and the trivial cases) of either product, or products that partition
        // would cut by rows (a column cut would leave threads idle): each as gemm runs it alone.
        boolean apart = m1 < MR || m2 < MR || n == 0 || k == 0
                || t > 1 && panels < 2 * t && (panels < (m1 + MR - 1) / MR || panels < (m2 + MR - 1) / MR);
        if (apart) {
            gemm(transA, transB, m1, n, k, alpha, a1, offA1, lda1, b, offB, ldb, beta, c1, offC1, ldc1);
            gemm(transA, transB, m2, n, k, alpha, a2, offA2, lda2, b, offB, ldb, beta, c2, offC2, ldc2);
            return;
        }
        Product p = product();
        try {
            p.set(transA, transB, m1, n, k, alpha, a1, offA1, lda1, b, offB, ldb, null, beta, c1, offC1, ldc1);
            p.m2 = m2;
            p.a2 = a2;
            p.offA2 = offA2;
            p.lda2 = lda2;
            p.c2 = c2;
            p.offC2 = offC2;
            p.ldc2 = ldc2;
            p.cut(Product.TWO, panels, Math.min(panels, t));
            threads.run(p.chunks, p);
        } finally {
            p.release();
        }
    }

    /** Columns {@code [j0, j1)} of both products of {@link #gemmTwo}, each K block of B packed once for both. */
    private void twoColumns(Product p, int j0, int j1) {
        Scratch s = scratch.get();
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < p.k; pc += KC) {
                int kc = Math.min(KC, p.k - pc);
                float betaEff = pc == 0 ? p.beta : 1f;
                Packing.packB(p.transB, p.b, p.offB, p.ldb, pc, kc, jc, nc, s.b, s.bBase);
                rowBlocks(p.transA, p.a, p.offA, p.lda, 0, p.m, pc, kc, s, s.b, s.bBase, nc, p.c, p.offC + jc, p.ldc, p.alpha, betaEff);
                rowBlocks(p.transA, p.a2, p.offA2, p.lda2, 0, p.m2, pc, kc, s, s.b, s.bBase, nc, p.c2, p.offC2 + jc, p.ldc2, p.alpha, betaEff);
            }
        }
    }

    /**
     * Rows {@code [i0, i1)} of A's K block {@code pc}, {@link #MC} at a time (each packed into
     * {@code s.a}), times the {@code nc} columns of B's packed panels from {@code bp[bBase]}, into
     * C from {@code cOff} (row 0 of the block's first column).
     */
    private static void rowBlocks(boolean transA, float[] a, int offA, int lda, int i0, int i1, int pc, int kc, Scratch s,
                                  float[] bp, int bBase, int nc, float[] c, int cOff, int ldc, float alpha, float beta) {
        rowBlocks(transA, a, offA, lda, i0, i1, pc, kc, s, bp, bBase, nc, c, cOff, ldc, alpha, beta, MC);
    }

    /** {@link #rowBlocks} with row blocks of up to {@code blockRows} rows. */
    private static void rowBlocks(boolean transA, float[] a, int offA, int lda, int i0, int i1, int pc, int kc, Scratch s,
                                  float[] bp, int bBase, int nc, float[] c, int cOff, int ldc, float alpha, float beta,
                                  int blockRows) {
        for (int ic = i0; ic < i1; ic += blockRows) {
            int mc = Math.min(blockRows, i1 - ic);
            Packing.packA(transA, a, offA, lda, ic, mc, pc, kc, s.a);
            panels(kc, s.a, mc, bp, bBase, nc, c, cOff + ic * ldc, ldc, alpha, beta, s.edge);
        }
    }

    /** {@code C = alpha op(A) op(B) + beta C} with B already packed. */
    void gemm(boolean transA, int m, float alpha, float[] a, int offA, int lda, PackedB pb,
              float beta, float[] c, int offC, int ldc) {
        int n = pb.n, k = pb.k;
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, offC, ldc);
            return;
        }
        if (m < MR && pb.src != null) { // a stacked B has no single source: any row count takes the packed path
            gemv(transA, pb.transB, m, n, k, alpha, a, offA, lda, pb.src, pb.offB, pb.ldb, beta, c, offC, ldc);
            return;
        }
        Product p = product();
        try {
            p.set(transA, pb.transB, m, n, k, alpha, a, offA, lda, null, 0, 0, pb, beta, c, offC, ldc);
            partition(p);
        } finally {
            p.release();
        }
    }

    /**
     * {@code C = alpha A op(B) + beta C} with B packed (or only bound), on the calling thread
     * only: the fused recurrent kernels cut a step into row chunks themselves and run the product
     * and the pointwise pass of the same rows in one chunk. A packed B always takes the packed
     * path, however few rows a chunk has, so a row's result does not depend on the chunking.
     */
    void gemmSerial(int m, float alpha, float[] a, int offA, int lda, PackedB pb,
                    float beta, float[] c, int offC, int ldc) {
        int n = pb.n, k = pb.k;
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, offC, ldc);
        } else if (!pb.packed) {
            small(false, pb.transB, m, n, k, alpha, a, offA, lda, pb.src, pb.offB, pb.ldb, beta, c, offC, ldc);
        } else {
            blocked(false, pb.transB, 0, m, 0, n, k, alpha, a, offA, lda, null, 0, 0, pb, beta, c, offC, ldc);
        }
    }

    /**
     * Columns {@code [j0, j1)} of {@code C_q = alpha A B_q + beta C_q} for each packed {@code B_q}
     * of {@code bs[0, nb)} (all as deep as A is wide), on the calling thread, with {@code C_q}'s
     * column {@code j} at {@code offC + q * cStride + j}: A is packed once per K block for all of
     * them (the gate blocks of a recurrent step cut by units). {@code j0} is a multiple of
     * {@link #NR} (whole panels). Each element is computed as in the whole product of its B.
     */
    void gemmSerialColumns(int m, int j0, int j1, float alpha, float[] a, int offA, int lda, PackedB[] bs, int nb,
                           float beta, float[] c, int offC, int cStride, int ldc) {
        int k = bs[0].k;
        for (int q = 0; q < nb; q++) {
            PackedB pb = bs[q];
            if (!pb.packed || pb.k != k || j0 % NR != 0 || j0 < 0 || j1 > pb.n) {
                throw new IllegalArgumentException("columns [" + j0 + ", " + j1 + ") of packed B " + q + " (" + pb.k + " x " + pb.n
                        + (pb.packed ? "" : ", not packed") + "): need packed Bs of depth " + k + " and whole panels of " + NR);
            }
        }
        if (m == 0 || j1 <= j0) {
            return;
        }
        if (k == 0) {
            for (int q = 0; q < nb; q++) {
                scale(m, j1 - j0, beta, c, offC + q * cStride + j0, ldc);
            }
            return;
        }
        Scratch s = scratch.get();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaEff = pc == 0 ? beta : 1f;
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                Packing.packA(false, a, offA, lda, ic, mc, pc, kc, s.a);
                for (int q = 0; q < nb; q++) {
                    PackedB pb = bs[q];
                    panels(kc, s.a, mc, pb.data, pb.base + pc * pb.npad + (j0 / NR) * kc * NR, j1 - j0,
                            c, offC + q * cStride + ic * ldc + j0, ldc, alpha, betaEff, s.edge);
                }
            }
        }
    }

    /**
     * The unpacked path ({@code m < MR}) on the calling thread. A column range of B and C is just
     * an offset in row-major storage, and every output element is computed the same way whatever
     * range it is in (every column is the same fma chain over k whichever loop width covers it), so
     * callers may split n across threads without changing any result.
     */
    void gemvSerial(boolean transB, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                    float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, offC, ldc);
            return;
        }
        small(false, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /** Below this many flops a GEMV (fewer than {@link #MR} rows) stays on one thread. */
    static final long PARALLEL_GEMV_FLOPS = 1L << 18;

    /**
     * Fewer than {@link #MR} rows: the unpacked loops, with the output columns split across the
     * team when B is big enough (a GEMV is bound by reading B, and each core streams its own part
     * of it through its own L2). Chunks start at multiples of the widest loop's step, and a
     * column's result does not depend on its chunk, so any thread count gives the same bits.
     */
    private void gemv(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int offA, int lda, float[] b, int offB, int ldb,
                      float beta, float[] c, int offC, int ldc) {
        int t = 2L * m * n * k < PARALLEL_GEMV_FLOPS ? 1 : threads.size();
        int step = transB ? 4 : (VL >= 16 ? 16 : 8) * VL;
        int steps = (n + step - 1) / step;
        int chunks = Math.min(t, steps);
        if (chunks <= 1) {
            small(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return;
        }
        Product p = product();
        try {
            p.set(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, null, beta, c, offC, ldc);
            p.step = step;
            p.cut(Product.GEMV, steps, chunks);
            threads.run(chunks, p);
        } finally {
            p.release();
        }
    }

    // ------------------------------------------------------------------ partitioning

    /**
     * One product the team runs, as the team's task: its arguments and how its chunks cut it
     * (chunk {@code i} covers units {@code [units * i / chunks, units * (i + 1) / chunks)} of
     * column panels, row slivers or GEMV column steps). Each calling thread keeps one
     * ({@link #product}) and refills it per call, so a warm parallel call allocates nothing:
     * lambdas capturing the arguments cost 104 bytes per call on the calling thread, several
     * hundred bytes per training call of a layer on two threads.
     */
    private final class Product implements Threads.Task {
        static final int COLUMNS = 0, ROWS = 1, TWO = 2, GEMV = 3;
        int cut, units, chunks, step;
        boolean busy, transA, transB;
        int m, n, k, offA, lda, offB, ldb, offC, ldc;
        float alpha, beta;
        float[] a, b, c;
        PackedB pb;
        /** The second product of {@link #gemmTwo}: rows, A and C (B, n, k, alpha and beta are shared). */
        int m2, offA2, lda2, offC2, ldc2;
        float[] a2, c2;

        void set(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                 float[] b, int offB, int ldb, PackedB pb, float beta, float[] c, int offC, int ldc) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.offA = offA;
            this.lda = lda;
            this.b = b;
            this.offB = offB;
            this.ldb = ldb;
            this.pb = pb;
            this.beta = beta;
            this.c = c;
            this.offC = offC;
            this.ldc = ldc;
        }

        void cut(int cut, int units, int chunks) {
            this.cut = cut;
            this.units = units;
            this.chunks = chunks;
        }

        @Override
        public void run(int i) {
            int u0 = (int) ((long) units * i / chunks), u1 = (int) ((long) units * (i + 1) / chunks);
            switch (cut) {
                case COLUMNS -> blocked(transA, transB, 0, m, u0 * NR, Math.min(n, u1 * NR), k, alpha, a, offA, lda, b, offB, ldb,
                        pb, beta, c, offC, ldc);
                case ROWS -> blocked(transA, transB, u0 * MR, Math.min(m, u1 * MR), 0, n, k, alpha, a, offA, lda, b, offB, ldb,
                        pb, beta, c, offC, ldc);
                case TWO -> twoColumns(this, u0 * NR, Math.min(n, u1 * NR));
                default -> {
                    int j0 = u0 * step, j1 = Math.min(n, u1 * step);
                    if (j1 > j0) {
                        small(transA, transB, m, j1 - j0, k, alpha, a, offA, lda, b, transB ? offB + j0 * ldb : offB + j0, ldb,
                                beta, c, offC + j0, ldc);
                    }
                }
            }
        }

        /** Marks this free again and drops the references to the call's arrays. */
        void release() {
            busy = false;
            a = b = c = a2 = c2 = null;
            pb = null;
        }
    }

    private final ThreadLocal<Product> products = ThreadLocal.withInitial(() -> new Product());

    /**
     * This thread's {@link Product}, or a new one if it is in use: a product started from inside
     * one of another product's chunks on the same thread.
     */
    private Product product() {
        Product p = products.get();
        if (p.busy) {
            p = new Product();
        }
        p.busy = true;
        return p;
    }

    /**
     * Cuts C into chunks of whole column panels or of whole row slivers, one per thread. Every
     * chunk packs its own copy of the operand the cut does not split (all of A under a column
     * cut, all of B under a row cut), so more chunks mean more packing, and the cut goes across
     * the larger operand: rows when A has more rows than B has columns and there are enough
     * slivers, else columns (unless there are too few panels). Against always columns, on two
     * threads: 6400x1024x256 0.96-0.99x the time, 2048x512x512 0.93-0.98x, 6400x4096x512 and LSTM /
     * GRU layer steps unchanged (0.97-1.01x; two builds in one JVM, both orders, every
     * transpose). Four chunks per thread, meant to even out a thread slowed by a neighbour,
     * took 1.06-1.09x the time of one per thread for A·B on two threads and 1.3x for Aᵀ·B at
     * 1024³ (interleaved runs, Zen 5). A chunk's elements are computed exactly as they would be
     * in one piece, so neither the cut nor which thread runs a chunk changes any result.
     */
    private void partition(Product p) {
        long flops = 2L * p.m * p.n * p.k;
        int t = flops < PARALLEL_FLOPS ? 1 : threads.size();
        int panels = (p.n + NR - 1) / NR;
        int slivers = (p.m + MR - 1) / MR;
        if (t <= 1) {
            p.cut(Product.COLUMNS, panels, 1);
            p.run(0);
        } else if ((panels >= 2 * t || panels >= slivers) && !(p.m > p.n && slivers >= 2 * t)) {
            p.cut(Product.COLUMNS, panels, Math.min(panels, t));
            threads.run(p.chunks, p);
        } else {
            p.cut(Product.ROWS, slivers, Math.min(slivers, t));
            threads.run(p.chunks, p);
        }
    }

    // ------------------------------------------------------------------ packed path

    private void blocked(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float alpha,
                         float[] a, int offA, int lda, float[] b, int offB, int ldb, PackedB pb,
                         float beta, float[] c, int offC, int ldc) {
        Scratch s = scratch.get();
        if (pb != null) {
            // B packed ahead (a recurrent kernel): no column blocks, since nothing of B is packed
            // here, so each block of A is packed once for all the columns instead of once per NC
            // columns (the 64 x 1024 state of a 4096-wide LSTM step was packed four times per K
            // block). LSTM inference, one thread: 0.989-0.995x the time at 64x100x512x1024,
            // 0.991-0.994x at 256x50x256x512 (one workspace, switched per call, both orders).
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaEff = pc == 0 ? beta : 1f;
                int bBase = pb.base + pc * pb.npad + (j0 / NR) * kc * NR; // j0: a whole panel (partitions are panel-aligned)
                rowBlocks(transA, a, offA, lda, i0, i1, pc, kc, s, pb.data, bBase, j1 - j0, c, offC + j0, ldc, alpha, betaEff,
                        PACKED_MC);
            }
            return;
        }
        if (transB && TransposedProduct.takes(i1 - i0, j1 - j0, k)) {
            for (int i = i0; i < i1; i += NR) {
                TransposedProduct.compute(transA, i, Math.min(i1, i + NR), j0, j1, k, alpha, a, offA, lda, b, offB, ldb,
                        beta, c, offC, ldc, s);
            }
            return;
        }
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaEff = pc == 0 ? beta : 1f;
                if (!transB) {
                    // The first row block's first sliver of each panel packs it; with one row
                    // block (at most MC rows) each panel is used up before the next is packed, so
                    // all of them share one place in L2; with more, the block's panels are kept
                    // for the next row blocks. Against packing the KC x NC block first, for more
                    // than MC rows: 0.95-0.98x the time at 256x4096x2048 (B from memory) on one
                    // thread and 0.98-0.99x on two, 0.99-1.01x at 512³, 1024³ and 6400x1024x256
                    // (two builds in one JVM, both orders).
                    firstSliverBlocks(transA, a, offA, lda, i0, i1, pc, kc, s, b, offB + pc * ldb + jc, ldb, nc,
                            c, offC + jc, ldc, alpha, betaEff);
                    continue;
                }
                if (i1 - i0 <= FEW_ROWS) {
                    int mc = i1 - i0;
                    Packing.packA(transA, a, offA, lda, i0, mc, pc, kc, s.a);
                    // Pack a group of panels right before the slivers use it, so the packed
                    // panels are still in L2 instead of a whole block going through it.
                    for (int jg = 0; jg < nc; jg += GROUP * NR) {
                        int gw = Math.min(GROUP * NR, nc - jg);
                        Packing.packB(true, b, offB, ldb, pc, kc, jc + jg, gw, s.b, s.bBase);
                        panels(kc, s.a, mc, s.b, s.bBase, gw, c, offC + i0 * ldc + jc + jg, ldc, alpha, betaEff, s.edge);
                    }
                    continue;
                }
                Packing.packB(transB, b, offB, ldb, pc, kc, jc, nc, s.b, s.bBase);
                rowBlocks(transA, a, offA, lda, i0, i1, pc, kc, s, s.b, s.bBase, nc, c, offC + jc, ldc, alpha, betaEff);
            }
        }
    }

    /**
     * Like {@link #rowBlocks}, for a non-transposed B not packed yet ({@code kc} rows from
     * {@code b[bo]}, {@code nc} columns): the first row block packs each panel in its first
     * sliver ({@link #packingFirstSliver}), keeping the panels when more row blocks follow, and
     * {@link #rowBlocks} runs those on the kept panels. ({@link #gemmTwo} still packs each block
     * of B first: packing it in the first product's first slivers and keeping the panels for the
     * second took LSTM / GRU training steps 0.99-1.07x the time.)
     */
    private static void firstSliverBlocks(boolean transA, float[] a, int offA, int lda, int i0, int i1, int pc, int kc,
                                          Scratch s, float[] b, int bo, int ldb, int nc,
                                          float[] c, int cOff, int ldc, float alpha, float beta) {
        int mc = Math.min(MC, i1 - i0);
        Packing.packA(transA, a, offA, lda, i0, mc, pc, kc, s.a);
        packingFirstSliver(kc, s, mc, b, bo, ldb, nc, i1 - i0 > MC, c, cOff + i0 * ldc, ldc, alpha, beta);
        rowBlocks(transA, a, offA, lda, i0 + mc, i1, pc, kc, s, s.b, s.bBase, nc, c, cOff, ldc, alpha, beta);
    }

    /**
     * The macro-kernel: the {@code mc} rows of A packed in {@code ap} times {@code nc} columns of
     * B panels packed from {@code bp[bBase]}, into C from {@code cOff} (the block's first row and
     * column). Groups of {@link #PANEL_GROUP} panels outer, then slivers, then the group's panels:
     * a panel is read from L2 into L1 once per sliver, as with panels outer, while the group and
     * the packed A block stay in L2, and each sliver writes its rows of C as runs of
     * {@code PANEL_GROUP * NR} floats, which the L2's prefetcher follows, instead of 64-float
     * pieces in a new row every call, each a cold line to fetch before it is written. Two builds in
     * one JVM, one thread, both orders (Sapphire Rapids), against panels outer: 0.89-0.92x the
     * time at 6400x1024x256 and 12800x2048x256, whose C (26 and 105 MB) goes to memory, 0.88-0.95x
     * for A·Bᵀ at 6400x1024x256; 0.98-1.01x at 1024³ (all three), 256x4096x2048, 512³ and
     * 200x1024x512; pre-packed recurrent steps (64x1024x256, 64x4096x1024, 256x2048x512) within
     * 2% either way. Two panels per group took 1.06-1.08x the time of four, eight the same as
     * four, sixteen 0.95-0.97x at the large-C shapes but 1.30x at 1024³.
     */
    private static void panels(int kc, float[] ap, int mc, float[] bp, int bBase, int nc,
                               float[] c, int cOff, int ldc, float alpha, float beta, float[] edge) {
        for (int jg = 0; jg < nc; jg += PANEL_GROUP * NR) {
            int ge = Math.min(nc, jg + PANEL_GROUP * NR);
            for (int ir = 0; ir < mc; ir += MR) {
                int ao = (ir / MR) * kc * MR, co = cOff + ir * ldc, rows = Math.min(MR, mc - ir);
                for (int jr = jg; jr < ge; jr += NR) {
                    kernel(kc, ap, ao, bp, bBase + (jr / NR) * kc * NR, c, co + jr, ldc,
                            alpha, beta, rows, Math.min(NR, nc - jr), edge);
                }
            }
        }
    }

    /**
     * A non-transposed B's {@code kc} rows from {@code b[bo]}, {@code nc} columns, times the
     * {@code mc} rows of A packed in {@code s.a}, one NR-wide panel at a time. The first sliver
     * of each full panel reads it in place and packs it into {@code s.b} as it goes
     * ({@link #packingKernel}); the other slivers read the packed copy from L1/L2. Each panel is
     * packed at its place in the block if {@code keep} (for later row blocks), else at the start
     * of {@code s.b}. With few rows, packing B is a large share of the work (M = 64: skipping it
     * entirely took 0.71-0.84x the time), and a separate packing pass only moves data while the
     * FMA units wait; in the first sliver the loads overlap that sliver's FMAs. Against packing a
     * group of eight panels first: 0.90-0.97x the time for A·B and 0.94-0.99x for Aᵀ·B at
     * 64x1024x512 and 64x4096x2048, 0.84-0.93x at 16x1024x512, 0.98-1.02x at 100-128 rows (one
     * thread, two builds interleaved in one JVM, both orders). A ragged last panel is packed by
     * {@link Packing#packRowsB} before its slivers run.
     *
     * <p>Where {@link Alignment} knows B's rows to start at the same place in a cache line (a
     * large B, {@code ldb} a multiple of 16, a single row block whose panels are not kept, since
     * later row blocks read kept panels from column 0; at least two whole panels; NR a multiple
     * of 16 floats), the full panels start on a line
     * boundary, so each row's 256 bytes are four lines, not parts of five: the {@code lead}
     * columns before the first boundary and the {@code NR - lead} after the last full panel
     * share one gathered panel ({@link Packing#packGatheredB}). Which panel a column lands in
     * does not change its sums. B 16 bytes off a line against on it, in one JVM: 0.94-0.97x the
     * time at 64x4096x2048 and 32x4096x2048; the gathered panel, against panels from column 0:
     * 0.96-0.99x at 64x4096x2048, 32x4096x2048 and 16x4096x1024 on one thread (A·B and Aᵀ·B),
     * 0.92-1.01x on two, 0.99-1.00x with B in L3 (64x1024x512).
     */
    private static void packingFirstSliver(int kc, Scratch s, int mc, float[] b, int bo, int ldb, int nc, boolean keep,
                                           float[] c, int cOff, int ldc, float alpha, float beta) {
        int lead = keep || NR % Alignment.LINE != 0 || nc % NR != 0 || nc < 2 * NR || ldb % Alignment.LINE != 0
                ? 0 : Alignment.toLine(b, bo);
        int end = nc; // full panels run over [lead, end)
        if (lead > 0) {
            end = nc - (NR - lead);
            Packing.packGatheredB(b, bo, ldb, kc, lead, end, s.b, s.bBase);
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir), co = cOff + ir * ldc;
                kernel(kc, s.a, (ir / MR) * kc * MR, s.b, s.bBase, c, co, ldc, alpha, beta, rows, lead, s.edge);
                storeColumns(s.edge, lead, c, co + end, ldc, alpha, beta, rows, NR - lead);
            }
        }
        for (int jr = lead; jr < end; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int pb = s.bBase + (keep ? (jr / NR) * kc * NR : 0);
            if (w < NR) {
                Packing.packRowsB(b, bo, ldb, 0, kc, jr, w, s.b, pb);
                panels(kc, s.a, mc, s.b, pb, w, c, cOff + jr, ldc, alpha, beta, s.edge);
                continue;
            }
            packingKernel(kc, s.a, 0, b, bo + jr, ldb, s.b, pb, s.edge);
            storeTile(s.edge, c, cOff + jr, ldc, alpha, beta, Math.min(MR, mc), NR);
            for (int ir = MR; ir < mc; ir += MR) {
                kernel(kc, s.a, (ir / MR) * kc * MR, s.b, pb, c, cOff + ir * ldc + jr, ldc,
                        alpha, beta, Math.min(MR, mc - ir), NR, s.edge);
            }
        }
    }

    /**
     * The MR x NR register tile: 16 accumulators, 4 B vectors and one broadcast live per k step,
     * the sliver of A from {@code a[ao]}, the panel of B from {@code b[bo]}; the first
     * {@code rows x cols} of the tile combined into C at {@code c[co]}.
     */
    private static void kernel(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc,
                               float alpha, float beta, int rows, int cols, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, a[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            ao += MR;
            bo += NR;
        }
        if (rows == MR && cols == NR) {
            // Written out rather than through a helper: a call C2 declines to inline would box every accumulator.
            FloatVector va = FloatVector.broadcast(S, alpha);
            int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
            if (beta == 0f) {
                c00.mul(va).intoArray(c, co);
                c01.mul(va).intoArray(c, co + VL);
                c02.mul(va).intoArray(c, co + 2 * VL);
                c03.mul(va).intoArray(c, co + 3 * VL);
                c10.mul(va).intoArray(c, r1);
                c11.mul(va).intoArray(c, r1 + VL);
                c12.mul(va).intoArray(c, r1 + 2 * VL);
                c13.mul(va).intoArray(c, r1 + 3 * VL);
                c20.mul(va).intoArray(c, r2);
                c21.mul(va).intoArray(c, r2 + VL);
                c22.mul(va).intoArray(c, r2 + 2 * VL);
                c23.mul(va).intoArray(c, r2 + 3 * VL);
                c30.mul(va).intoArray(c, r3);
                c31.mul(va).intoArray(c, r3 + VL);
                c32.mul(va).intoArray(c, r3 + 2 * VL);
                c33.mul(va).intoArray(c, r3 + 3 * VL);
            } else {
                FloatVector vb = FloatVector.broadcast(S, beta);
                c00.fma(va, FloatVector.fromArray(S, c, co).mul(vb)).intoArray(c, co);
                c01.fma(va, FloatVector.fromArray(S, c, co + VL).mul(vb)).intoArray(c, co + VL);
                c02.fma(va, FloatVector.fromArray(S, c, co + 2 * VL).mul(vb)).intoArray(c, co + 2 * VL);
                c03.fma(va, FloatVector.fromArray(S, c, co + 3 * VL).mul(vb)).intoArray(c, co + 3 * VL);
                c10.fma(va, FloatVector.fromArray(S, c, r1).mul(vb)).intoArray(c, r1);
                c11.fma(va, FloatVector.fromArray(S, c, r1 + VL).mul(vb)).intoArray(c, r1 + VL);
                c12.fma(va, FloatVector.fromArray(S, c, r1 + 2 * VL).mul(vb)).intoArray(c, r1 + 2 * VL);
                c13.fma(va, FloatVector.fromArray(S, c, r1 + 3 * VL).mul(vb)).intoArray(c, r1 + 3 * VL);
                c20.fma(va, FloatVector.fromArray(S, c, r2).mul(vb)).intoArray(c, r2);
                c21.fma(va, FloatVector.fromArray(S, c, r2 + VL).mul(vb)).intoArray(c, r2 + VL);
                c22.fma(va, FloatVector.fromArray(S, c, r2 + 2 * VL).mul(vb)).intoArray(c, r2 + 2 * VL);
                c23.fma(va, FloatVector.fromArray(S, c, r2 + 3 * VL).mul(vb)).intoArray(c, r2 + 3 * VL);
                c30.fma(va, FloatVector.fromArray(S, c, r3).mul(vb)).intoArray(c, r3);
                c31.fma(va, FloatVector.fromArray(S, c, r3 + VL).mul(vb)).intoArray(c, r3 + VL);
                c32.fma(va, FloatVector.fromArray(S, c, r3 + 2 * VL).mul(vb)).intoArray(c, r3 + 2 * VL);
                c33.fma(va, FloatVector.fromArray(S, c, r3 + 3 * VL).mul(vb)).intoArray(c, r3 + 3 * VL);
            }
            return;
        }
        c00.intoArray(edge, 0);
        c01.intoArray(edge, VL);
        c02.intoArray(edge, 2 * VL);
        c03.intoArray(edge, 3 * VL);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + VL);
        c12.intoArray(edge, NR + 2 * VL);
        c13.intoArray(edge, NR + 3 * VL);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + VL);
        c22.intoArray(edge, 2 * NR + 2 * VL);
        c23.intoArray(edge, 2 * NR + 3 * VL);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + VL);
        c32.intoArray(edge, 3 * NR + 2 * VL);
        c33.intoArray(edge, 3 * NR + 3 * VL);
        storeTile(edge, c, co, ldc, alpha, beta, rows, cols);
    }

    /**
     * The kernel of the first sliver of a panel that is not packed yet (a full NR-wide panel of
     * a non-transposed B, {@link #packingFirstSliver}): each k step's four B vectors are loaded from
     * row-major {@code src[so + p * ldb]}, stored to the panel at {@code b[bo]} for the slivers
     * after this one, and used as they are, so the loads overlap this sliver's FMAs. The sums go
     * to {@code acc} ({@link #storeTile} combines them into C), exactly as {@link #kernel} forms
     * them. A separate method, not a loop-invariant test inside {@link #kernel} as it was: once
     * the packing branch had run in a JVM, C2 compiled the one kernel with both branches, and
     * every product got slower, not only the packing ones (a JVM that never took the branch
     * compiled it away). Two builds in one JVM that runs both kinds, against the single kernel:
     * 0.82-0.83x the time at 64x1024x512, 0.83-0.88x at 64x4096x2048, 0.86-0.89x at
     * 128x1024x1024, 1024³ and 6400x1024x256; in a JVM of large products only, 0.98-1.02x (one
     * thread, both orders). Single-build launches that first ran few-row products: 1024³ at
     * 182-192 GFLOP/s against 160-184 (three launches each); the loss depends on the JIT's history.
     */
    private static void packingKernel(int kc, float[] a, int ao, float[] src, int so, int ldb, float[] b, int bo, float[] acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, src, so);
            FloatVector b1 = FloatVector.fromArray(S, src, so + VL);
            FloatVector b2 = FloatVector.fromArray(S, src, so + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, src, so + 3 * VL);
            b0.intoArray(b, bo);
            b1.intoArray(b, bo + VL);
            b2.intoArray(b, bo + 2 * VL);
            b3.intoArray(b, bo + 3 * VL);
            so += ldb;
            FloatVector x = FloatVector.broadcast(S, a[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            ao += MR;
            bo += NR;
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, VL);
        c02.intoArray(acc, 2 * VL);
        c03.intoArray(acc, 3 * VL);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + VL);
        c12.intoArray(acc, NR + 2 * VL);
        c13.intoArray(acc, NR + 3 * VL);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + VL);
        c22.intoArray(acc, 2 * NR + 2 * VL);
        c23.intoArray(acc, 2 * NR + 3 * VL);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + VL);
        c32.intoArray(acc, 3 * NR + 2 * VL);
        c33.intoArray(acc, 3 * NR + 3 * VL);
    }

    /**
     * The first {@code rows x cols} of an MR x NR tile of sums, row-major in {@code acc},
     * combined into C at {@code c[co]} with the rounding of {@link #kernel}'s vector stores.
     */
    private static void storeTile(float[] acc, float[] c, int co, int ldc, float alpha, float beta, int rows, int cols) {
        if (rows == MR && cols == NR) {
            // Two loops, not a vector chosen at a branch: C2 boxes vectors merged at a branch.
            FloatVector va = FloatVector.broadcast(S, alpha);
            if (beta == 0f) {
                for (int r = 0; r < MR; r++) {
                    for (int v = 0; v < NR; v += VL) {
                        FloatVector.fromArray(S, acc, r * NR + v).mul(va).intoArray(c, co + r * ldc + v);
                    }
                }
                return;
            }
            FloatVector vb = FloatVector.broadcast(S, beta);
            for (int r = 0; r < MR; r++) {
                for (int v = 0; v < NR; v += VL) {
                    int o = co + r * ldc + v;
                    FloatVector.fromArray(S, acc, r * NR + v).fma(va, FloatVector.fromArray(S, c, o).mul(vb)).intoArray(c, o);
                }
            }
            return;
        }
        storeColumns(acc, 0, c, co, ldc, alpha, beta, rows, cols);
    }

    /** Columns {@code [from, from + cols)} of a tile in {@code acc} combined into C at {@code c[co]}, as {@link #storeTile} does. */
    private static void storeColumns(float[] acc, int from, float[] c, int co, int ldc, float alpha, float beta, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int ci = co + r * ldc, ai = r * NR + from;
            for (int j = 0; j < cols; j++) {
                c[ci + j] = combine(acc[ai + j], alpha, beta, c[ci + j]);
            }
        }
    }

    /** {@code alpha * acc + beta * c} with the rounding of the vector stores: C is not read when beta is 0. */
    static float combine(float acc, float alpha, float beta, float c) {
        return beta == 0f ? acc * alpha : Math.fma(acc, alpha, c * beta);
    }

    private static void scale(int m, int n, float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = offC + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, ci, ci + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    c[ci + j] *= beta;
                }
            }
        }
    }

    // ------------------------------------------------------------------ unpacked path, m < MR

    private void small(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       float[] a, int offA, int lda, float[] b, int offB, int ldb,
                       float beta, float[] c, int offC, int ldc) {
        int lead = transB ? Gemv.lineLead(n, k, b, offB, ldb) : 0;
        for (int i = 0; i < m; i++) {
            int ci = offC + i * ldc;
            if (!transB) {
                int aStart = transA ? offA + i : offA + i * lda;
                int aStep = transA ? lda : 1;
                Gemv.rowTimesMatrix(n, k, alpha, a, aStart, aStep, b, offB, ldb, beta, c, ci);
            } else {
                Scratch s = scratch.get();
                int aStart = transA ? offA + i : offA + i * lda, aStep = transA ? lda : 1;
                if (lead > 0) {
                    float[] row = s.row(Gemv.linesRowLength(k));
                    Gemv.layLinesRow(a, aStart, aStep, k, lead, row);
                    Gemv.rowTimesTransposedFromLines(n, k, alpha, row, lead, b, offB, ldb, beta, c, ci, s.edge);
                    continue;
                }
                float[] row = s.row(k);
                for (int p = 0; p < k; p++) {
                    row[p] = a[aStart + p * aStep];
                }
                Gemv.rowTimesTransposed(n, k, alpha, row, b, offB, ldb, beta, c, ci, s.edge);
            }
        }
    }
}
