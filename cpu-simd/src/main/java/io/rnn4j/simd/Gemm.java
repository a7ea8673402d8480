package io.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
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
 * <p>Fewer than {@link #MR} rows (batch-1 inference, the GEMV case) take an unpacked path:
 * packing would cost more than the product itself.
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
    static final int NC = 16 * NR;
    /**
     * Panels of a transposed B packed together on the few-rows path ({@code 2 * KC * NR} floats,
     * 256 KiB at 16 lanes, in L2 while its slivers run). Two against the eight used before (1 MiB,
     * the whole L2 of this Zen 5): 0.93-0.96x the time at 64x1024x512, 0.96-0.98x at 64x4096x2048,
     * 0.95-0.96x at 16x1024x512, and 0.98-1.005x at 128x1024x512 (one thread, interleaved in one
     * JVM, both orders; the M = 64 shapes have since gone to {@link #transposedProduct}).
     */
    static final int GROUP = 2;
    /**
     * Products with at most this many rows and a transposed B (not pre-packed) pack B in groups
     * of {@link #GROUP} panels right before their slivers use them, instead of a whole
     * {@code KC x NC} block first, unless {@link #transposedProduct} takes them. (A
     * non-transposed B is packed by the first sliver of each panel whatever the row count,
     * {@link #packingFirstSliver}.)
     */
    static final int FEW_ROWS = 128;
    /** Rows of a transposed B per tile of {@link #transposedProduct}: the height of a 16 x 16 transpose. */
    static final int TILE_ROWS = 4 * MR;
    /** Floats of op(A) packed per K span of {@link #transposedProduct} (512 KiB, half this Zen 5's L2). */
    static final int SPAN = 1 << 17;
    /**
     * Floats of a transposed B (8 MiB; of a thread's columns of it when the team cuts columns)
     * from which {@link #takesTransposedProduct} also accepts two to four panels of rows.
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
        final float[] a = new float[Math.max(MC, FEW_ROWS) * KC];
        final float[] b = new float[KC * Math.max(NC, GROUP * NR)];
        final float[] edge = new float[MR * NR];
        /** {@link #transposedProduct}'s tiles of Cᵀ, one per stream ({@code TILE_ROWS x NR}), and a spare row. */
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
     * block starting at {@code pc}, panel {@code q} starts at {@code pc * npad + q * kc * NR}.
     */
    static final class PackedB {
        final boolean transB;
        final int k;
        final int n;
        final int npad;
        final float[] data;
        float[] src;
        int offB;
        int ldb;
        /** False after {@link #bind}: only the source is known. */
        boolean packed;

        PackedB(boolean transB, int k, int n) {
            this.transB = transB;
            this.k = k;
            this.n = n;
            this.npad = (n + NR - 1) / NR * NR;
            this.data = new float[Math.max(1, k * npad)];
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
            this.src = b;
            this.offB = offB;
            this.ldb = ldb;
            this.packed = true;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, offB, ldb, pc, kc, 0, n, data, pc * npad);
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
                packB(p.transB, p.b, p.offB, p.ldb, pc, kc, jc, nc, s.b, 0);
                rowBlocks(p.transA, p.a, p.offA, p.lda, 0, p.m, pc, kc, s, s.b, 0, nc, p.c, p.offC + jc, p.ldc, p.alpha, betaEff);
                rowBlocks(p.transA, p.a2, p.offA2, p.lda2, 0, p.m2, pc, kc, s, s.b, 0, nc, p.c2, p.offC2 + jc, p.ldc2, p.alpha, betaEff);
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
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            packA(transA, a, offA, lda, ic, mc, pc, kc, s.a);
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
        if (m < MR) {
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
                packA(false, a, offA, lda, ic, mc, pc, kc, s.a);
                for (int q = 0; q < nb; q++) {
                    PackedB pb = bs[q];
                    panels(kc, s.a, mc, pb.data, pc * pb.npad + (j0 / NR) * kc * NR, j1 - j0,
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
                int bBase = pc * pb.npad + (j0 / NR) * kc * NR; // j0: a whole panel (partitions are panel-aligned)
                rowBlocks(transA, a, offA, lda, i0, i1, pc, kc, s, pb.data, bBase, j1 - j0, c, offC + j0, ldc, alpha, betaEff);
            }
            return;
        }
        if (transB && takesTransposedProduct(i1 - i0, j1 - j0, k)) {
            for (int i = i0; i < i1; i += NR) {
                transposedProduct(transA, i, Math.min(i1, i + NR), j0, j1, k, alpha, a, offA, lda, b, offB, ldb,
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
                    packA(transA, a, offA, lda, i0, mc, pc, kc, s.a);
                    // Pack a group of panels right before the slivers use it, so the packed
                    // panels are still in L2 instead of a whole block going through it.
                    for (int jg = 0; jg < nc; jg += GROUP * NR) {
                        int gw = Math.min(GROUP * NR, nc - jg);
                        packB(true, b, offB, ldb, pc, kc, jc + jg, gw, s.b, 0);
                        panels(kc, s.a, mc, s.b, 0, gw, c, offC + i0 * ldc + jc + jg, ldc, alpha, betaEff, s.edge);
                    }
                    continue;
                }
                packB(transB, b, offB, ldb, pc, kc, jc, nc, s.b, 0);
                rowBlocks(transA, a, offA, lda, i0, i1, pc, kc, s, s.b, 0, nc, c, offC + jc, ldc, alpha, betaEff);
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
        packA(transA, a, offA, lda, i0, mc, pc, kc, s.a);
        packingFirstSliver(kc, s, mc, b, bo, ldb, nc, i1 - i0 > MC, c, cOff + i0 * ldc, ldc, alpha, beta);
        rowBlocks(transA, a, offA, lda, i0 + mc, i1, pc, kc, s, s.b, 0, nc, c, cOff, ldc, alpha, beta);
    }

    /**
     * Whether {@link #transposedProduct} takes {@code rows} rows times a transposed B of
     * {@code cols x k} (a thread's part of the product): 16-lane vectors (for the 16 x 16
     * transposes), and either half a panel of op(A) with fewer than an eighth of its lanes idle
     * (29-32 rows, {@link #rowsKernel8}), or 64-row panels whose last one has fewer than an eighth
     * idle (57-64, 121-128, 185-192 or 249-256 rows): one panel, or, when this part of B has at
     * least {@link #BIG_B} floats, up to four, since each panel streams all of B. Half a panel,
     * against the packed path: 0.79-0.80x the time at 32x1024x512, 0.66-0.69x at 32x4096x2048,
     * 0.89-0.90x at 30x1024x512. Against the packed path
     * (two builds in one JVM, both orders, one thread): 48 rows (a quarter idle) 1.09x the time;
     * two panels with a 2 MiB B 1.00-1.24x; 65-256 rows 0.85-0.88x at 128x4096x1024,
     * 128x4096x2048 and 128x1024x4096, 0.88-0.90x at 192x2048x2048, 0.93-0.95x at 256x4096x2048
     * and 256x1024x2048, but 0.98-1.02x with a 4 MiB B at 256x1024x1024 and 1.05-1.06x at
     * 256x2048x512; 384-1024 rows 0.96-1.02x. On two threads (medians of three pairs, noisy):
     * 0.89x at 128x4096x2048, 0.98x at 256x4096x2048, 1.02x at 256x1024x2048.
     */
    private static boolean takesTransposedProduct(int rows, int cols, int k) {
        if (VL == 16 && rows <= NR / 2) {
            return 8 * rows > 7 * NR / 2; // half a panel, rowsKernel8
        }
        int last = rows % NR;
        return VL == 16 && (last == 0 || 8 * last > 7 * NR)
                && (rows <= NR || rows <= 4 * NR && (long) cols * k >= BIG_B);
    }

    /**
     * Up to NR rows (one panel) times a transposed B, computed as {@code Cᵀ = B·op(A)ᵀ}: op(A)'s
     * rows packed as one NR-wide panel, B's rows broadcast in place four at a time
     * ({@link #rowsKernel}; eight at a time against two vectors of op(A) for up to half a panel,
     * {@link #rowsKernel8}), so B is never packed or transposed (packing it, transposed, was a
     * quarter of the time at 64x1024x512). The four rows of a kernel call come from the four
     * quarters of B's rows (all but the last 0-63), so B is read as four ascending streams, each
     * row right after the last, as the batch-1 GEMV reads it. A tile of Cᵀ per stream, 16 rows
     * of B by the NR rows of A, is summed over the K blocks of a span whose packed op(A) fits in
     * half the L2, in {@code s.acc}, exactly as the packed path combines each K block into C;
     * then it is written to C, transposed in 16 x 16 blocks ({@link #transposeTile}): once, or
     * once per span when K is longer than a span. C is read only where the packed path reads it,
     * so the results are the same bits. Against packing B in groups of two panels (two builds in
     * one JVM, both orders, one thread): 0.84-0.88x the time at 64x1024x512, 0.75-0.77x at
     * 64x4096x2048, 0.79-0.82x at 64x8192x512, 0.97-1.08x at 60x1024x512. Four consecutive rows
     * per call instead of one from each quarter: 0.88-0.90x, 0.79-0.81x, about 0.95x.
     */
    private static void transposedProduct(boolean transA, int i0, int i1, int j0, int j1, int k, float alpha,
                                          float[] a, int offA, int lda, float[] b, int offB, int ldb,
                                          float beta, float[] c, int offC, int ldc, Scratch s) {
        int mc = i1 - i0;
        int span = Math.max(1, SPAN / (NR * KC)) * KC;
        float[] at = s.b; // B is not packed here: its buffer holds a span of op(A)
        // Up to half a panel of rows: eight rows of B per kernel call, two vectors of op(A).
        boolean narrow = mc <= NR / 2;
        int calls = narrow ? 2 * MR : MR, each = calls / MR; // rows of B per call, per stream
        // The rows of B in whole groups of 16, four groups at a time, go through four streams;
        // the rest (fewer than 64 rows) a tile of 16 at a time, neighbouring rows in each call.
        int per = (j1 - j0) / (MR * TILE_ROWS); // groups per stream
        int streamed = j0 + MR * per * TILE_ROWS;
        int tile = TILE_ROWS * NR, spare = MR * tile; // spare: a row of s.acc for the sums of a repeated row
        int co = offC + i0 * ldc;
        int[] rowAt = s.rowAt, sumAt = s.sumAt;
        for (int ps = 0; ps < k; ps += span) {
            int pe = Math.min(k, ps + span);
            for (int pc = ps; pc < pe; pc += KC) {
                packB(!transA, a, offA, lda, pc, Math.min(KC, pe - pc), i0, mc, at, (pc - ps) * NR);
            }
            boolean fromC = ps > 0 || beta != 0f;
            for (int t = 0; t < per; t++) {
                // Stream q takes group q * per + t: the rows of a kernel call come from the four
                // quarters of these rows, and each quarter is read in one ascending run.
                for (int q = 0; q < MR && fromC; q++) {
                    transposeTile(c, co + j0 + (q * per + t) * TILE_ROWS, ldc, s.acc, q * tile, NR, mc, TILE_ROWS);
                }
                for (int r = 0; r < TILE_ROWS; r += each) {
                    for (int x = 0; x < calls; x++) {
                        int q = x / each, h = r + x % each;
                        rowAt[x] = offB + (j0 + (q * per + t) * TILE_ROWS + h) * ldb;
                        sumAt[x] = q * tile + h * NR;
                    }
                    overSpan(ps, pe, beta, fromC, narrow, b, rowAt, at, alpha, s.acc, sumAt, s.edge);
                }
                for (int q = 0; q < MR; q++) {
                    transposeTile(s.acc, q * tile, NR, c, co + j0 + (q * per + t) * TILE_ROWS, ldc, TILE_ROWS, mc);
                }
            }
            for (int jt = streamed; jt < j1; jt += TILE_ROWS) {
                int rows = Math.min(TILE_ROWS, j1 - jt);
                if (fromC) {
                    transposeTile(c, co + jt, ldc, s.acc, 0, NR, mc, rows);
                }
                for (int r = 0; r < rows; r += calls) {
                    for (int x = 0; x < calls; x++) {
                        // A missing row repeats the first, its sums going to the spare row.
                        boolean real = r + x < rows;
                        rowAt[x] = offB + (jt + (real ? r + x : r)) * ldb;
                        sumAt[x] = real ? (r + x) * NR : spare;
                    }
                    overSpan(ps, pe, beta, fromC, narrow, b, rowAt, at, alpha, s.acc, sumAt, s.edge);
                }
                transposeTile(s.acc, 0, NR, c, co + jt, ldc, rows, mc);
            }
        }
    }

    /**
     * The rows of B at {@code b[rowAt[x]]} (four, or eight if {@code narrow}) times the packed
     * op(A) over the K blocks of the span {@code [ps, pe)}, each block's sums combined into the
     * rows {@code acc[sumAt[x]]} as the packed path combines them into C ({@link #combineRows}).
     */
    private static void overSpan(int ps, int pe, float beta, boolean fromC, boolean narrow, float[] b, int[] rowAt,
                                 float[] at, float alpha, float[] acc, int[] sumAt, float[] sums) {
        for (int pc = ps; pc < pe; pc += KC) {
            int kc = Math.min(KC, pe - pc), ao = (pc - ps) * NR;
            if (narrow) {
                rowsKernel8(kc, b, rowAt, pc, at, ao, sums);
            } else {
                // The four offsets as arguments, not read from rowAt inside the kernel as
                // rowsKernel8 does: that took 1.02-1.07x the time at M = 64 (both orders).
                rowsKernel(kc, b, rowAt[0] + pc, rowAt[1] + pc, rowAt[2] + pc, rowAt[3] + pc, at, ao, sums);
            }
            combineRows(sums, narrow ? 2 * MR : MR, narrow ? NR / 2 : NR, acc, sumAt, alpha, pc == 0 ? beta : 1f,
                    pc == ps && !fromC);
        }
    }

    /**
     * {@code rows} rows of {@code width} sums, row r at {@code sums[r * width]}, combined into
     * {@code acc[sumAt[r]]}: {@code alpha * sum} if {@code first}, else
     * {@code alpha * sum + beta * acc}, with {@link #combine}'s rounding.
     */
    private static void combineRows(float[] sums, int rows, int width, float[] acc, int[] sumAt, float alpha, float beta,
                                    boolean first) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (first) {
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < width; v += VL) {
                    FloatVector.fromArray(S, sums, r * width + v).mul(va).intoArray(acc, sumAt[r] + v);
                }
            }
            return;
        }
        FloatVector vb = FloatVector.broadcast(S, beta);
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < width; v += VL) {
                int o = sumAt[r] + v;
                FloatVector sum = FloatVector.fromArray(S, sums, r * width + v);
                sum.fma(va, FloatVector.fromArray(S, acc, o).mul(vb)).intoArray(acc, o);
            }
        }
    }

    /**
     * An MR x NR tile of {@code Cᵀ}: four rows of a transposed B read in place from
     * {@code b[b0..b3]} (broadcast) times an NR-wide panel of op(A)ᵀ from {@code a[ao]}; row r's
     * sums to {@code sums[r * NR]}.
     */
    private static void rowsKernel(int kc, float[] b, int b0, int b1, int b2, int b3, float[] a, int ao, float[] sums) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromArray(S, a, ao);
            FloatVector a1 = FloatVector.fromArray(S, a, ao + VL);
            FloatVector a2 = FloatVector.fromArray(S, a, ao + 2 * VL);
            FloatVector a3 = FloatVector.fromArray(S, a, ao + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, b[b0 + p]);
            c00 = x.fma(a0, c00);
            c01 = x.fma(a1, c01);
            c02 = x.fma(a2, c02);
            c03 = x.fma(a3, c03);
            x = FloatVector.broadcast(S, b[b1 + p]);
            c10 = x.fma(a0, c10);
            c11 = x.fma(a1, c11);
            c12 = x.fma(a2, c12);
            c13 = x.fma(a3, c13);
            x = FloatVector.broadcast(S, b[b2 + p]);
            c20 = x.fma(a0, c20);
            c21 = x.fma(a1, c21);
            c22 = x.fma(a2, c22);
            c23 = x.fma(a3, c23);
            x = FloatVector.broadcast(S, b[b3 + p]);
            c30 = x.fma(a0, c30);
            c31 = x.fma(a1, c31);
            c32 = x.fma(a2, c32);
            c33 = x.fma(a3, c33);
            ao += NR;
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, VL);
        c02.intoArray(sums, 2 * VL);
        c03.intoArray(sums, 3 * VL);
        c10.intoArray(sums, NR);
        c11.intoArray(sums, NR + VL);
        c12.intoArray(sums, NR + 2 * VL);
        c13.intoArray(sums, NR + 3 * VL);
        c20.intoArray(sums, 2 * NR);
        c21.intoArray(sums, 2 * NR + VL);
        c22.intoArray(sums, 2 * NR + 2 * VL);
        c23.intoArray(sums, 2 * NR + 3 * VL);
        c30.intoArray(sums, 3 * NR);
        c31.intoArray(sums, 3 * NR + VL);
        c32.intoArray(sums, 3 * NR + 2 * VL);
        c33.intoArray(sums, 3 * NR + 3 * VL);
    }

    /**
     * Eight rows of a transposed B ({@code b[rowAt[r] + pc + p]}, broadcast) times two vectors of
     * op(A)ᵀ per k from {@code a[ao]} (the first half of an NR-wide panel: up to NR / 2 rows of
     * A), sixteen accumulators as in {@link #rowsKernel}; row r's sums to {@code sums[r * NR / 2]}.
     */
    private static void rowsKernel8(int kc, float[] b, int[] rowAt, int pc, float[] a, int ao, float[] sums) {
        int b0 = rowAt[0] + pc;
        int b1 = rowAt[1] + pc;
        int b2 = rowAt[2] + pc;
        int b3 = rowAt[3] + pc;
        int b4 = rowAt[4] + pc;
        int b5 = rowAt[5] + pc;
        int b6 = rowAt[6] + pc;
        int b7 = rowAt[7] + pc;
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector a0 = FloatVector.fromArray(S, a, ao);
            FloatVector a1 = FloatVector.fromArray(S, a, ao + VL);
            FloatVector x = FloatVector.broadcast(S, b[b0 + p]);
            c00 = x.fma(a0, c00);
            c01 = x.fma(a1, c01);
            x = FloatVector.broadcast(S, b[b1 + p]);
            c10 = x.fma(a0, c10);
            c11 = x.fma(a1, c11);
            x = FloatVector.broadcast(S, b[b2 + p]);
            c20 = x.fma(a0, c20);
            c21 = x.fma(a1, c21);
            x = FloatVector.broadcast(S, b[b3 + p]);
            c30 = x.fma(a0, c30);
            c31 = x.fma(a1, c31);
            x = FloatVector.broadcast(S, b[b4 + p]);
            c40 = x.fma(a0, c40);
            c41 = x.fma(a1, c41);
            x = FloatVector.broadcast(S, b[b5 + p]);
            c50 = x.fma(a0, c50);
            c51 = x.fma(a1, c51);
            x = FloatVector.broadcast(S, b[b6 + p]);
            c60 = x.fma(a0, c60);
            c61 = x.fma(a1, c61);
            x = FloatVector.broadcast(S, b[b7 + p]);
            c70 = x.fma(a0, c70);
            c71 = x.fma(a1, c71);
            ao += NR;
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, VL);
        c10.intoArray(sums, 2 * VL);
        c11.intoArray(sums, 3 * VL);
        c20.intoArray(sums, 4 * VL);
        c21.intoArray(sums, 5 * VL);
        c30.intoArray(sums, 6 * VL);
        c31.intoArray(sums, 7 * VL);
        c40.intoArray(sums, 8 * VL);
        c41.intoArray(sums, 9 * VL);
        c50.intoArray(sums, 10 * VL);
        c51.intoArray(sums, 11 * VL);
        c60.intoArray(sums, 12 * VL);
        c61.intoArray(sums, 13 * VL);
        c70.intoArray(sums, 14 * VL);
        c71.intoArray(sums, 15 * VL);
    }


    /**
     * Copies the {@code rows x cols} block at {@code src[so]} (rows {@code lds} apart) transposed
     * to {@code dst[dOff]} (rows {@code ldd} apart): 16 x 16 blocks in registers, the edges one
     * value at a time.
     */
    private static void transposeTile(float[] src, int so, int lds, float[] dst, int dOff, int ldd, int rows, int cols) {
        int r16 = VL == 16 ? rows - rows % 16 : 0, c16 = VL == 16 ? cols - cols % 16 : 0;
        for (int r = 0; r < r16; r += 16) {
            for (int q = 0; q < c16; q += 16) {
                transpose16(src, so + r * lds + q, lds, dst, dOff + q * ldd + r, ldd);
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int q = r < r16 ? c16 : 0; q < cols; q++) {
                dst[dOff + q * ldd + r] = src[so + r * lds + q];
            }
        }
    }

    /**
     * The macro-kernel: the {@code mc} rows of A packed in {@code ap} times {@code nc} columns of
     * B panels packed from {@code bp[bBase]}, into C from {@code cOff} (the block's first row and
     * column). Panels outer, slivers inner: a panel is read from L2 into L1 once per sliver while
     * the packed A block stays in L2.
     */
    private static void panels(int kc, float[] ap, int mc, float[] bp, int bBase, int nc,
                               float[] c, int cOff, int ldc, float alpha, float beta, float[] edge) {
        for (int jr = 0; jr < nc; jr += NR) {
            int bo = bBase + (jr / NR) * kc * NR;
            int cols = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                kernel(kc, ap, (ir / MR) * kc * MR, bp, bo, c, cOff + ir * ldc + jr, ldc,
                        alpha, beta, Math.min(MR, mc - ir), cols, edge);
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
     * {@link #packRowsB} before its slivers run.
     */
    private static void packingFirstSliver(int kc, Scratch s, int mc, float[] b, int bo, int ldb, int nc, boolean keep,
                                           float[] c, int cOff, int ldc, float alpha, float beta) {
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int pb = keep ? (jr / NR) * kc * NR : 0;
            if (w < NR) {
                packRowsB(b, bo, ldb, 0, kc, jr, w, s.b, pb);
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

    /** Packs {@code op(B)[pc:pc+kc, jc:jc+nc]} as NR-wide k-major panels, zero-padded to NR. */
    static void packB(boolean transB, float[] b, int offB, int ldb, int pc, int kc, int jc, int nc,
                      float[] dst, int dstOff) {
        if (!transB) {
            packRowsB(b, offB, ldb, pc, kc, jc, nc, dst, dstOff);
            return;
        }
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int base = dstOff + (jr / NR) * kc * NR;
            packTransposedPanel(b, offB + (jc + jr) * ldb + pc, ldb, kc, w, dst, base);
        }
    }

    /**
     * Non-transposed B into panels. A full panel row is four vector copies: System.arraycopy's
     * per-call cost on 256 bytes made M=64, K=2048 products 1.08-1.14x slower (interleaved, Zen 5).
     * The copies are written out in this loop, not in a helper: a vector passed to a call C2 did
     * not inline is boxed. (The boxing of these copies seen before came from a second float
     * vector shape elsewhere in the backend, see {@code SimdRnnRun.D}.)
     */
    private static void packRowsB(float[] b, int offB, int ldb, int pc, int kc, int jc, int nc, float[] dst, int dstOff) {
        // Row by row, each source row segment read once from start to end and dealt out to
        // the panels: one sequential stream per row for the prefetcher. Panel by panel (256 B
        // from each of kc rows, then back to the first row) left M=64, K=2048 products
        // waiting on B: 0.80x OpenBLAS instead of 0.99x (one interleaved run, Zen 5). That was a
        // separate pass; a plain product now does read B panel by panel, but inside the first
        // sliver's k loop, where the loads overlap FMAs ({@link #packingFirstSliver}).
        for (int p = 0; p < kc; p++) {
            int src = offB + (pc + p) * ldb + jc;
            for (int jr = 0; jr < nc; jr += NR) {
                int w = Math.min(NR, nc - jr);
                int d = dstOff + (jr / NR) * kc * NR + p * NR;
                if (w == NR) {
                    int o = src + jr;
                    FloatVector.fromArray(S, b, o).intoArray(dst, d);
                    FloatVector.fromArray(S, b, o + VL).intoArray(dst, d + VL);
                    FloatVector.fromArray(S, b, o + 2 * VL).intoArray(dst, d + 2 * VL);
                    FloatVector.fromArray(S, b, o + 3 * VL).intoArray(dst, d + 3 * VL);
                    continue;
                }
                System.arraycopy(b, src + jr, dst, d, w); // the last, partial panel: zero-padded
                Arrays.fill(dst, d + w, d + NR, 0f);
            }
        }
    }

    /**
     * The 16 x 16 transpose in four butterfly stages {@code d = 1, 2, 4, 8}: rows {@code i} and
     * {@code i + d} swap their off-diagonal d-blocks. {@code DN<st>} moves lane
     * {@code c - d} to lane c, {@code UP<st>} lane {@code c + d} to c, {@code HI<st>}
     * marks lanes with bit d set: each output is one permute and one blend.
     */
    // Separate static finals, not arrays: C2 only treats a shuffle or mask as a constant (and
    // emits one permute / blend for it) when it is read from a static final field.
    private static final VectorShuffle<Float> DN0 = shift(0, -1), DN1 = shift(1, -1), DN2 = shift(2, -1), DN3 = shift(3, -1);
    private static final VectorShuffle<Float> UP0 = shift(0, 1), UP1 = shift(1, 1), UP2 = shift(2, 1), UP3 = shift(3, 1);
    private static final VectorMask<Float> HI0 = high(0), HI1 = high(1), HI2 = high(2), HI3 = high(3);
    /** Lane {@code c} takes lane {@code c ^ d}: the partner lane in a butterfly reduction stage. */
    private static final VectorShuffle<Float> X0 = VectorShuffle.fromOp(S, c -> (c ^ 1) % VL), X1 = VectorShuffle.fromOp(S, c -> (c ^ 2) % VL);
    private static final VectorShuffle<Float> X2 = VectorShuffle.fromOp(S, c -> (c ^ 4) % VL), X3 = VectorShuffle.fromOp(S, c -> (c ^ 8) % VL);

    private static VectorShuffle<Float> shift(int st, int sign) {
        int d = 1 << st;
        return VectorShuffle.fromOp(S, c -> c >= VL ? c : sign < 0 ? ((c & d) != 0 ? c - d : c) : ((c & d) == 0 && c + d < VL ? c + d : c));
    }

    private static VectorMask<Float> high(int st) {
        boolean[] bits = new boolean[VL];
        for (int c = 0; c < VL; c++) {
            bits[c] = (c & (1 << st)) != 0;
        }
        return VectorMask.fromArray(S, bits, 0);
    }

    /**
     * Packs {@code w <= NR} rows of a transposed B ({@code kc} values each, stride {@code ldb}) as
     * {@code kc} rows of NR, zero-padded: 16 x 16 blocks are loaded as 16 row vectors, transposed
     * in registers and stored as 16 panel rows (scalar for the k tail and a last partial block of
     * rows, or when vectors are not 16 floats wide).
     */
    private static void packTransposedPanel(float[] b, int src, int ldb, int kc, int w, float[] dst, int base) {
        int kv = VL == 16 ? kc - kc % 16 : 0;
        int wv = kv > 0 ? w - w % 16 : 0;
        for (int jb = 0; jb < wv; jb += 16) {
            for (int p = 0; p < kv; p += 16) {
                transpose16(b, src + jb * ldb + p, ldb, dst, base + p * NR + jb, NR);
            }
        }
        for (int jj = 0; jj < w; jj++) {
            int s = src + jj * ldb;
            int d = base + jj;
            for (int p = jj < wv ? kv : 0; p < kc; p++) {
                dst[d + p * NR] = b[s + p];
            }
        }
        for (int p = 0; w < NR && p < kc; p++) {
            Arrays.fill(dst, base + p * NR + w, base + (p + 1) * NR, 0f);
        }
    }

    /**
     * A 16 x 16 block from {@code src[so]} (rows {@code lds} apart) transposed into
     * {@code dst[dOff]} (rows {@code ldd} apart): 16 row vectors transposed in registers by the
     * butterfly above. Only for 16-lane vectors.
     */
    private static void transpose16(float[] src, int so, int lds, float[] dst, int dOff, int ldd) {
        FloatVector v0 = FloatVector.fromArray(S, src, so);
        FloatVector v1 = FloatVector.fromArray(S, src, so + 1 * lds);
        FloatVector v2 = FloatVector.fromArray(S, src, so + 2 * lds);
        FloatVector v3 = FloatVector.fromArray(S, src, so + 3 * lds);
        FloatVector v4 = FloatVector.fromArray(S, src, so + 4 * lds);
        FloatVector v5 = FloatVector.fromArray(S, src, so + 5 * lds);
        FloatVector v6 = FloatVector.fromArray(S, src, so + 6 * lds);
        FloatVector v7 = FloatVector.fromArray(S, src, so + 7 * lds);
        FloatVector v8 = FloatVector.fromArray(S, src, so + 8 * lds);
        FloatVector v9 = FloatVector.fromArray(S, src, so + 9 * lds);
        FloatVector v10 = FloatVector.fromArray(S, src, so + 10 * lds);
        FloatVector v11 = FloatVector.fromArray(S, src, so + 11 * lds);
        FloatVector v12 = FloatVector.fromArray(S, src, so + 12 * lds);
        FloatVector v13 = FloatVector.fromArray(S, src, so + 13 * lds);
        FloatVector v14 = FloatVector.fromArray(S, src, so + 14 * lds);
        FloatVector v15 = FloatVector.fromArray(S, src, so + 15 * lds);
        FloatVector w0_0 = v0.blend(v1.rearrange(DN0), HI0), w0_1 = v0.rearrange(UP0).blend(v1, HI0);
        FloatVector w0_2 = v2.blend(v3.rearrange(DN0), HI0), w0_3 = v2.rearrange(UP0).blend(v3, HI0);
        FloatVector w0_4 = v4.blend(v5.rearrange(DN0), HI0), w0_5 = v4.rearrange(UP0).blend(v5, HI0);
        FloatVector w0_6 = v6.blend(v7.rearrange(DN0), HI0), w0_7 = v6.rearrange(UP0).blend(v7, HI0);
        FloatVector w0_8 = v8.blend(v9.rearrange(DN0), HI0), w0_9 = v8.rearrange(UP0).blend(v9, HI0);
        FloatVector w0_10 = v10.blend(v11.rearrange(DN0), HI0), w0_11 = v10.rearrange(UP0).blend(v11, HI0);
        FloatVector w0_12 = v12.blend(v13.rearrange(DN0), HI0), w0_13 = v12.rearrange(UP0).blend(v13, HI0);
        FloatVector w0_14 = v14.blend(v15.rearrange(DN0), HI0), w0_15 = v14.rearrange(UP0).blend(v15, HI0);
        FloatVector w1_0 = w0_0.blend(w0_2.rearrange(DN1), HI1), w1_2 = w0_0.rearrange(UP1).blend(w0_2, HI1);
        FloatVector w1_1 = w0_1.blend(w0_3.rearrange(DN1), HI1), w1_3 = w0_1.rearrange(UP1).blend(w0_3, HI1);
        FloatVector w1_4 = w0_4.blend(w0_6.rearrange(DN1), HI1), w1_6 = w0_4.rearrange(UP1).blend(w0_6, HI1);
        FloatVector w1_5 = w0_5.blend(w0_7.rearrange(DN1), HI1), w1_7 = w0_5.rearrange(UP1).blend(w0_7, HI1);
        FloatVector w1_8 = w0_8.blend(w0_10.rearrange(DN1), HI1), w1_10 = w0_8.rearrange(UP1).blend(w0_10, HI1);
        FloatVector w1_9 = w0_9.blend(w0_11.rearrange(DN1), HI1), w1_11 = w0_9.rearrange(UP1).blend(w0_11, HI1);
        FloatVector w1_12 = w0_12.blend(w0_14.rearrange(DN1), HI1), w1_14 = w0_12.rearrange(UP1).blend(w0_14, HI1);
        FloatVector w1_13 = w0_13.blend(w0_15.rearrange(DN1), HI1), w1_15 = w0_13.rearrange(UP1).blend(w0_15, HI1);
        FloatVector w2_0 = w1_0.blend(w1_4.rearrange(DN2), HI2), w2_4 = w1_0.rearrange(UP2).blend(w1_4, HI2);
        FloatVector w2_1 = w1_1.blend(w1_5.rearrange(DN2), HI2), w2_5 = w1_1.rearrange(UP2).blend(w1_5, HI2);
        FloatVector w2_2 = w1_2.blend(w1_6.rearrange(DN2), HI2), w2_6 = w1_2.rearrange(UP2).blend(w1_6, HI2);
        FloatVector w2_3 = w1_3.blend(w1_7.rearrange(DN2), HI2), w2_7 = w1_3.rearrange(UP2).blend(w1_7, HI2);
        FloatVector w2_8 = w1_8.blend(w1_12.rearrange(DN2), HI2), w2_12 = w1_8.rearrange(UP2).blend(w1_12, HI2);
        FloatVector w2_9 = w1_9.blend(w1_13.rearrange(DN2), HI2), w2_13 = w1_9.rearrange(UP2).blend(w1_13, HI2);
        FloatVector w2_10 = w1_10.blend(w1_14.rearrange(DN2), HI2), w2_14 = w1_10.rearrange(UP2).blend(w1_14, HI2);
        FloatVector w2_11 = w1_11.blend(w1_15.rearrange(DN2), HI2), w2_15 = w1_11.rearrange(UP2).blend(w1_15, HI2);
        FloatVector w3_0 = w2_0.blend(w2_8.rearrange(DN3), HI3), w3_8 = w2_0.rearrange(UP3).blend(w2_8, HI3);
        FloatVector w3_1 = w2_1.blend(w2_9.rearrange(DN3), HI3), w3_9 = w2_1.rearrange(UP3).blend(w2_9, HI3);
        FloatVector w3_2 = w2_2.blend(w2_10.rearrange(DN3), HI3), w3_10 = w2_2.rearrange(UP3).blend(w2_10, HI3);
        FloatVector w3_3 = w2_3.blend(w2_11.rearrange(DN3), HI3), w3_11 = w2_3.rearrange(UP3).blend(w2_11, HI3);
        FloatVector w3_4 = w2_4.blend(w2_12.rearrange(DN3), HI3), w3_12 = w2_4.rearrange(UP3).blend(w2_12, HI3);
        FloatVector w3_5 = w2_5.blend(w2_13.rearrange(DN3), HI3), w3_13 = w2_5.rearrange(UP3).blend(w2_13, HI3);
        FloatVector w3_6 = w2_6.blend(w2_14.rearrange(DN3), HI3), w3_14 = w2_6.rearrange(UP3).blend(w2_14, HI3);
        FloatVector w3_7 = w2_7.blend(w2_15.rearrange(DN3), HI3), w3_15 = w2_7.rearrange(UP3).blend(w2_15, HI3);
        w3_0.intoArray(dst, dOff);
        w3_1.intoArray(dst, dOff + 1 * ldd);
        w3_2.intoArray(dst, dOff + 2 * ldd);
        w3_3.intoArray(dst, dOff + 3 * ldd);
        w3_4.intoArray(dst, dOff + 4 * ldd);
        w3_5.intoArray(dst, dOff + 5 * ldd);
        w3_6.intoArray(dst, dOff + 6 * ldd);
        w3_7.intoArray(dst, dOff + 7 * ldd);
        w3_8.intoArray(dst, dOff + 8 * ldd);
        w3_9.intoArray(dst, dOff + 9 * ldd);
        w3_10.intoArray(dst, dOff + 10 * ldd);
        w3_11.intoArray(dst, dOff + 11 * ldd);
        w3_12.intoArray(dst, dOff + 12 * ldd);
        w3_13.intoArray(dst, dOff + 13 * ldd);
        w3_14.intoArray(dst, dOff + 14 * ldd);
        w3_15.intoArray(dst, dOff + 15 * ldd);
    }

    /**
     * One full sliver of a non-transposed A: {@code dst[base + p*4 + r] = A[r][p]} for 4 rows, 16
     * values of k at a time with four vector loads, a 4x4 transpose inside each 4-lane block
     * (distances 1, 2) and a 4x4 transpose of the blocks (distances 4, 8), four vector stores.
     * Scalar, one row at a time, this was latency-bound: 4% of an LSTM training step, mostly
     * packing dG for {@code dx = dG·Wᵀ}.
     */
    private static void packRows4(float[] a, int src, int lda, int kc, float[] dst, int base) {
        int kv = kc - kc % 16;
        int s1 = src + lda, s2 = s1 + lda, s3 = s2 + lda;
        for (int p = 0; p < kv; p += 16) {
            FloatVector v0 = FloatVector.fromArray(S, a, src + p);
            FloatVector v1 = FloatVector.fromArray(S, a, s1 + p);
            FloatVector v2 = FloatVector.fromArray(S, a, s2 + p);
            FloatVector v3 = FloatVector.fromArray(S, a, s3 + p);
            FloatVector x0 = v0.blend(v1.rearrange(DN0), HI0), x1 = v0.rearrange(UP0).blend(v1, HI0);
            FloatVector x2 = v2.blend(v3.rearrange(DN0), HI0), x3 = v2.rearrange(UP0).blend(v3, HI0);
            FloatVector y0 = x0.blend(x2.rearrange(DN1), HI1), y2 = x0.rearrange(UP1).blend(x2, HI1);
            FloatVector y1 = x1.blend(x3.rearrange(DN1), HI1), y3 = x1.rearrange(UP1).blend(x3, HI1);
            FloatVector z0 = y0.blend(y1.rearrange(DN2), HI2), z1 = y0.rearrange(UP2).blend(y1, HI2);
            FloatVector z2 = y2.blend(y3.rearrange(DN2), HI2), z3 = y2.rearrange(UP2).blend(y3, HI2);
            int d = base + p * MR;
            z0.blend(z2.rearrange(DN3), HI3).intoArray(dst, d);
            z1.blend(z3.rearrange(DN3), HI3).intoArray(dst, d + 16);
            z0.rearrange(UP3).blend(z2, HI3).intoArray(dst, d + 32);
            z1.rearrange(UP3).blend(z3, HI3).intoArray(dst, d + 48);
        }
        for (int p = kv; p < kc; p++) {
            int d = base + p * MR;
            dst[d] = a[src + p];
            dst[d + 1] = a[s1 + p];
            dst[d + 2] = a[s2 + p];
            dst[d + 3] = a[s3 + p];
        }
    }

    /** Packs {@code op(A)[ic:ic+mc, pc:pc+kc]} as MR-row slivers, k-major, zero-padded to MR rows. */
    private static void packA(boolean transA, float[] a, int offA, int lda, int ic, int mc, int pc, int kc, float[] dst) {
        int ir = 0;
        if (transA && VL == 16) {
            // Transposed A, 16 rows at a time in registers: 0.95-0.98x the time of Aᵀ·B at
            // 1024³, 256x4096x2048 and 256x512x6400 against four scalar copies per k
            // (interleaved in one JVM, both orders, Zen 5); GRU training 0.98-0.995x.
            for (; ir + 4 * MR <= mc; ir += 4 * MR) {
                packTransposed16(a, offA + pc * lda + ic + ir, lda, kc, dst, (ir / MR) * kc * MR);
            }
        }
        for (; ir < mc; ir += MR) {
            int base = (ir / MR) * kc * MR;
            for (int r = 0; r < MR; r++) {
                int row = ic + ir + r;
                if (ir + r >= mc) {
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = 0f;
                    }
                } else if (!transA && r == 0 && ir + MR <= mc && VL == 16) {
                    packRows4(a, offA + row * lda + pc, lda, kc, dst, base);
                    break;
                } else if (!transA) {
                    int src = offA + row * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = a[src + p];
                    }
                } else if (r == 0 && ir + MR <= mc) {
                    // Transposed A, full sliver: the MR values of one k are adjacent in memory,
                    // so walk k once and copy MR at a time (one pass over A instead of MR).
                    int src = offA + pc * lda + row;
                    // (Four scalar copies: one 128-bit vector copy per k was 1-2.5% faster in a
                    // warm GEMM loop, but C2 boxed those vectors in some compilations, 64 bytes
                    // per k, 240 KB per LSTM training call at 10 steps under -prof gc.)
                    for (int p = 0; p < kc; p++) {
                        int o = src + p * lda;
                        int d = base + p * MR;
                        dst[d] = a[o];
                        dst[d + 1] = a[o + 1];
                        dst[d + 2] = a[o + 2];
                        dst[d + 3] = a[o + 3];
                    }
                    break;
                } else {
                    int src = offA + pc * lda + row;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = a[src + p * lda];
                    }
                }
            }
        }
    }

    /**
     * Four full slivers of a transposed A (16 rows of op(A): 16 adjacent values of each row of A)
     * from {@code a[src]}, the slivers {@code kc * MR} apart from {@code dst[base]}: per 4 values
     * of k, four vector loads, a 4 x 4 transpose of 4-float blocks (the last two stages of
     * {@link #packRows4}'s) and one vector store per sliver; the k tail one value at a time.
     */
    private static void packTransposed16(float[] a, int src, int lda, int kc, float[] dst, int base) {
        int k4 = kc - kc % 4;
        int s1 = base + kc * MR, s2 = s1 + kc * MR, s3 = s2 + kc * MR;
        for (int p = 0; p < k4; p += 4) {
            int o = src + p * lda;
            FloatVector v0 = FloatVector.fromArray(S, a, o);
            FloatVector v1 = FloatVector.fromArray(S, a, o + lda);
            FloatVector v2 = FloatVector.fromArray(S, a, o + 2 * lda);
            FloatVector v3 = FloatVector.fromArray(S, a, o + 3 * lda);
            FloatVector x0 = v0.blend(v1.rearrange(DN2), HI2), x1 = v0.rearrange(UP2).blend(v1, HI2);
            FloatVector x2 = v2.blend(v3.rearrange(DN2), HI2), x3 = v2.rearrange(UP2).blend(v3, HI2);
            int d = p * MR;
            x0.blend(x2.rearrange(DN3), HI3).intoArray(dst, base + d);
            x1.blend(x3.rearrange(DN3), HI3).intoArray(dst, s1 + d);
            x0.rearrange(UP3).blend(x2, HI3).intoArray(dst, s2 + d);
            x1.rearrange(UP3).blend(x3, HI3).intoArray(dst, s3 + d);
        }
        for (int p = k4; p < kc; p++) {
            int o = src + p * lda;
            for (int r = 0; r < 4 * MR; r++) {
                dst[base + (r / MR) * kc * MR + p * MR + r % MR] = a[o + r];
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
        for (int r = 0; r < rows; r++) {
            int ci = co + r * ldc;
            for (int j = 0; j < cols; j++) {
                c[ci + j] = combine(acc[r * NR + j], alpha, beta, c[ci + j]);
            }
        }
    }

    /** {@code alpha * acc + beta * c} with the rounding of the vector stores: C is not read when beta is 0. */
    private static float combine(float acc, float alpha, float beta, float c) {
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

    /**
     * The sum of {@code VL} lanes stored at {@code t[0..VL)}, in a fixed pairwise order.
     * {@code reduceLanes(ADD)} may sum in another order once compiled than when interpreted,
     * which would make results depend on JIT timing.
     */
    static float sumLanes(float[] t) {
        for (int w = VL >> 1; w > 0; w >>= 1) {
            for (int l = 0; l < w; l++) {
                t[l] += t[l + w];
            }
        }
        return t[0];
    }

    private void small(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       float[] a, int offA, int lda, float[] b, int offB, int ldb,
                       float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = offC + i * ldc;
            if (!transB) {
                int aStart = transA ? offA + i : offA + i * lda;
                int aStep = transA ? lda : 1;
                rowTimesMatrix(n, k, alpha, a, aStart, aStep, b, offB, ldb, beta, c, ci);
            } else {
                float[] row = scratch.get().row(k);
                for (int p = 0; p < k; p++) {
                    row[p] = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                }
                rowTimesTransposed(n, k, alpha, row, b, offB, ldb, beta, c, ci, scratch.get().edge);
            }
        }
    }

    /**
     * {@code c[0:n] = alpha * sum_p a[p] * B[p, 0:n] + beta c}: blocks of 16 (then 8) vectors of C
     * held in registers over the whole k loop, so each row of B is read as one contiguous 1 KiB run
     * (measured on this CPU at 1x1024x512: 16 vectors 35 GFLOP/s, 8 vectors 30). Every column is
     * the same sequential fma chain over p whichever block it falls in, so a column range gives
     * bit-identical results however the caller splits n.
     */
    private static void rowTimesMatrix(int n, int k, float alpha, float[] a, int aStart, int aStep,
                                       float[] b, int offB, int ldb, float beta, float[] c, int ci) {
        // The wide blocks are methods of their own: in one method with everything else, C1 gave
        // up on the whole method ("out of virtual registers"), which then ran the Vector API's
        // allocating fallback in some JVMs (hundreds of MB per batch-1 training call).
        int j = VL >= 16 ? columns16(n, k, alpha, a, aStart, aStep, b, offB, ldb, beta, c, ci) : 0;
        j = columns8(j, n, k, alpha, a, aStart, aStep, b, offB, ldb, beta, c, ci);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; j + VL <= n; j += VL) {
            FloatVector s0 = FloatVector.zero(S);
            int bo = offB + j;
            int ao = aStart;
            for (int p = 0; p < k; p++) {
                s0 = FloatVector.broadcast(S, a[ao]).fma(FloatVector.fromArray(S, b, bo), s0);
                ao += aStep;
                bo += ldb;
            }
            if (beta == 0f) {
                s0.mul(va).intoArray(c, ci + j);
            } else {
                s0.fma(va, FloatVector.fromArray(S, c, ci + j).mul(beta)).intoArray(c, ci + j);
            }
        }
        for (; j < n; j++) {
            float s = 0f;
            int bo = offB + j;
            int ao = aStart;
            for (int p = 0; p < k; p++) {
                s = Math.fma(a[ao], b[bo], s);
                ao += aStep;
                bo += ldb;
            }
            c[ci + j] = combine(s, alpha, beta, c[ci + j]);
        }
    }

    /** Blocks of 16 vectors of columns from column 0 (AVX-512 only); returns the first column left. */
    private static int columns16(int n, int k, float alpha, float[] a, int aStart, int aStep,
                                 float[] b, int offB, int ldb, float beta, float[] c, int ci) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int j = 0;
        // 16 accumulators + the broadcast: only with 32 vector registers (AVX-512); with 16 (AVX2)
        // they would spill, so narrower vectors start at the 8-vector block.
        for (; j + 16 * VL <= n; j += 16 * VL) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            FloatVector s8 = s0, s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
            int bo = offB + j;
            int ao = aStart;
            for (int p = 0; p < k; p++) {
                FloatVector x = FloatVector.broadcast(S, a[ao]);
                s0 = x.fma(FloatVector.fromArray(S, b, bo), s0);
                s1 = x.fma(FloatVector.fromArray(S, b, bo + VL), s1);
                s2 = x.fma(FloatVector.fromArray(S, b, bo + 2 * VL), s2);
                s3 = x.fma(FloatVector.fromArray(S, b, bo + 3 * VL), s3);
                s4 = x.fma(FloatVector.fromArray(S, b, bo + 4 * VL), s4);
                s5 = x.fma(FloatVector.fromArray(S, b, bo + 5 * VL), s5);
                s6 = x.fma(FloatVector.fromArray(S, b, bo + 6 * VL), s6);
                s7 = x.fma(FloatVector.fromArray(S, b, bo + 7 * VL), s7);
                s8 = x.fma(FloatVector.fromArray(S, b, bo + 8 * VL), s8);
                s9 = x.fma(FloatVector.fromArray(S, b, bo + 9 * VL), s9);
                s10 = x.fma(FloatVector.fromArray(S, b, bo + 10 * VL), s10);
                s11 = x.fma(FloatVector.fromArray(S, b, bo + 11 * VL), s11);
                s12 = x.fma(FloatVector.fromArray(S, b, bo + 12 * VL), s12);
                s13 = x.fma(FloatVector.fromArray(S, b, bo + 13 * VL), s13);
                s14 = x.fma(FloatVector.fromArray(S, b, bo + 14 * VL), s14);
                s15 = x.fma(FloatVector.fromArray(S, b, bo + 15 * VL), s15);
                ao += aStep;
                bo += ldb;
            }
            int o = ci + j;
            // Written out: through a store helper, which C2 declined to inline in this large
            // method, the accumulators were boxed (3 KB per batch-1 LSTM step under -prof gc).
            if (beta == 0f) {
                s0.mul(va).intoArray(c, o);
                s1.mul(va).intoArray(c, o + VL);
                s2.mul(va).intoArray(c, o + 2 * VL);
                s3.mul(va).intoArray(c, o + 3 * VL);
                s4.mul(va).intoArray(c, o + 4 * VL);
                s5.mul(va).intoArray(c, o + 5 * VL);
                s6.mul(va).intoArray(c, o + 6 * VL);
                s7.mul(va).intoArray(c, o + 7 * VL);
                s8.mul(va).intoArray(c, o + 8 * VL);
                s9.mul(va).intoArray(c, o + 9 * VL);
                s10.mul(va).intoArray(c, o + 10 * VL);
                s11.mul(va).intoArray(c, o + 11 * VL);
                s12.mul(va).intoArray(c, o + 12 * VL);
                s13.mul(va).intoArray(c, o + 13 * VL);
                s14.mul(va).intoArray(c, o + 14 * VL);
                s15.mul(va).intoArray(c, o + 15 * VL);
            } else {
                s0.fma(va, FloatVector.fromArray(S, c, o).mul(beta)).intoArray(c, o);
                s1.fma(va, FloatVector.fromArray(S, c, o + VL).mul(beta)).intoArray(c, o + VL);
                s2.fma(va, FloatVector.fromArray(S, c, o + 2 * VL).mul(beta)).intoArray(c, o + 2 * VL);
                s3.fma(va, FloatVector.fromArray(S, c, o + 3 * VL).mul(beta)).intoArray(c, o + 3 * VL);
                s4.fma(va, FloatVector.fromArray(S, c, o + 4 * VL).mul(beta)).intoArray(c, o + 4 * VL);
                s5.fma(va, FloatVector.fromArray(S, c, o + 5 * VL).mul(beta)).intoArray(c, o + 5 * VL);
                s6.fma(va, FloatVector.fromArray(S, c, o + 6 * VL).mul(beta)).intoArray(c, o + 6 * VL);
                s7.fma(va, FloatVector.fromArray(S, c, o + 7 * VL).mul(beta)).intoArray(c, o + 7 * VL);
                s8.fma(va, FloatVector.fromArray(S, c, o + 8 * VL).mul(beta)).intoArray(c, o + 8 * VL);
                s9.fma(va, FloatVector.fromArray(S, c, o + 9 * VL).mul(beta)).intoArray(c, o + 9 * VL);
                s10.fma(va, FloatVector.fromArray(S, c, o + 10 * VL).mul(beta)).intoArray(c, o + 10 * VL);
                s11.fma(va, FloatVector.fromArray(S, c, o + 11 * VL).mul(beta)).intoArray(c, o + 11 * VL);
                s12.fma(va, FloatVector.fromArray(S, c, o + 12 * VL).mul(beta)).intoArray(c, o + 12 * VL);
                s13.fma(va, FloatVector.fromArray(S, c, o + 13 * VL).mul(beta)).intoArray(c, o + 13 * VL);
                s14.fma(va, FloatVector.fromArray(S, c, o + 14 * VL).mul(beta)).intoArray(c, o + 14 * VL);
                s15.fma(va, FloatVector.fromArray(S, c, o + 15 * VL).mul(beta)).intoArray(c, o + 15 * VL);
            }
        }
        return j;
    }

    /** Columns of a {@link #panelRow} panel: the 16-vector block of {@link #columns16}. */
    static final int PANEL = 16 * VL;

    /**
     * {@code c[offC + j] = sum_p a[offA + p] * B[p, j]} for the {@link #PANEL} columns of one
     * panel stored from {@code off} as four {@code k x NR} blocks one after the other (columns
     * {@code [0, NR)}, then {@code [NR, 2 NR)}, ...), each row-major with row stride NR (AVX-512
     * widths only, as {@link #columns16}). The same fma chains as {@code columns16} with alpha 1
     * and beta 0, so the same bits as the row-major GEMV. Two layout facts matter on this CPU:
     * <ul>
     * <li>Four streams, one per block, instead of one {@code k x PANEL} row-major stream: the
     *     batch-1 LSTM 1x100x128x256 inference took 0.90-0.91x the time (one workspace, switched
     *     per call, both orders), as four streams keep more of U's lines in flight from L2/L3
     *     (the batch-1 A·Bᵀ GEMV gained the same way from reading four far-apart rows).</li>
     * <li>Constant strides: with a stride in a variable C2 keeps range checks inside the loop
     *     (it removes them for constant strides only): a 1 MiB GEMV read in alternating 256 KiB
     *     panels ran at 99-102 GB/s with a variable stride against 121-122 GB/s with a constant
     *     (a plain loop, Zen 5).</li>
     * </ul>
     */
    static void panelRow(int k, float[] a, int offA, float[] panel, int off, float[] c, int offC) {
        if (VL < 16) {
            throw new IllegalStateException("panelRow needs 16-float vectors, have " + VL);
        }
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        FloatVector s8 = s0, s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
        int o0 = off, o1 = off + k * NR, o2 = o1 + k * NR, o3 = o2 + k * NR;
        for (int p = 0; p < k; p++) {
            FloatVector x = FloatVector.broadcast(S, a[offA + p]);
            s0 = x.fma(FloatVector.fromArray(S, panel, o0), s0);
            s1 = x.fma(FloatVector.fromArray(S, panel, o0 + VL), s1);
            s2 = x.fma(FloatVector.fromArray(S, panel, o0 + 2 * VL), s2);
            s3 = x.fma(FloatVector.fromArray(S, panel, o0 + 3 * VL), s3);
            s4 = x.fma(FloatVector.fromArray(S, panel, o1), s4);
            s5 = x.fma(FloatVector.fromArray(S, panel, o1 + VL), s5);
            s6 = x.fma(FloatVector.fromArray(S, panel, o1 + 2 * VL), s6);
            s7 = x.fma(FloatVector.fromArray(S, panel, o1 + 3 * VL), s7);
            s8 = x.fma(FloatVector.fromArray(S, panel, o2), s8);
            s9 = x.fma(FloatVector.fromArray(S, panel, o2 + VL), s9);
            s10 = x.fma(FloatVector.fromArray(S, panel, o2 + 2 * VL), s10);
            s11 = x.fma(FloatVector.fromArray(S, panel, o2 + 3 * VL), s11);
            s12 = x.fma(FloatVector.fromArray(S, panel, o3), s12);
            s13 = x.fma(FloatVector.fromArray(S, panel, o3 + VL), s13);
            s14 = x.fma(FloatVector.fromArray(S, panel, o3 + 2 * VL), s14);
            s15 = x.fma(FloatVector.fromArray(S, panel, o3 + 3 * VL), s15);
            o0 += NR;
            o1 += NR;
            o2 += NR;
            o3 += NR;
        }
        s0.intoArray(c, offC);
        s1.intoArray(c, offC + VL);
        s2.intoArray(c, offC + 2 * VL);
        s3.intoArray(c, offC + 3 * VL);
        s4.intoArray(c, offC + 4 * VL);
        s5.intoArray(c, offC + 5 * VL);
        s6.intoArray(c, offC + 6 * VL);
        s7.intoArray(c, offC + 7 * VL);
        s8.intoArray(c, offC + 8 * VL);
        s9.intoArray(c, offC + 9 * VL);
        s10.intoArray(c, offC + 10 * VL);
        s11.intoArray(c, offC + 11 * VL);
        s12.intoArray(c, offC + 12 * VL);
        s13.intoArray(c, offC + 13 * VL);
        s14.intoArray(c, offC + 14 * VL);
        s15.intoArray(c, offC + 15 * VL);
    }

    /** Blocks of 8 vectors of columns from column {@code j}; returns the first column left. */
    private static int columns8(int j, int n, int k, float alpha, float[] a, int aStart, int aStep,
                                float[] b, int offB, int ldb, float beta, float[] c, int ci) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; j + 8 * VL <= n; j += 8 * VL) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            int bo = offB + j;
            int ao = aStart;
            for (int p = 0; p < k; p++) {
                FloatVector x = FloatVector.broadcast(S, a[ao]);
                s0 = x.fma(FloatVector.fromArray(S, b, bo), s0);
                s1 = x.fma(FloatVector.fromArray(S, b, bo + VL), s1);
                s2 = x.fma(FloatVector.fromArray(S, b, bo + 2 * VL), s2);
                s3 = x.fma(FloatVector.fromArray(S, b, bo + 3 * VL), s3);
                s4 = x.fma(FloatVector.fromArray(S, b, bo + 4 * VL), s4);
                s5 = x.fma(FloatVector.fromArray(S, b, bo + 5 * VL), s5);
                s6 = x.fma(FloatVector.fromArray(S, b, bo + 6 * VL), s6);
                s7 = x.fma(FloatVector.fromArray(S, b, bo + 7 * VL), s7);
                ao += aStep;
                bo += ldb;
            }
            int o = ci + j;
            if (beta == 0f) {
                s0.mul(va).intoArray(c, o);
                s1.mul(va).intoArray(c, o + VL);
                s2.mul(va).intoArray(c, o + 2 * VL);
                s3.mul(va).intoArray(c, o + 3 * VL);
                s4.mul(va).intoArray(c, o + 4 * VL);
                s5.mul(va).intoArray(c, o + 5 * VL);
                s6.mul(va).intoArray(c, o + 6 * VL);
                s7.mul(va).intoArray(c, o + 7 * VL);
            } else {
                s0.fma(va, FloatVector.fromArray(S, c, o).mul(beta)).intoArray(c, o);
                s1.fma(va, FloatVector.fromArray(S, c, o + VL).mul(beta)).intoArray(c, o + VL);
                s2.fma(va, FloatVector.fromArray(S, c, o + 2 * VL).mul(beta)).intoArray(c, o + 2 * VL);
                s3.fma(va, FloatVector.fromArray(S, c, o + 3 * VL).mul(beta)).intoArray(c, o + 3 * VL);
                s4.fma(va, FloatVector.fromArray(S, c, o + 4 * VL).mul(beta)).intoArray(c, o + 4 * VL);
                s5.fma(va, FloatVector.fromArray(S, c, o + 5 * VL).mul(beta)).intoArray(c, o + 5 * VL);
                s6.fma(va, FloatVector.fromArray(S, c, o + 6 * VL).mul(beta)).intoArray(c, o + 6 * VL);
                s7.fma(va, FloatVector.fromArray(S, c, o + 7 * VL).mul(beta)).intoArray(c, o + 7 * VL);
            }
        }
        return j;
    }

    /**
     * {@code c[j] = alpha * dot(a, B[j, :]) + beta c[j]}: four rows at a time, each with two
     * accumulators (a 2-vector step over k), so four streams are read and eight fma chains hide the
     * fma latency; one shuffle butterfly then sums the four rows' lanes together. The four rows of
     * a pass are {@code j, j + q, j + 2q, j + 3q} with {@code q = n / 4}, one from each quarter of
     * B, not four neighbours: each stream then runs on through the next pass's row, so the
     * hardware prefetcher sees four streams a quarter of B long instead of new 2 KiB runs every
     * pass (1x1024x512 from L3: 0.91x the time of neighbouring rows, 1x4096x1024 0.71-0.84x).
     * Measured on this CPU (JMH, 1x1024x512): neighbouring rows 32.1 us against 34.3 us for 16
     * rows per pass with a transpose tree, whose 16 streams also thrash an 8-way L1 set when rows
     * are a multiple of 4 KiB apart. A row's sum is formed the same way in the 4-row loop and in
     * the single-row tail, so results do not depend on how n is split.
     */
    private static void rowTimesTransposed(int n, int k, float alpha, float[] a, float[] b, int offB, int ldb,
                                           float beta, float[] c, int ci, float[] t) {
        int k2 = k - k % (2 * VL);
        int k1 = k - k % VL;
        int q = n / 4;
        for (int j = 0; j < q; j++) {
            int b0 = offB + j * ldb, b1 = b0 + q * ldb, b2 = b1 + q * ldb, b3 = b2 + q * ldb;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
            for (int p = 0; p < k2; p += 2 * VL) {
                FloatVector x = FloatVector.fromArray(S, a, p);
                FloatVector y = FloatVector.fromArray(S, a, p + VL);
                s0 = x.fma(FloatVector.fromArray(S, b, b0 + p), s0);
                s1 = x.fma(FloatVector.fromArray(S, b, b1 + p), s1);
                s2 = x.fma(FloatVector.fromArray(S, b, b2 + p), s2);
                s3 = x.fma(FloatVector.fromArray(S, b, b3 + p), s3);
                u0 = y.fma(FloatVector.fromArray(S, b, b0 + p + VL), u0);
                u1 = y.fma(FloatVector.fromArray(S, b, b1 + p + VL), u1);
                u2 = y.fma(FloatVector.fromArray(S, b, b2 + p + VL), u2);
                u3 = y.fma(FloatVector.fromArray(S, b, b3 + p + VL), u3);
            }
            if (k1 > k2) {
                FloatVector x = FloatVector.fromArray(S, a, k2);
                s0 = x.fma(FloatVector.fromArray(S, b, b0 + k2), s0);
                s1 = x.fma(FloatVector.fromArray(S, b, b1 + k2), s1);
                s2 = x.fma(FloatVector.fromArray(S, b, b2 + k2), s2);
                s3 = x.fma(FloatVector.fromArray(S, b, b3 + k2), s3);
            }
            FloatVector r0 = s0.add(u0), r1 = s1.add(u1), r2 = s2.add(u2), r3 = s3.add(u3);
            float d0, d1, d2, d3;
            if (BUTTERFLY) {
                // One butterfly for the four rows: lanes pair as c^1, c^2 (the blends interleave
                // the rows), then c^4, c^8; lane r ends with row r's sum, added in the same pairs
                // as rowSum adds them (a + b == b + a exactly), so both give the same bits.
                FloatVector p01 = r0.blend(r1, HI0).add(r1.blend(r0, HI0).rearrange(X0));
                FloatVector p23 = r2.blend(r3, HI0).add(r3.blend(r2, HI0).rearrange(X0));
                FloatVector sums = p01.blend(p23, HI1).add(p23.blend(p01, HI1).rearrange(X1));
                butterflyTail(sums).intoArray(t, 0);
                d0 = t[0];
                d1 = t[1];
                d2 = t[2];
                d3 = t[3];
            } else {
                d0 = rowSum(r0, t);
                d1 = rowSum(r1, t);
                d2 = rowSum(r2, t);
                d3 = rowSum(r3, t);
            }
            c[ci + j] = combine(scalarTail(d0, a, b, b0, k1, k), alpha, beta, c[ci + j]);
            c[ci + j + q] = combine(scalarTail(d1, a, b, b1, k1, k), alpha, beta, c[ci + j + q]);
            c[ci + j + 2 * q] = combine(scalarTail(d2, a, b, b2, k1, k), alpha, beta, c[ci + j + 2 * q]);
            c[ci + j + 3 * q] = combine(scalarTail(d3, a, b, b3, k1, k), alpha, beta, c[ci + j + 3 * q]);
        }
        for (int j = 4 * q; j < n; j++) {
            int b0 = offB + j * ldb;
            FloatVector s0 = FloatVector.zero(S), u0 = s0;
            for (int p = 0; p < k2; p += 2 * VL) {
                s0 = FloatVector.fromArray(S, a, p).fma(FloatVector.fromArray(S, b, b0 + p), s0);
                u0 = FloatVector.fromArray(S, a, p + VL).fma(FloatVector.fromArray(S, b, b0 + p + VL), u0);
            }
            if (k1 > k2) {
                s0 = FloatVector.fromArray(S, a, k2).fma(FloatVector.fromArray(S, b, b0 + k2), s0);
            }
            c[ci + j] = combine(scalarTail(rowSum(s0.add(u0), t), a, b, b0, k1, k), alpha, beta, c[ci + j]);
        }
    }

    /**
     * The four-row butterfly needs lanes c^1 and c^2 inside a vector and has stages up to c^8: it
     * serves vector widths 4 to 16. Other widths (2, or 32 and more on wide SVE) sum each row with
     * {@link #sumLanes}, in the 4-row loop and in the single-row loop alike.
     */
    private static final boolean BUTTERFLY = VL >= 4 && VL <= 16;

    /** The butterfly stages past c^2 (c^4, c^8) that this vector width has. */
    private static FloatVector butterflyTail(FloatVector q) {
        if (VL > 4) {
            q = q.add(q.rearrange(X2));
        }
        if (VL > 8) {
            q = q.add(q.rearrange(X3));
        }
        return q;
    }

    /** The lanes of one row's accumulator summed in the butterfly's pairing, or by {@link #sumLanes}. */
    private static float rowSum(FloatVector q, float[] t) {
        if (BUTTERFLY) {
            q = q.add(q.rearrange(X0));
            q = q.add(q.rearrange(X1));
            return butterflyTail(q).lane(0);
        }
        q.intoArray(t, 0);
        return sumLanes(t);
    }

    /** {@code d} plus the scalar tail {@code [k1, k)} of one dot product with row {@code bRow} of B. */
    private static float scalarTail(float d, float[] a, float[] b, int bRow, int k1, int k) {
        for (int p = k1; p < k; p++) {
            d = Math.fma(a[p], b[bRow + p], d);
        }
        return d;
    }
}
