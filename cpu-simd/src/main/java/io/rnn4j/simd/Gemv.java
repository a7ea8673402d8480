package io.rnn4j.simd;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static io.rnn4j.simd.Gemm.NR;
import static io.rnn4j.simd.Gemm.combine;
import static io.rnn4j.simd.Lanes.HI0;
import static io.rnn4j.simd.Lanes.HI1;
import static io.rnn4j.simd.Lanes.X0;
import static io.rnn4j.simd.Lanes.X1;
import static io.rnn4j.simd.Lanes.X2;
import static io.rnn4j.simd.Lanes.X3;

/**
 * The unpacked loops of {@link Gemm} for fewer than {@link Gemm#MR} rows (batch-1 inference,
 * the GEMV case), where packing would cost more than the product: each output column is the
 * same fma chain over k whatever loop covers it, so a column range gives the same bits however
 * the caller splits the columns.
 */
final class Gemv {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int VL = Gemm.VL;

    private Gemv() {
    }

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

    /**
     * {@code c[0:n] = alpha * sum_p a[p] * B[p, 0:n] + beta c}: blocks of 16 (then 8) vectors of C
     * held in registers over the whole k loop, so each row of B is read as one contiguous 1 KiB run
     * (measured on this CPU at 1x1024x512: 16 vectors 35 GFLOP/s, 8 vectors 30). Every column is
     * the same sequential fma chain over p whichever block it falls in, so a column range gives
     * bit-identical results however the caller splits n.
     */
    static void rowTimesMatrix(int n, int k, float alpha, float[] a, int aStart, int aStep,
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
    static void rowTimesTransposed(int n, int k, float alpha, float[] a, float[] b, int offB, int ldb,
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
            c[ci + j] = combine(scalarTail(d0, a, 0, b, b0, k1, k), alpha, beta, c[ci + j]);
            c[ci + j + q] = combine(scalarTail(d1, a, 0, b, b1, k1, k), alpha, beta, c[ci + j + q]);
            c[ci + j + 2 * q] = combine(scalarTail(d2, a, 0, b, b2, k1, k), alpha, beta, c[ci + j + 2 * q]);
            c[ci + j + 3 * q] = combine(scalarTail(d3, a, 0, b, b3, k1, k), alpha, beta, c[ci + j + 3 * q]);
        }
        singleRows(4 * q, n, k, alpha, a, 0, 0, b, offB, ldb, beta, c, ci, t);
    }

    /**
     * {@code lead} for {@link #rowTimesTransposedFromLines} (1 to 15: every row of B starts that
     * many floats before a cache-line boundary that {@link Alignment} knows of, with 16-float
     * vectors), or 0 when the plain loop serves: B's position unknown, or already on a line, or
     * fewer than two vectors of k, or the {@code n} rows read here under {@link #LINES_MIN_FLOATS}.
     */
    static int lineLead(int n, int k, float[] b, int offB, int ldb) {
        if (VL != Alignment.LINE || ldb % Alignment.LINE != 0 || k < 2 * VL || (long) n * ldb < LINES_MIN_FLOATS) {
            return 0;
        }
        return Alignment.toLine(b, offB);
    }

    /**
     * Floats of B from which the line-aligned loop pays: its masked first and last chunks and
     * rotations cost a fixed amount per row, the straddling loads it saves cost more the further
     * B streams from, and far more on an Intel core. On a Zen 5 (one thread, two builds in one
     * JVM, both orders, against the plain loop on B 16 bytes off a line): 1.12-1.16x the time at
     * 1x1024x512 (2 MiB), 0.99-1.02x at 1x1024x1024, 0.97-0.99x at 1x2048x1024, 0.87-0.91x at
     * 1x4096x1024 (16 MiB), hence 8 MiB there. On a Sapphire Rapids (session 16, the same
     * comparison): 0.78-0.82x at 1x1024x512 with the heap in 2 MiB pages, 0.89-0.92x without
     * (40-45 GFLOP/s against 31-35), 0.78-0.82x for two and three rows, and 0.98-1.02x at 3-4 MiB
     * and 16 MiB, hence every B whose place is known on Intel cores ({@link Cpu#INTEL}).
     */
    static final long LINES_MIN_FLOATS = Cpu.INTEL ? 0 : 1L << 21;

    /** Floats {@link #rowTimesTransposedFromLines} needs in its row buffer. */
    static int linesRowLength(int k) {
        return k + 2 * VL;
    }

    /**
     * Lays A's row out for {@link #rowTimesTransposedFromLines}: zeros, then the {@code k1 = k - k
     * % VL} values its vectors cover from {@code row[sh]} ({@code sh = VL - lead}), a vector of
     * zeros, then the scalar tail {@code [k1, k)}.
     */
    static void layLinesRow(float[] a, int aStart, int aStep, int k, int lead, float[] row) {
        int sh = VL - lead, k1 = k - k % VL;
        Arrays.fill(row, 0, sh, 0f);
        for (int p = 0; p < k1; p++) {
            row[sh + p] = a[aStart + p * aStep];
        }
        Arrays.fill(row, sh + k1, sh + k1 + VL, 0f);
        for (int p = k1; p < k; p++) {
            row[sh + VL + p] = a[aStart + p * aStep];
        }
    }

    /**
     * {@link #rowTimesTransposed} with every load of B on a cache line: the same bits, in less
     * time when a large B streams from L3 or memory, since a 512-bit load that straddles two
     * lines reads both (one thread, B 16 bytes past a line, two builds in one JVM, both orders:
     * 0.72-0.91x the time at 1x4096x1024 over the session's runs; see {@link #LINES_MIN_FLOATS}
     * for smaller B; the plain loop on the same values placed on a line boundary takes
     * 0.79-0.94x of this loop's time, the cost of its masked first and last chunks and
     * rotations). Each row
     * of B is read in "chunks" that start {@code sh = VL - lead} floats before the row's vectors
     * {@code v_m}: chunk {@code i} holds the last {@code sh} lanes of {@code v_(i-1)} and the
     * first {@code lead} of {@code v_i}. Even chunks go to one accumulator,
     * odd chunks to the other, so lane by lane each accumulator sums the same products in the same
     * order as {@link #rowTimesTransposed}'s even-vector and odd-vector accumulators do, only with
     * the two interleaved across lanes and rotated by {@code sh}; their sum, rotated back with one
     * permute, is that method's {@code s + u} exactly (a + b == b + a). Chunk 0 and the last
     * chunk, {@code k1 / VL}, of which only the first {@code sh} lanes lie in the row, load B
     * under a mask (zeros outside the row's first {@code k1} values) and {@code row} (laid out by
     * {@link #layLinesRow}) holds zeros there; chunk 0's zeros land on accumulators that are still
     * +0, and the last chunk's sums are blended in on its {@code sh} lanes only, since adding
     * 0 x 0 would turn an accumulator's -0 (a negative product that underflowed) into +0.
     * Needs {@code lead} in 1-15 ({@link #lineLead}).
     */
    static void rowTimesTransposedFromLines(int n, int k, float alpha, float[] row, int lead, float[] b, int offB, int ldb,
                                            float beta, float[] c, int ci, float[] t) {
        int k1 = k - k % VL;
        int sh = VL - lead;
        int full = k1 / VL - 1;                     // chunks 1 .. full are whole; chunk full + 1 has sh lanes in the row
        VectorMask<Float> first = VectorMask.fromLong(S, -1L << sh);
        VectorMask<Float> last = VectorMask.fromLong(S, (1L << sh) - 1);
        VectorShuffle<Float> back = ROTATIONS[sh];
        boolean even = ((full + 1) & 1) == 0;        // the parity of the last chunk, full + 1
        VectorMask<Float> toS = VectorMask.fromLong(S, even ? (1L << sh) - 1 : 0L);
        VectorMask<Float> toU = VectorMask.fromLong(S, even ? 0L : (1L << sh) - 1);
        int q = n / 4;
        for (int j = 0; j < q; j++) {
            int b0 = offB + j * ldb - sh, b1 = b0 + q * ldb, b2 = b1 + q * ldb, b3 = b2 + q * ldb; // chunk 0 of each row
            FloatVector x = FloatVector.fromArray(S, row, 0);
            FloatVector s0 = x.fma(FloatVector.fromArray(S, b, b0, first), FloatVector.zero(S));
            FloatVector s1 = x.fma(FloatVector.fromArray(S, b, b1, first), FloatVector.zero(S));
            FloatVector s2 = x.fma(FloatVector.fromArray(S, b, b2, first), FloatVector.zero(S));
            FloatVector s3 = x.fma(FloatVector.fromArray(S, b, b3, first), FloatVector.zero(S));
            FloatVector u0 = FloatVector.zero(S), u1 = u0, u2 = u0, u3 = u0;
            int i = 1;
            for (; i < full; i += 2) {                // an odd chunk, then an even one
                int o = i * VL;
                x = FloatVector.fromArray(S, row, o);
                FloatVector y = FloatVector.fromArray(S, row, o + VL);
                u0 = x.fma(FloatVector.fromArray(S, b, b0 + o), u0);
                u1 = x.fma(FloatVector.fromArray(S, b, b1 + o), u1);
                u2 = x.fma(FloatVector.fromArray(S, b, b2 + o), u2);
                u3 = x.fma(FloatVector.fromArray(S, b, b3 + o), u3);
                s0 = y.fma(FloatVector.fromArray(S, b, b0 + o + VL), s0);
                s1 = y.fma(FloatVector.fromArray(S, b, b1 + o + VL), s1);
                s2 = y.fma(FloatVector.fromArray(S, b, b2 + o + VL), s2);
                s3 = y.fma(FloatVector.fromArray(S, b, b3 + o + VL), s3);
            }
            for (; i <= full; i++) {                  // one whole odd chunk left (a loop, not an if: C2 boxes vectors merged at an if)
                int o = i * VL;
                x = FloatVector.fromArray(S, row, o);
                u0 = x.fma(FloatVector.fromArray(S, b, b0 + o), u0);
                u1 = x.fma(FloatVector.fromArray(S, b, b1 + o), u1);
                u2 = x.fma(FloatVector.fromArray(S, b, b2 + o), u2);
                u3 = x.fma(FloatVector.fromArray(S, b, b3 + o), u3);
            }
            // chunk full + 1, cut at k1, into s if even and u if odd, on its sh lanes only,
            // chosen by blends (a vector chosen at an if would be boxed)
            int o = i * VL;
            x = FloatVector.fromArray(S, row, o);
            FloatVector c0 = FloatVector.fromArray(S, b, b0 + o, last), c1 = FloatVector.fromArray(S, b, b1 + o, last);
            FloatVector c2 = FloatVector.fromArray(S, b, b2 + o, last), c3 = FloatVector.fromArray(S, b, b3 + o, last);
            s0 = s0.blend(x.fma(c0, s0), toS);
            s1 = s1.blend(x.fma(c1, s1), toS);
            s2 = s2.blend(x.fma(c2, s2), toS);
            s3 = s3.blend(x.fma(c3, s3), toS);
            u0 = u0.blend(x.fma(c0, u0), toU);
            u1 = u1.blend(x.fma(c1, u1), toU);
            u2 = u2.blend(x.fma(c2, u2), toU);
            u3 = u3.blend(x.fma(c3, u3), toU);
            FloatVector r0 = s0.add(u0).rearrange(back), r1 = s1.add(u1).rearrange(back);
            FloatVector r2 = s2.add(u2).rearrange(back), r3 = s3.add(u3).rearrange(back);
            // rowTimesTransposed's butterfly, written out for VL = 16 (a vector passed to a helper
            // C2 did not inline was boxed here, twice per pass)
            FloatVector p01 = r0.blend(r1, HI0).add(r1.blend(r0, HI0).rearrange(X0));
            FloatVector p23 = r2.blend(r3, HI0).add(r3.blend(r2, HI0).rearrange(X0));
            FloatVector sums = p01.blend(p23, HI1).add(p23.blend(p01, HI1).rearrange(X1));
            sums = sums.add(sums.rearrange(X2));
            sums.add(sums.rearrange(X3)).intoArray(t, 0);
            if (k1 < k) {                             // row[sh + VL + p] holds A's value p for p in [k1, k)
                t[0] = scalarTail(t[0], row, sh + VL, b, b0 + sh, k1, k);
                t[1] = scalarTail(t[1], row, sh + VL, b, b1 + sh, k1, k);
                t[2] = scalarTail(t[2], row, sh + VL, b, b2 + sh, k1, k);
                t[3] = scalarTail(t[3], row, sh + VL, b, b3 + sh, k1, k);
            }
            // combine(), written out: C2 did not inline calls this deep into a large method, and
            // eight calls per pass cost about a fifth of the GEMV's time at 1x1024x512
            if (beta == 0f) {
                c[ci + j] = t[0] * alpha;
                c[ci + j + q] = t[1] * alpha;
                c[ci + j + 2 * q] = t[2] * alpha;
                c[ci + j + 3 * q] = t[3] * alpha;
            } else {
                c[ci + j] = Math.fma(t[0], alpha, c[ci + j] * beta);
                c[ci + j + q] = Math.fma(t[1], alpha, c[ci + j + q] * beta);
                c[ci + j + 2 * q] = Math.fma(t[2], alpha, c[ci + j + 2 * q] * beta);
                c[ci + j + 3 * q] = Math.fma(t[3], alpha, c[ci + j + 3 * q] * beta);
            }
        }
        singleRows(4 * q, n, k, alpha, row, sh, sh + VL, b, offB, ldb, beta, c, ci, t);
    }

    /**
     * Rows {@code [j0, n)} of {@link #rowTimesTransposed} one at a time (the last 0-3 of its
     * passes), A's value p at {@code a[aOff + p]} for the vectors and at {@code a[tailOff + p]}
     * for the scalar tail past {@code k - k % VL}: both loops' last rows, on the plain row and on
     * {@link #layLinesRow}'s layout. A row's sum is formed as in the four-row passes.
     */
    private static void singleRows(int j0, int n, int k, float alpha, float[] a, int aOff, int tailOff,
                                   float[] b, int offB, int ldb, float beta, float[] c, int ci, float[] t) {
        int k1 = k - k % VL, k2 = k - k % (2 * VL);
        for (int j = j0; j < n; j++) {
            int bRow = offB + j * ldb;
            FloatVector s0 = FloatVector.zero(S), u0 = s0;
            for (int p = 0; p < k2; p += 2 * VL) {
                s0 = FloatVector.fromArray(S, a, aOff + p).fma(FloatVector.fromArray(S, b, bRow + p), s0);
                u0 = FloatVector.fromArray(S, a, aOff + p + VL).fma(FloatVector.fromArray(S, b, bRow + p + VL), u0);
            }
            if (k1 > k2) {
                s0 = FloatVector.fromArray(S, a, aOff + k2).fma(FloatVector.fromArray(S, b, bRow + k2), s0);
            }
            c[ci + j] = combine(scalarTail(rowSum(s0.add(u0), t), a, tailOff, b, bRow, k1, k), alpha, beta, c[ci + j]);
        }
    }

    /** {@code ROTATIONS[sh]}: lane l takes lane (l + sh) mod VL. */
    private static final VectorShuffle<Float>[] ROTATIONS = rotations();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] rotations() {
        VectorShuffle<Float>[] r = new VectorShuffle[VL];
        for (int sh = 0; sh < VL; sh++) {
            int d = sh;
            r[sh] = VectorShuffle.fromOp(S, l -> (l + d) % VL);
        }
        return r;
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

    /** {@code d} plus the scalar tail {@code [k1, k)} of one dot product with row {@code bRow} of B, A's value p at {@code row[rowOff + p]}. */
    private static float scalarTail(float d, float[] row, int rowOff, float[] b, int bRow, int k1, int k) {
        for (int p = k1; p < k; p++) {
            d = Math.fma(row[rowOff + p], b[bRow + p], d);
        }
        return d;
    }
}
