package io.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static io.rnn4j.simd.Gemm.MR;
import static io.rnn4j.simd.Gemm.NR;
import static io.rnn4j.simd.Lanes.DN0;
import static io.rnn4j.simd.Lanes.DN1;
import static io.rnn4j.simd.Lanes.DN2;
import static io.rnn4j.simd.Lanes.DN3;
import static io.rnn4j.simd.Lanes.HI0;
import static io.rnn4j.simd.Lanes.HI1;
import static io.rnn4j.simd.Lanes.HI2;
import static io.rnn4j.simd.Lanes.HI3;
import static io.rnn4j.simd.Lanes.UP0;
import static io.rnn4j.simd.Lanes.UP1;
import static io.rnn4j.simd.Lanes.UP2;
import static io.rnn4j.simd.Lanes.UP3;

/**
 * Packing for {@link Gemm}: op(B) into NR-wide k-major panels, op(A) into MR-row slivers, and
 * the 16 x 16 in-register transposes that both packings of a transposed operand and
 * {@link TransposedProduct}'s write-back use.
 */
final class Packing {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int VL = Gemm.VL;

    private Packing() {
    }

    /**
     * Copies the {@code rows x cols} block at {@code src[so]} (rows {@code lds} apart) transposed
     * to {@code dst[dOff]} (rows {@code ldd} apart): 16 x 16 blocks in registers, the edges one
     * value at a time.
     */
    static void transposeTile(float[] src, int so, int lds, float[] dst, int dOff, int ldd, int rows, int cols) {
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
    static void packRowsB(float[] b, int offB, int ldb, int pc, int kc, int jc, int nc, float[] dst, int dstOff) {
        packRowsB(b, offB, ldb, pc, kc, jc, nc, dst, dstOff, kc);
    }

    /**
     * {@link #packRowsB(float[], int, int, int, int, int, int, float[], int)} into panels
     * {@code depth} rows deep, the {@code kc} rows written from {@code dstOff} on (row {@code p}
     * of panel {@code q} at {@code dstOff + q * depth * NR + p * NR}): a K block stacked from two
     * sources ({@link Gemm.PackedB#packStacked}) packs each source's rows at their place in the
     * block's panels.
     */
    static void packRowsB(float[] b, int offB, int ldb, int pc, int kc, int jc, int nc, float[] dst, int dstOff, int depth) {
        // Row by row, each source row segment read once from start to end and dealt out to
        // the panels: one sequential stream per row for the prefetcher. Panel by panel (256 B
        // from each of kc rows, then back to the first row) left M=64, K=2048 products
        // waiting on B: 0.80x OpenBLAS instead of 0.99x (one interleaved run, Zen 5). That was a
        // separate pass; a plain product now does read B panel by panel, but inside the first
        // sliver's k loop, where the loads overlap FMAs (Gemm.packingFirstSliver).
        for (int p = 0; p < kc; p++) {
            int src = offB + (pc + p) * ldb + jc;
            for (int jr = 0; jr < nc; jr += NR) {
                int w = Math.min(NR, nc - jr);
                int d = dstOff + (jr / NR) * depth * NR + p * NR;
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
     * One panel of a non-transposed B gathered from two column ranges of {@code kc} rows from
     * {@code b[bo]}: columns {@code [0, lead)} into the panel's first {@code lead} columns and
     * {@code [tail, tail + NR - lead)} into the rest. Two copies per row, but one such panel per
     * block of columns.
     */
    static void packGatheredB(float[] b, int bo, int ldb, int kc, int lead, int tail, float[] dst, int d) {
        for (int p = 0; p < kc; p++) {
            int src = bo + p * ldb;
            System.arraycopy(b, src, dst, d + p * NR, lead);
            System.arraycopy(b, src + tail, dst, d + p * NR + lead, NR - lead);
        }
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
     * butterfly of {@link Lanes}. Only for 16-lane vectors.
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
    static void packA(boolean transA, float[] a, int offA, int lda, int ic, int mc, int pc, int kc, float[] dst) {
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
}
