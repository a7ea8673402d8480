package io.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static io.rnn4j.simd.Gemm.BIG_B;
import static io.rnn4j.simd.Gemm.KC;
import static io.rnn4j.simd.Gemm.MR;
import static io.rnn4j.simd.Gemm.NR;
import static io.rnn4j.simd.Gemm.SPAN;
import static io.rnn4j.simd.Gemm.TILE_ROWS;

/**
 * A product with a transposed B and about one panel of rows computed as {@code Cᵀ = B·op(A)ᵀ}
 * ({@link #compute}): B's rows are broadcast in place instead of being packed and transposed.
 * The same bits as {@link Gemm}'s packed path; {@link #takes} says which products come here.
 */
final class TransposedProduct {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int VL = Gemm.VL;

    private TransposedProduct() {
    }

    /**
     * Whether {@link #compute} takes {@code rows} rows times a transposed B of
     * {@code cols x k} (a thread's part of the product): 16-lane vectors (for the 16 x 16
     * transposes), and either half a panel of op(A) with fewer than an eighth of its lanes idle
     * (29-32 rows, {@link #rowsKernel8}), or 64-row panels whose last one has fewer than an eighth
     * idle (57-64, 121-128, 185-192 or 249-256 rows): one panel, or, when this part of B has at
     * least {@link Gemm#BIG_B} floats, up to four, since each panel streams all of B. Half a panel,
     * against the packed path: 0.79-0.80x the time at 32x1024x512, 0.66-0.69x at 32x4096x2048,
     * 0.89-0.90x at 30x1024x512. Against the packed path
     * (two builds in one JVM, both orders, one thread): 48 rows (a quarter idle) 1.09x the time;
     * two panels with a 2 MiB B 1.00-1.24x; 65-256 rows 0.85-0.88x at 128x4096x1024,
     * 128x4096x2048 and 128x1024x4096, 0.88-0.90x at 192x2048x2048, 0.93-0.95x at 256x4096x2048
     * and 256x1024x2048, but 0.98-1.02x with a 4 MiB B at 256x1024x1024 and 1.05-1.06x at
     * 256x2048x512; 384-1024 rows 0.96-1.02x. On two threads (medians of three pairs, noisy):
     * 0.89x at 128x4096x2048, 0.98x at 256x4096x2048, 1.02x at 256x1024x2048.
     */
    static boolean takes(int rows, int cols, int k) {
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
     * then it is written to C, transposed in 16 x 16 blocks ({@link Packing#transposeTile}): once, or
     * once per span when K is longer than a span. C is read only where the packed path reads it,
     * so the results are the same bits. Against packing B in groups of two panels (two builds in
     * one JVM, both orders, one thread): 0.84-0.88x the time at 64x1024x512, 0.75-0.77x at
     * 64x4096x2048, 0.79-0.82x at 64x8192x512, 0.97-1.08x at 60x1024x512. Four consecutive rows
     * per call instead of one from each quarter: 0.88-0.90x, 0.79-0.81x, about 0.95x.
     */
    static void compute(boolean transA, int i0, int i1, int j0, int j1, int k, float alpha,
                                          float[] a, int offA, int lda, float[] b, int offB, int ldb,
                                          float beta, float[] c, int offC, int ldc, Gemm.Scratch s) {
        int mc = i1 - i0;
        int span = Math.max(1, SPAN / (NR * KC)) * KC;
        float[] at = s.b; // B is not packed here: its buffer holds a span of op(A), from s.bBase (on a line)
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
                Packing.packB(!transA, a, offA, lda, pc, Math.min(KC, pe - pc), i0, mc, at, s.bBase + (pc - ps) * NR);
            }
            boolean fromC = ps > 0 || beta != 0f;
            for (int t = 0; t < per; t++) {
                // Stream q takes group q * per + t: the rows of a kernel call come from the four
                // quarters of these rows, and each quarter is read in one ascending run.
                for (int q = 0; q < MR && fromC; q++) {
                    Packing.transposeTile(c, co + j0 + (q * per + t) * TILE_ROWS, ldc, s.acc, q * tile, NR, mc, TILE_ROWS);
                }
                for (int r = 0; r < TILE_ROWS; r += each) {
                    for (int x = 0; x < calls; x++) {
                        int q = x / each, h = r + x % each;
                        rowAt[x] = offB + (j0 + (q * per + t) * TILE_ROWS + h) * ldb;
                        sumAt[x] = q * tile + h * NR;
                    }
                    overSpan(ps, pe, beta, fromC, narrow, b, rowAt, at, s.bBase, alpha, s.acc, sumAt, s.edge);
                }
                for (int q = 0; q < MR; q++) {
                    Packing.transposeTile(s.acc, q * tile, NR, c, co + j0 + (q * per + t) * TILE_ROWS, ldc, TILE_ROWS, mc);
                }
            }
            for (int jt = streamed; jt < j1; jt += TILE_ROWS) {
                int rows = Math.min(TILE_ROWS, j1 - jt);
                if (fromC) {
                    Packing.transposeTile(c, co + jt, ldc, s.acc, 0, NR, mc, rows);
                }
                for (int r = 0; r < rows; r += calls) {
                    for (int x = 0; x < calls; x++) {
                        // A missing row repeats the first, its sums going to the spare row.
                        boolean real = r + x < rows;
                        rowAt[x] = offB + (jt + (real ? r + x : r)) * ldb;
                        sumAt[x] = real ? (r + x) * NR : spare;
                    }
                    overSpan(ps, pe, beta, fromC, narrow, b, rowAt, at, s.bBase, alpha, s.acc, sumAt, s.edge);
                }
                Packing.transposeTile(s.acc, 0, NR, c, co + jt, ldc, rows, mc);
            }
        }
    }

    /**
     * The rows of B at {@code b[rowAt[x]]} (four, or eight if {@code narrow}) times the packed
     * op(A) (from {@code at[atBase]}) over the K blocks of the span {@code [ps, pe)}, each block's sums combined into the
     * rows {@code acc[sumAt[x]]} as the packed path combines them into C ({@link #combineRows}).
     */
    private static void overSpan(int ps, int pe, float beta, boolean fromC, boolean narrow, float[] b, int[] rowAt,
                                 float[] at, int atBase, float alpha, float[] acc, int[] sumAt, float[] sums) {
        for (int pc = ps; pc < pe; pc += KC) {
            int kc = Math.min(KC, pe - pc), ao = atBase + (pc - ps) * NR;
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
     * {@code alpha * sum + beta * acc}, with {@link Gemm#combine}'s rounding.
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
}
