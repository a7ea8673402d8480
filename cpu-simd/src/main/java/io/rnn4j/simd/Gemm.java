package io.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
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
 * <p>Threads get fixed, contiguous ranges of column panels (or of row slivers when there are
 * too few panels). Each element of C is computed with the same sequence of operations whatever
 * the partition, so results do not depend on the thread count at all.
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Rows of the register tile. */
    static final int MR = 4;
    /** Columns of the register tile: four vectors. */
    static final int NR = 4 * VL;
    static final int KC = 256;
    static final int MC = 128;
    static final int NC = 16 * NR;
    /** Panels packed together on the few-rows path: long enough row segments for the prefetcher, small enough for L2. */
    static final int GROUP = 16;
    /** Below this many flops a second thread costs more than it saves. */
    static final long PARALLEL_FLOPS = 1L << 22;

    private final Threads threads;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    Gemm(Threads threads) {
        this.threads = threads;
    }

    /** Per-thread packing buffers, grown on demand and kept, so steady-state calls do not allocate. */
    static final class Scratch {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC];
        final float[] edge = new float[MR * NR];
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

        PackedB(boolean transB, int k, int n) {
            this.transB = transB;
            this.k = k;
            this.n = n;
            this.npad = (n + NR - 1) / NR * NR;
            this.data = new float[Math.max(1, k * npad)];
        }

        /** (Re)packs {@code op(B)} from its source; the source is kept for the unpacked small-M path. */
        void pack(float[] b, int offB, int ldb) {
            this.src = b;
            this.offB = offB;
            this.ldb = ldb;
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
            small(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return;
        }
        partition(m, n, k, (i0, i1, j0, j1) ->
                blocked(transA, transB, i0, i1, j0, j1, k, alpha, a, offA, lda, b, offB, ldb, null, beta, c, offC, ldc));
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
            small(transA, pb.transB, m, n, k, alpha, a, offA, lda, pb.src, pb.offB, pb.ldb, beta, c, offC, ldc);
            return;
        }
        partition(m, n, k, (i0, i1, j0, j1) ->
                blocked(transA, pb.transB, i0, i1, j0, j1, k, alpha, a, offA, lda, null, 0, 0, pb, beta, c, offC, ldc));
    }

    /**
     * {@code C = alpha A op(B) + beta C} with B packed, on the calling thread only: the fused
     * recurrent kernels split a step by batch rows themselves and run the product and the
     * pointwise pass of the same rows in one task.
     */
    void gemmSerial(int m, float alpha, float[] a, int offA, int lda, PackedB pb,
                    float beta, float[] c, int offC, int ldc) {
        int n = pb.n, k = pb.k;
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(m, n, beta, c, offC, ldc);
        } else if (m < MR) {
            small(false, pb.transB, m, n, k, alpha, a, offA, lda, pb.src, pb.offB, pb.ldb, beta, c, offC, ldc);
        } else {
            blocked(false, pb.transB, 0, m, 0, n, k, alpha, a, offA, lda, null, 0, 0, pb, beta, c, offC, ldc);
        }
    }

    // ------------------------------------------------------------------ partitioning

    @FunctionalInterface
    private interface Range {
        void run(int i0, int i1, int j0, int j1);
    }

    private void partition(int m, int n, int k, Range body) {
        long flops = 2L * m * n * k;
        int t = flops < PARALLEL_FLOPS ? 1 : threads.size();
        int panels = (n + NR - 1) / NR;
        int slivers = (m + MR - 1) / MR;
        if (t <= 1) {
            body.run(0, m, 0, n);
        } else if (panels >= 2 * t || panels >= slivers) {
            int tasks = Math.min(t, panels);
            threads.run(tasks, i -> {
                int p0 = (int) ((long) panels * i / tasks), p1 = (int) ((long) panels * (i + 1) / tasks);
                body.run(0, m, p0 * NR, Math.min(n, p1 * NR));
            });
        } else {
            int tasks = Math.min(t, slivers);
            threads.run(tasks, i -> {
                int s0 = (int) ((long) slivers * i / tasks), s1 = (int) ((long) slivers * (i + 1) / tasks);
                body.run(s0 * MR, Math.min(m, s1 * MR), 0, n);
            });
        }
    }

    // ------------------------------------------------------------------ packed path

    private void blocked(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float alpha,
                         float[] a, int offA, int lda, float[] b, int offB, int ldb, PackedB pb,
                         float beta, float[] c, int offC, int ldc) {
        Scratch s = scratch.get();
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaEff = pc == 0 ? beta : 1f;
                if (pb == null && i1 - i0 <= MC) {
                    // Few rows: pack A once, then pack each B panel right before the slivers use it,
                    // so the packed panel is still in L1/L2 instead of a whole block going through L2.
                    int mc = i1 - i0;
                    packA(transA, a, offA, lda, i0, mc, pc, kc, s.a);
                    for (int jg = 0; jg < nc; jg += GROUP * NR) {
                        int gw = Math.min(GROUP * NR, nc - jg);
                        packB(transB, b, offB, ldb, pc, kc, jc + jg, gw, s.b, 0);
                        for (int jr = 0; jr < gw; jr += NR) {
                            int cols = Math.min(NR, gw - jr);
                            for (int ir = 0; ir < mc; ir += MR) {
                                kernel(kc, s.a, (ir / MR) * kc * MR, s.b, (jr / NR) * kc * NR, c,
                                        offC + (i0 + ir) * ldc + jc + jg + jr, ldc,
                                        alpha, betaEff, Math.min(MR, mc - ir), cols, s.edge);
                            }
                        }
                    }
                    continue;
                }
                float[] bp;
                int bBase;
                if (pb != null) {
                    // jc is a multiple of NR (partitions are panel-aligned)
                    bp = pb.data;
                    bBase = pc * pb.npad + (jc / NR) * kc * NR;
                } else {
                    bp = s.b;
                    bBase = 0;
                    packB(transB, b, offB, ldb, pc, kc, jc, nc, bp, 0);
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(transA, a, offA, lda, ic, mc, pc, kc, s.a);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int bo = bBase + (jr / NR) * kc * NR;
                        int cols = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            kernel(kc, s.a, (ir / MR) * kc * MR, bp, bo, c, offC + (ic + ir) * ldc + jc + jr, ldc,
                                    alpha, betaEff, Math.min(MR, mc - ir), cols, s.edge);
                        }
                    }
                }
            }
        }
    }

    /** Packs {@code op(B)[pc:pc+kc, jc:jc+nc]} as NR-wide k-major panels, zero-padded to NR. */
    static void packB(boolean transB, float[] b, int offB, int ldb, int pc, int kc, int jc, int nc,
                      float[] dst, int dstOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int w = Math.min(NR, nc - jr);
            int base = dstOff + (jr / NR) * kc * NR;
            if (!transB) {
                int src = offB + pc * ldb + jc + jr;
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, src + p * ldb, dst, base + p * NR, w);
                    if (w < NR) {
                        Arrays.fill(dst, base + p * NR + w, base + (p + 1) * NR, 0f);
                    }
                }
            } else if (w == NR) {
                packTransposedPanel(b, offB + (jc + jr) * ldb + pc, ldb, kc, dst, base);
            } else {
                for (int p = 0; p < kc; p++) {
                    Arrays.fill(dst, base + p * NR + w, base + (p + 1) * NR, 0f);
                }
                for (int jj = 0; jj < w; jj++) {
                    int src = offB + (jc + jr + jj) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * NR + jj] = b[src + p];
                    }
                }
            }
        }
    }

    /**
     * One full panel of a transposed B: {@code NR} rows of B (each {@code kc} long, stride
     * {@code ldb}) become {@code kc} rows of NR. Scalar, written so the stores stay in one
     * small, L1-resident panel.
     */
    private static void packTransposedPanel(float[] b, int src, int ldb, int kc, float[] dst, int base) {
        for (int jj = 0; jj < NR; jj++) {
            int s = src + jj * ldb;
            int d = base + jj;
            for (int p = 0; p < kc; p++) {
                dst[d + p * NR] = b[s + p];
            }
        }
    }

    /** Packs {@code op(A)[ic:ic+mc, pc:pc+kc]} as MR-row slivers, k-major, zero-padded to MR rows. */
    private static void packA(boolean transA, float[] a, int offA, int lda, int ic, int mc, int pc, int kc, float[] dst) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = (ir / MR) * kc * MR;
            for (int r = 0; r < MR; r++) {
                int row = ic + ir + r;
                if (ir + r >= mc) {
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = 0f;
                    }
                } else if (!transA) {
                    int src = offA + row * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = a[src + p];
                    }
                } else {
                    int src = offA + pc * lda + row;
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * MR + r] = a[src + p * lda];
                    }
                }
            }
        }
    }

    /** The MR x NR register tile: 16 accumulators, 4 B vectors and one broadcast live per k step. */
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
            FloatVector va = FloatVector.broadcast(S, alpha);
            int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
            update(c00, va, beta, c, co);
            update(c01, va, beta, c, co + VL);
            update(c02, va, beta, c, co + 2 * VL);
            update(c03, va, beta, c, co + 3 * VL);
            update(c10, va, beta, c, r1);
            update(c11, va, beta, c, r1 + VL);
            update(c12, va, beta, c, r1 + 2 * VL);
            update(c13, va, beta, c, r1 + 3 * VL);
            update(c20, va, beta, c, r2);
            update(c21, va, beta, c, r2 + VL);
            update(c22, va, beta, c, r2 + 2 * VL);
            update(c23, va, beta, c, r2 + 3 * VL);
            update(c30, va, beta, c, r3);
            update(c31, va, beta, c, r3 + VL);
            update(c32, va, beta, c, r3 + 2 * VL);
            update(c33, va, beta, c, r3 + 3 * VL);
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
        for (int r = 0; r < rows; r++) {
            int ci = co + r * ldc;
            for (int j = 0; j < cols; j++) {
                c[ci + j] = combine(edge[r * NR + j], alpha, beta, c[ci + j]);
            }
        }
    }

    /** {@code c = alpha * acc + beta * c}, C not read when beta is 0; the same rounding as {@link #combine}. */
    private static void update(FloatVector acc, FloatVector va, float beta, float[] c, int i) {
        if (beta == 0f) {
            acc.mul(va).intoArray(c, i);
        } else {
            acc.fma(va, FloatVector.fromArray(S, c, i).mul(beta)).intoArray(c, i);
        }
    }

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

    private static final VectorShuffle<Float>[] FOLD = folds();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int levels = Integer.numberOfTrailingZeros(VL);
        VectorShuffle<Float>[] f = new VectorShuffle[levels];
        for (int l = 0; l < levels; l++) {
            int h = VL >> (l + 1);
            f[l] = VectorShuffle.fromOp(S, i -> i ^ h);
        }
        return f;
    }

    /**
     * The sum of the lanes in a fixed tree order. {@code reduceLanes(ADD)} may sum in a different
     * order once compiled than when interpreted, which would make results depend on JIT timing.
     */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> f : FOLD) {
            v = v.add(v.rearrange(f));
        }
        return v.lane(0);
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
                rowTimesTransposed(n, k, alpha, row, b, offB, ldb, beta, c, ci);
            }
        }
    }

    /** {@code c[0:n] = alpha * sum_p a[p] * B[p, 0:n] + beta c}: 8 vectors of C held over the whole k loop. */
    private static void rowTimesMatrix(int n, int k, float alpha, float[] a, int aStart, int aStep,
                                       float[] b, int offB, int ldb, float beta, float[] c, int ci) {
        final int w = 8 * VL;
        FloatVector va = FloatVector.broadcast(S, alpha);
        int j = 0;
        for (; j + w <= n; j += w) {
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
            update(s0, va, beta, c, ci + j);
            update(s1, va, beta, c, ci + j + VL);
            update(s2, va, beta, c, ci + j + 2 * VL);
            update(s3, va, beta, c, ci + j + 3 * VL);
            update(s4, va, beta, c, ci + j + 4 * VL);
            update(s5, va, beta, c, ci + j + 5 * VL);
            update(s6, va, beta, c, ci + j + 6 * VL);
            update(s7, va, beta, c, ci + j + 7 * VL);
        }
        for (; j + VL <= n; j += VL) {
            FloatVector s0 = FloatVector.zero(S);
            int bo = offB + j;
            int ao = aStart;
            for (int p = 0; p < k; p++) {
                s0 = FloatVector.broadcast(S, a[ao]).fma(FloatVector.fromArray(S, b, bo), s0);
                ao += aStep;
                bo += ldb;
            }
            update(s0, va, beta, c, ci + j);
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

    /** {@code c[j] = alpha * dot(a, B[j, :]) + beta c[j]}: four dot products share each load of a. */
    private static void rowTimesTransposed(int n, int k, float alpha, float[] a, float[] b, int offB, int ldb,
                                           float beta, float[] c, int ci) {
        int kv = k - k % VL;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int b0 = offB + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < kv; p += VL) {
                FloatVector x = FloatVector.fromArray(S, a, p);
                s0 = x.fma(FloatVector.fromArray(S, b, b0 + p), s0);
                s1 = x.fma(FloatVector.fromArray(S, b, b1 + p), s1);
                s2 = x.fma(FloatVector.fromArray(S, b, b2 + p), s2);
                s3 = x.fma(FloatVector.fromArray(S, b, b3 + p), s3);
            }
            float d0 = sum(s0), d1 = sum(s1), d2 = sum(s2), d3 = sum(s3);
            for (int p = kv; p < k; p++) {
                d0 = Math.fma(a[p], b[b0 + p], d0);
                d1 = Math.fma(a[p], b[b1 + p], d1);
                d2 = Math.fma(a[p], b[b2 + p], d2);
                d3 = Math.fma(a[p], b[b3 + p], d3);
            }
            c[ci + j] = combine(d0, alpha, beta, c[ci + j]);
            c[ci + j + 1] = combine(d1, alpha, beta, c[ci + j + 1]);
            c[ci + j + 2] = combine(d2, alpha, beta, c[ci + j + 2]);
            c[ci + j + 3] = combine(d3, alpha, beta, c[ci + j + 3]);
        }
        for (; j < n; j++) {
            int b0 = offB + j * ldb;
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += VL) {
                s0 = FloatVector.fromArray(S, a, p).fma(FloatVector.fromArray(S, b, b0 + p), s0);
            }
            float d0 = sum(s0);
            for (int p = kv; p < k; p++) {
                d0 = Math.fma(a[p], b[b0 + p], d0);
            }
            c[ci + j] = combine(d0, alpha, beta, c[ci + j]);
        }
    }
}
