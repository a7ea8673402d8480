package io.rnn4j.simd;

import io.rnn4j.Tensor;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The packed SIMD GEMM against a float64 reference, on odd shapes, every transpose, offsets and lds. */
class SimdGemmTest {
    private static final SimdBackend SIMD = new SimdBackend(2);
    private static final SimdBackend SIMD3 = new SimdBackend(3);
    private static final SimdBackend SIMD1 = new SimdBackend(1);

    @AfterAll
    static void close() {
        SIMD.close();
        SIMD3.close();
        SIMD1.close();
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Runs one case on {@code be} and checks it against a double-precision loop. */
    private static float[] check(SimdBackend be, long seed, boolean ta, boolean tb, int m, int n, int k,
                                 float alpha, float beta, int padA, int padB, int padC, int offA, int offB, int offC) {
        SplittableRandom r = new SplittableRandom(seed);
        int lda = Math.max(1, (ta ? m : k) + padA), ldb = Math.max(1, (tb ? k : n) + padB), ldc = Math.max(1, n + padC);
        int rowsA = ta ? k : m, rowsB = tb ? n : k;
        float[] a = random(r, offA + Math.max(1, rowsA * lda));
        float[] b = random(r, offB + Math.max(1, rowsB * ldb));
        float[] c = random(r, offC + Math.max(1, m * ldc));
        if (beta == 0f) {
            Arrays.fill(c, offC, c.length, Float.NaN); // must not be read
        }
        float[] expect = c.clone();
        double[] tol = new double[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    double y = tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    s += x * y;
                    mag += Math.abs(x * y);
                }
                int ci = offC + i * ldc + j;
                double old = beta == 0f ? 0 : beta * (double) c[ci];
                expect[ci] = (float) (alpha * s + old);
                tol[ci] = 2e-6 * (Math.abs(alpha) * mag + Math.abs(old)) + 1e-7;
            }
        }
        Tensor ta_ = be.fromArray(a, a.length), tb_ = be.fromArray(b, b.length), tc = be.fromArray(c, c.length);
        be.gemm(ta, tb, m, n, k, alpha, ta_, offA, lda, tb_, offB, ldb, beta, tc, offC, ldc);
        float[] got = tc.toArray();
        String what = "gemm ta=" + ta + " tb=" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta;
        for (int i = 0; i < c.length; i++) {
            if (Float.isNaN(expect[i])) {
                assertTrue(Float.isNaN(got[i]), what + " wrote outside C at " + i);
                continue;
            }
            double err = Math.abs(got[i] - expect[i]);
            if (!(err <= tol[i])) {
                throw new AssertionError(what + " at " + i + ": got " + got[i] + ", expected " + expect[i] + " (tol " + tol[i] + ")");
            }
        }
        return got;
    }

    @Test
    void oddShapesEveryTranspose() {
        int[] ms = {1, 2, 3, 4, 5, 7, 13, 64, 67};
        int[] ns = {1, 3, 15, 16, 17, 63, 64, 65, 130};
        int[] ks = {1, 5, 16, 31, 257};
        long seed = 1;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int m : ms) {
                    for (int n : ns) {
                        int k = ks[(int) (seed % ks.length)];
                        float alpha = seed % 3 == 0 ? 1f : -0.75f;
                        float beta = seed % 4 == 0 ? 0f : (seed % 4 == 1 ? 1f : 0.5f);
                        check(SIMD, seed++, ta, tb, m, n, k, alpha, beta, (int) (seed % 3), (int) (seed % 5), (int) (seed % 2),
                                (int) (seed % 7), (int) (seed % 4), (int) (seed % 3));
                    }
                }
            }
        }
    }

    @Test
    void unpackedPathWideRowsEveryKTail() {
        // m < MR takes the unpacked GEMV loops: n past 16 and 8 vectors of columns (and between),
        // k with a 2-vector body, a 1-vector step and a scalar tail in every combination.
        int[] ns = {255, 256, 300, 383, 531};
        int[] ks = {1, 17, 33, 50, 100, 600};
        long seed = 100;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int m = 1; m < Gemm.MR; m++) {
                    for (int n : ns) {
                        for (int k : ks) {
                            float beta = seed % 3 == 0 ? 0f : 0.5f;
                            check(SIMD, seed++, ta, tb, m, n, k, -1.5f, beta, (int) (seed % 3), (int) (seed % 5), 1, 2, 3, 1);
                        }
                    }
                }
            }
        }
    }

    @Test
    void gemvColumnSplitsAreBitIdentical() {
        // The recurrent kernels split a batch-1 product's columns across threads: any split must
        // give the same bits as the whole (each column's sum does not depend on its neighbours).
        SplittableRandom r = new SplittableRandom(5);
        Gemm gemm = new Gemm(new Threads(1));
        for (boolean tb : new boolean[] {false, true}) {
            int m = 2, n = 531, k = 97;
            int ldb = tb ? k + 3 : n + 3;
            float[] a = random(r, m * k), b = random(r, (tb ? n : k) * ldb), c0 = random(r, m * n);
            float[] whole = c0.clone();
            gemm.gemvSerial(tb, m, n, k, 0.5f, a, 0, k, b, 0, ldb, 1f, whole, 0, n);
            for (int[] cuts : new int[][] {{128, 256, 384, 512}, {37, 300}, {1, 2, 3, 259}}) {
                float[] split = c0.clone();
                int j0 = 0;
                for (int i = 0; i <= cuts.length; i++) {
                    int j1 = i < cuts.length ? cuts[i] : n;
                    int offB = tb ? j0 * ldb : j0;
                    gemm.gemvSerial(tb, m, j1 - j0, k, 0.5f, a, 0, k, b, offB, ldb, 1f, split, j0, n);
                    j0 = j1;
                }
                assertArrayEquals(whole, split, "tb=" + tb + " cuts " + Arrays.toString(cuts));
            }
        }
    }

    @Test
    void panelRowEqualsTheUnpackedGemvBitForBit() {
        if (Gemm.VL < 16) {
            return; // the panel path serves 16-float vectors only
        }
        Gemm gemm = new Gemm(new Threads(1));
        SplittableRandom r = new SplittableRandom(77);
        for (int k : new int[] {1, 7, 200, 513}) {
            int offA = 3, off = 5, offC = 11;
            float[] a = random(r, offA + k + 2);
            float[] rows = random(r, k * Gemv.PANEL); // B row-major, k x PANEL
            float[] panel = random(r, off + k * Gemv.PANEL + 9); // the same as four k x NR blocks from off
            for (int j = 0; j < Gemv.PANEL; j++) {
                for (int p = 0; p < k; p++) {
                    panel[off + (j / Gemm.NR) * k * Gemm.NR + p * Gemm.NR + j % Gemm.NR] = rows[p * Gemv.PANEL + j];
                }
            }
            float[] want = new float[offC + Gemv.PANEL + 4];
            float[] got = want.clone();
            gemm.gemvSerial(false, 1, Gemv.PANEL, k, 1f, a, offA, k, rows, 0, Gemv.PANEL, 0f, want, offC, Gemv.PANEL);
            Gemv.panelRow(k, a, offA, panel, off, got, offC);
            assertArrayEquals(want, got, "k = " + k);
            for (int j = 0; j < Gemv.PANEL; j += 37) { // and it is the product, not just the same as gemvSerial
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[offA + p] * rows[p * Gemv.PANEL + j];
                }
                assertEquals(s, got[offC + j], 1e-5 * Math.sqrt(k), "k = " + k + ", column " + j);
            }
        }
    }

    @Test
    void blockedSizesAcrossKcNcAndMc() {
        // k > KC, n > NC, m > MC: every blocking loop runs more than once, with ragged edges.
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                check(SIMD, 7, ta, tb, 133, Gemm.NC + 37, Gemm.KC + 45, 1.25f, 0.5f, 3, 1, 2, 5, 9, 1);
            }
        }
    }

    @Test
    void fewRowsPathAcrossKcAndColumnBlocks() {
        // m <= FEW_ROWS takes the few-rows path (A packed once per K block; a non-transposed B packed
        // by each panel's first sliver, a transposed one a group of panels at a time): k spans three
        // K blocks, n two column blocks (the second with two full panels and a ragged one), m a
        // ragged last sliver (61 rows; with 16-float vectors a transposed B then goes through
        // transposedProduct instead, so 53 rows keep the grouped packing covered). One thread, so
        // a single call walks every block; then the team's cut by column panels (19 panels on two
        // threads).
        int n = Gemm.NC + 2 * Gemm.NR + 37;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                check(SIMD1, 13, ta, tb, 61, n, 2 * Gemm.KC + 45, 0.75f, 0.5f, 2, 3, 1, 4, 6, 2);
                check(SIMD1, 15, ta, tb, 53, n, 2 * Gemm.KC + 45, 0.75f, 0.5f, 2, 3, 1, 4, 6, 2);
                check(SIMD, 13, ta, tb, Gemm.FEW_ROWS, n, 2 * Gemm.KC + 45, 1f, 0f, 0, 0, 0, 0, 0, 0);
            }
        }
    }

    /** {@code be.gemm} on copies of the arrays, with zero offsets; returns C. */
    private static float[] gemm(SimdBackend be, boolean ta, boolean tb, int m, int n, int k, float alpha,
                                float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        Tensor tc = be.fromArray(c.clone(), c.length);
        be.gemm(ta, tb, m, n, k, alpha, be.fromArray(a.clone(), a.length), 0, lda, be.fromArray(b.clone(), b.length), 0, ldb,
                beta, tc, 0, ldc);
        return tc.toArray();
    }

    @Test
    void transposedBWithAboutOnePanelOfRowsAgainstTheReference() {
        // 57-64 rows times a transposed B run as Cᵀ = B·op(A)ᵀ (with 16-float vectors): k spans
        // two K spans of the packed op(A) (the second ragged), n has three groups of 16 rows of B
        // (too few for the four streams) and a ragged tail of 7; offsets and leading dimensions
        // beyond the rows; beta 0 must not read C (check fills it with NaN).
        int k = Gemm.SPAN / Gemm.NR + Gemm.KC + 45, n = 3 * Gemm.TILE_ROWS + 7;
        for (boolean ta : new boolean[] {false, true}) {
            check(SIMD1, 21, ta, true, Gemm.NR, n, k, 0.75f, 0.5f, 2, 3, 1, 4, 6, 2);
            check(SIMD1, 22, ta, true, Gemm.NR - 3, n, k, 1f, 0f, 1, 0, 2, 0, 5, 3);
            // 29-32 rows: half a panel, eight rows of B per kernel call
            check(SIMD1, 25, ta, true, Gemm.NR / 2, n, k, 0.75f, 0.5f, 2, 3, 1, 4, 6, 2);
            check(SIMD1, 26, ta, true, Gemm.NR / 2 - 3, 5 * Gemm.TILE_ROWS + 3, 70, 1f, 0f, 1, 0, 2, 0, 5, 3);
            check(SIMD, 27, ta, true, Gemm.NR / 2, 5 * Gemm.NR + 9, 300, -1f, 1f, 0, 1, 0, 2, 0, 1);
            check(SIMD, 23, ta, true, Gemm.NR, 5 * Gemm.NR + 9, 300, -1f, 1f, 0, 1, 0, 2, 0, 1);
            // five groups of 16 rows of B: four through the streams, one and a tail of 3 after them
            check(SIMD1, 24, ta, true, Gemm.NR - 1, 5 * Gemm.TILE_ROWS + 3, 70, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void transposedBPanelsOfALargeBEqualThePackedPathBitForBit() {
        if (Gemm.VL != 16) {
            return; // the transposed-B path serves 16-float vectors only
        }
        // 65-256 rows times a transposed B of at least BIG_B floats (per thread) run a 64-row
        // panel at a time, the last one 61 rows, k over two spans; rows 0-188 of a 293-row
        // product (the packed loops) give the same bits. Two threads cut the columns in halves
        // that are each still large enough.
        SplittableRandom r = new SplittableRandom(8);
        int tall = 4 * Gemm.NR + 37, m = 3 * Gemm.NR - 3, k = (int) (Gemm.BIG_B / 1000) + 17;
        for (boolean ta : new boolean[] {false, true}) {
            for (int n : new int[] {1000, 2048}) {
                SimdBackend be = n == 1000 ? SIMD1 : SIMD;
                int lda = ta ? tall : k, ldb = k, ldc = n;
                float[] a = random(r, ta ? k * lda : tall * lda), b = random(r, n * ldb), c = random(r, tall * ldc);
                float[] whole = gemm(SIMD1, ta, true, tall, n, k, 0.5f, a, lda, b, ldb, 0.25f, c, ldc);
                float[] part = gemm(be, ta, true, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c, ldc);
                assertArrayEquals(Arrays.copyOf(whole, m * ldc), Arrays.copyOf(part, m * ldc),
                        "ta=" + ta + " on " + be.threads() + " threads");
            }
        }
    }

    @Test
    void transposedBProductEqualsThePackedPathBitForBit() {
        if (Gemm.VL != 16) {
            return; // the transposed-B path serves 16-float vectors only
        }
        // The same rows of A inside a product too tall for that path (the packed loops) give the same bits.
        SplittableRandom r = new SplittableRandom(5);
        int tall = Gemm.FEW_ROWS + 37, n = 2 * Gemm.TILE_ROWS + 5, k = Gemm.SPAN / Gemm.NR + 77;
        for (boolean ta : new boolean[] {false, true}) {
            for (float beta : new float[] {0f, 0.5f}) {
                int lda = ta ? tall + 3 : k + 1, ldb = k + 2, ldc = n + 1;
                float[] a = random(r, ta ? k * lda : tall * lda), b = random(r, n * ldb), c = random(r, tall * ldc);
                float[] whole = gemm(SIMD1, ta, true, tall, n, k, 1.25f, a, lda, b, ldb, beta, c, ldc);
                for (int m : new int[] {Gemm.NR, Gemm.NR - 3, Gemm.NR / 2, Gemm.NR / 2 - 3}) {
                    float[] part = gemm(SIMD1, ta, true, m, n, k, 1.25f, a, lda, b, ldb, beta, c, ldc);
                    assertArrayEquals(Arrays.copyOf(whole, m * ldc), Arrays.copyOf(part, m * ldc), "ta=" + ta + " m=" + m);
                    assertArrayEquals(Arrays.copyOfRange(c, m * ldc, c.length), Arrays.copyOfRange(part, m * ldc, c.length));
                }
            }
        }
    }

    @Test
    void zeroSizesAndKZeroScalesByBeta() {
        check(SIMD, 3, false, false, 5, 7, 0, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
        check(SIMD, 3, false, false, 5, 7, 0, 1f, 0f, 0, 0, 0, 0, 0, 0);
        check(SIMD, 3, true, true, 0, 7, 3, 1f, 0f, 0, 0, 0, 0, 0, 0);
        check(SIMD, 3, true, false, 4, 0, 3, 1f, 0f, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void bitIdenticalAcrossRunsAndThreadCounts() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] one = check(SIMD1, 11, ta, tb, 70, 300, 300, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
                float[] two = check(SIMD, 11, ta, tb, 70, 300, 300, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
                float[] twoAgain = check(SIMD, 11, ta, tb, 70, 300, 300, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
                float[] three = check(SIMD3, 11, ta, tb, 70, 300, 300, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
                assertArrayEquals(two, twoAgain);
                assertArrayEquals(one, two);
                assertArrayEquals(one, three);
                // fewer than MR rows, B large enough that the GEMV is split by columns across threads
                float[] gemv1 = check(SIMD1, 13, ta, tb, 2, 1000, 300, 1f, 0.5f, 1, 2, 1, 0, 3, 0);
                assertArrayEquals(gemv1, check(SIMD, 13, ta, tb, 2, 1000, 300, 1f, 0.5f, 1, 2, 1, 0, 3, 0));
                assertArrayEquals(gemv1, check(SIMD3, 13, ta, tb, 2, 1000, 300, 1f, 0.5f, 1, 2, 1, 0, 3, 0));
                // few column panels, many rows: the row split
                float[] tall1 = check(SIMD1, 12, ta, tb, 600, 40, 100, 1f, 0f, 0, 0, 0, 0, 0, 0);
                float[] tall2 = check(SIMD, 12, ta, tb, 600, 40, 100, 1f, 0f, 0, 0, 0, 0, 0, 0);
                assertArrayEquals(tall1, tall2);
                // enough panels for a column cut, but more rows than columns: cut by rows too
                float[] wide1 = check(SIMD1, 14, ta, tb, 530, 300, 150, 1f, 0.5f, 0, 0, 0, 0, 0, 0);
                assertArrayEquals(wide1, check(SIMD, 14, ta, tb, 530, 300, 150, 1f, 0.5f, 0, 0, 0, 0, 0, 0));
                assertArrayEquals(wide1, check(SIMD3, 14, ta, tb, 530, 300, 150, 1f, 0.5f, 0, 0, 0, 0, 0, 0));
            }
        }
    }

    @Test
    void prepackedBEqualsPerCallPacking() {
        SplittableRandom r = new SplittableRandom(5);
        for (boolean tb : new boolean[] {false, true}) {
            // {150, 2200, 700} has two MC row blocks of the per-call path (one PACKED_MC block of
            // the pre-packed one) and KC depth blocks, and on two threads each thread's columns
            // are more than NC; the last shape has two PACKED_MC row blocks and a ragged third.
            for (int[] shape : new int[][] {{1, 200, 300}, {3, 200, 300}, {4, 200, 300}, {37, 200, 300}, {150, 2200, 700},
                    {2 * Gemm.PACKED_MC + 37, 300, Gemm.KC + 99}}) {
                int m = shape[0], n = shape[1], k = shape[2];
                float[] a = random(r, m * k), b = random(r, n * k);
                float[] c1 = random(r, m * n), c2 = c1.clone();
                int ldb = tb ? k : n;
                SIMD.gemmEngine().gemm(false, tb, m, n, k, 0.5f, a, 0, k, b, 0, ldb, 1f, c1, 0, n);
                Gemm.PackedB pb = new Gemm.PackedB(tb, k, n);
                pb.pack(b, 0, ldb);
                SIMD.gemmEngine().gemm(false, m, 0.5f, a, 0, k, pb, 1f, c2, 0, n);
                assertArrayEquals(c1, c2);
            }
            // The few-rows path (several K and column blocks, a ragged panel and a ragged one-row
            // sliver; 61 rows times a transposed B take transposedProduct with 16-float vectors,
            // 53 the grouped packing) against the pre-packed path, with B at an offset and padded
            // rows, on one and two threads.
            for (int m : new int[] {61, 53}) {
                int n = Gemm.NC + Gemm.NR + 37, k = 2 * Gemm.KC + 45, offB = 5;
                int ldb = (tb ? k : n) + 3;
                float[] a = random(r, m * k), b = random(r, offB + (tb ? n : k) * ldb);
                for (SimdBackend be : new SimdBackend[] {SIMD1, SIMD}) {
                    float[] c1 = random(r, m * n), c2 = c1.clone();
                    be.gemmEngine().gemm(false, tb, m, n, k, 0.5f, a, 0, k, b, offB, ldb, 1f, c1, 0, n);
                    Gemm.PackedB pb = new Gemm.PackedB(tb, k, n);
                    pb.pack(b, offB, ldb);
                    be.gemmEngine().gemm(false, m, 0.5f, a, 0, k, pb, 1f, c2, 0, n);
                    assertArrayEquals(c1, c2, (tb ? "A·Bᵀ" : "A·B") + " m=" + m + " on " + be.threads() + " threads");
                }
            }
        }
    }

    /**
     * {@code [W; U]} packed from its two parts (and {@code [W; U; b]} from three) equals the same
     * matrix packed whole, bit for bit, wherever the split falls against the K blocks: at 0,
     * inside the first block, at a block boundary, inside a later block, at the end; with
     * offsets, row padding, a ragged last panel and every row count from one (a stacked B has no
     * single source, so fewer than MR rows take the packed path: checked against a stacked B's
     * own gemmSerial) up.
     */
    @Test
    void stackedPackingEqualsPackingTheStackedMatrix() {
        SplittableRandom r = new SplittableRandom(17);
        int n = 2 * Gemm.NR + 37, k = 2 * Gemm.KC + 45;
        for (int kTop : new int[] {0, 1, 300, Gemm.KC, Gemm.KC + 7, 2 * Gemm.KC + 44, k}) {
            checkStacked(r, n, k, kTop, false);
            if (kTop < k) {
                // [W; U; b]: one row of b after U (no rows of U when kTop = k - 1)
                checkStacked(r, n, k, kTop, true);
            }
        }
        Gemm.PackedB t = new Gemm.PackedB(true, 10, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.packStacked(new float[100], 0, 10, 5, new float[100], 0, 10));
        assertTrue(e.getMessage().contains("non-transposed"), e.getMessage());
        Gemm.PackedB shortStack = new Gemm.PackedB(false, 10, 10);
        e = assertThrows(IllegalArgumentException.class,
                () -> shortStack.packStacked(new float[100], 0, 10, 5, new float[100], 0, 10, 5, new float[10], 0));
        assertTrue(e.getMessage().contains("kBottom 5 + 1 of k 10"), e.getMessage());
    }

    /**
     * A pack filled a range of panels at a time ({@code PackedB.packPanels}, as the recurrent
     * kernels spread it over their team) holds exactly the panels of one whole pack, for plain
     * and transposed B and for a stacked {@code [W; U; b]}, with a ragged last panel and
     * several K blocks, cut into ranges of every size, and with its panels overwritten first
     * (a repack must not keep anything of the last one).
     */
    @Test
    void packingRangesOfPanelsEqualsOnePack() {
        SplittableRandom r = new SplittableRandom(23);
        int n = 4 * Gemm.NR + 13, k = Gemm.KC + 77, panels = (n + Gemm.NR - 1) / Gemm.NR;
        for (boolean tb : new boolean[] {false, true}) {
            int ldb = (tb ? k : n) + 3;
            float[] b = random(r, 2 + (tb ? n : k) * ldb);
            Gemm.PackedB whole = new Gemm.PackedB(tb, k, n);
            whole.pack(b, 2, ldb);
            int[] each = new int[panels + 1];
            for (int q = 0; q <= panels; q++) {
                each[q] = q;
            }
            for (int[] cuts : new int[][] {each, {0, 2, panels}, {0, panels - 1, panels}, {0, panels}}) {
                Gemm.PackedB ranges = new Gemm.PackedB(tb, k, n);
                ranges.pack(random(r, 2 + (tb ? n : k) * ldb), 2, ldb); // other values first
                ranges.prepare(b, 2, ldb);
                assertEquals(panels, ranges.panels());
                for (int i = cuts.length - 2; i >= 0; i--) { // any order
                    ranges.packPanels(cuts[i], cuts[i + 1]);
                }
                assertArrayEquals(whole.data, ranges.data, (tb ? "Bᵀ" : "B") + " in ranges " + java.util.Arrays.toString(cuts));
            }
        }
        int kTop = 40, kBottom = k - kTop - 1;
        float[] w = random(r, kTop * n), u = random(r, kBottom * n), bias = random(r, n);
        Gemm.PackedB whole = new Gemm.PackedB(false, k, n);
        whole.packStacked(w, 0, n, kTop, u, 0, n, kBottom, bias, 0);
        Gemm.PackedB ranges = new Gemm.PackedB(false, k, n);
        ranges.pack(random(r, k * n), 0, n);
        ranges.prepareStacked(w, 0, n, kTop, u, 0, n, kBottom, bias, 0);
        ranges.packPanels(panels / 2, panels);
        ranges.packPanels(0, panels / 2);
        assertArrayEquals(whole.data, ranges.data, "[W; U; b] in two ranges");
    }

    /** One split of {@link #stackedPackingEqualsPackingTheStackedMatrix}, with or without a last row. */
    private static void checkStacked(SplittableRandom r, int n, int k, int kTop, boolean withLast) {
        int kBottom = k - kTop - (withLast ? 1 : 0);
        int offW = 3, ldW = n + 5, offU = 11, ldU = n + 2, offB = 6;
        float[] w = random(r, offW + kTop * ldW), u = random(r, offU + kBottom * ldU), bias = random(r, offB + n);
        float[] whole = new float[k * n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                whole[i * n + j] = i < kTop ? w[offW + i * ldW + j]
                        : i < kTop + kBottom ? u[offU + (i - kTop) * ldU + j] : bias[offB + j];
            }
        }
        Gemm.PackedB stacked = new Gemm.PackedB(false, k, n);
        if (withLast) {
            stacked.packStacked(w, offW, ldW, kTop, u, offU, ldU, kBottom, bias, offB);
        } else {
            stacked.packStacked(w, offW, ldW, kTop, u, offU, ldU);
        }
        Gemm.PackedB pb = new Gemm.PackedB(false, k, n);
        pb.pack(whole, 0, n);
        for (int m : new int[] {1, 3, 4, 37}) {
            float[] a = random(r, m * k), c0 = random(r, m * n), c1 = c0.clone(), c2 = c0.clone(), c3 = c0.clone();
            SIMD.gemmEngine().gemmSerial(m, 0.5f, a, 0, k, pb, 1f, c1, 0, n);
            SIMD.gemmEngine().gemmSerial(m, 0.5f, a, 0, k, stacked, 1f, c2, 0, n);
            assertArrayEquals(c1, c2, "kTop=" + kTop + " m=" + m);
            SIMD.gemmEngine().gemm(false, m, 0.5f, a, 0, k, stacked, 1f, c3, 0, n);
            assertArrayEquals(c1, c3, "gemm on a stacked B, kTop=" + kTop + " m=" + m);
            // op(A) transposed: A stored k x m
            float[] at = new float[k * m];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    at[p * m + i] = a[i * k + p];
                }
            }
            // (the same packed slivers, so the same bits as A times it)
            float[] c4 = c0.clone();
            SIMD.gemmEngine().gemm(true, m, 0.5f, at, 0, m, stacked, 1f, c4, 0, n);
            assertArrayEquals(c3, c4, "Aᵀ times a stacked B, kTop=" + kTop + " m=" + m);
        }
    }

    @Test
    void firstSliverPanelsStartingOnACacheLineEqualThePrePackedPath() {
        // A large non-transposed B whose elements' cache-line positions are known (Alignment):
        // with at most MC rows the first slivers start their panels on a line boundary, and the
        // columns before the first boundary and after the last full panel go through one gathered
        // panel. Every offset of B within a line, both layouts of A, beta 0 and 1, one and two
        // threads: the same bits as the pre-packed path, whose panels start at column 0.
        if (Gemm.NR % Alignment.LINE != 0) {
            return; // panels narrower than a line are not shifted
        }
        SplittableRandom r = new SplittableRandom(21);
        int n = 2048, k = 4 * Gemm.KC + 45; // B: 17 MiB, more than half of any region G1 picks by itself
        for (int offB : new int[] {0, 1, 5, 11, 12, 15}) {
            float[] b = random(r, offB + k * n);
            assumeTrue(Alignment.known(b), "B's cache-line position is known (G1, regions up to 32 MiB)");
            for (int m : new int[] {5, 64, 100}) {
                boolean ta = (offB + m) % 2 == 0;
                float[] a = random(r, m * k);
                for (SimdBackend be : new SimdBackend[] {SIMD1, SIMD}) {
                    for (float beta : new float[] {0f, 1f}) {
                        float[] c1 = random(r, m * n), c2 = c1.clone();
                        be.gemmEngine().gemm(ta, false, m, n, k, 0.5f, a, 0, ta ? m : k, b, offB, n, beta, c1, 0, n);
                        Gemm.PackedB pb = new Gemm.PackedB(false, k, n);
                        pb.pack(b, offB, n);
                        be.gemmEngine().gemm(ta, m, 0.5f, a, 0, ta ? m : k, pb, beta, c2, 0, n);
                        assertArrayEquals(c2, c1, "offB=" + offB + " m=" + m + " ta=" + ta + " beta=" + beta
                                + " on " + be.threads() + " threads");
                    }
                }
            }
        }
        // and one such product against the float64 reference
        check(SIMD, 22, false, false, 64, n, k, 1.5f, 0.5f, 0, 0, 0, 0, 5, 0);
    }

    @Test
    void gemvOnLineAlignedLoadsEqualsTheUnalignedLoopBitForBit() {
        // Batch-1 A·Bᵀ through gemm with a B large enough for Alignment to know where its rows
        // fall: each row offset within a line (lead 1-15) takes the line-aligned loop, which must
        // give the bits of the plain loop on the same values placed on a line boundary (lead 0).
        // k with and without tails past the last vector and past the last vector pair, n not a
        // multiple of 4, 1-3 rows, both layouts of A, beta 0 and 0.5, one and two threads; k
        // below two vectors takes the plain loop. NaN in B's row padding and before its first row:
        // neither loop may read them.
        SplittableRandom r = new SplittableRandom(31);
        for (int[] nk : new int[][] {{8200, 512}, {8203, 530}, {4401, 1000}, {90001, 40}, {20003, 31}, {40001, 16}}) {
            int n = nk[0], k = nk[1], ldb = (k + 15) / 16 * 16;
            boolean lined = Gemm.VL == Alignment.LINE && k >= 2 * Gemm.VL;
            for (int offB : new int[] {1, 4, 7, 11, 15}) {
                float[] b = random(r, offB + n * ldb);
                Arrays.fill(b, 0, offB, Float.NaN);
                for (int j = 0; j < n; j++) {
                    Arrays.fill(b, offB + j * ldb + k, offB + (j + 1) * ldb, Float.NaN);
                }
                int lead = Alignment.toLine(b, offB);
                if (lined) {
                    assumeTrue(Alignment.known(b), "B's cache-line position is known (G1, regions up to 32 MiB)");
                    assertTrue(Gemv.lineLead(n, k, b, offB, ldb) > 0, "the line-aligned loop serves offB=" + offB);
                }
                float[] aligned = new float[b.length + 16]; // the same values from a line boundary
                System.arraycopy(b, offB, aligned, offB + lead, n * ldb);
                assertEquals(0, Gemv.lineLead(n, k, aligned, offB + lead, ldb));
                for (int m = 1; m <= 3; m++) {
                    boolean ta = (m + offB) % 2 == 0;
                    int lda = ta ? m + 1 : k + 2;
                    float[] a = random(r, ta ? k * lda : m * lda);
                    for (SimdBackend be : new SimdBackend[] {SIMD1, SIMD}) {
                        float beta = offB % 2 == 0 ? 0f : 0.5f;
                        float[] c1 = random(r, m * n), c2 = c1.clone();
                        be.gemmEngine().gemm(ta, true, m, n, k, 1.5f, a, 0, lda, b, offB, ldb, beta, c1, 0, n);
                        be.gemmEngine().gemm(ta, true, m, n, k, 1.5f, a, 0, lda, aligned, offB + lead, ldb, beta, c2, 0, n);
                        assertArrayEquals(c2, c1, "n=" + n + " k=" + k + " offB=" + offB + " (lead " + lead + ") m=" + m
                                + " ta=" + ta + " on " + be.threads() + " threads");
                    }
                }
            }
        }
        // and one against the float64 reference (ldb a multiple of 16, so the line-aligned loop)
        check(SIMD1, 32, false, true, 1, 8200, 1000, 1.5f, 0.5f, 0, 8, 0, 0, 5, 0);
    }

    @Test
    void lineAlignedGemvLoopEqualsThePlainLoopForEveryLead() {
        // The loop itself, on ordinary arrays (its results do not depend on where B really sits):
        // every lead 1-15, k from two vectors up with every kind of tail, n % 4 = 0-3, alpha and
        // beta 0 (C's NaN must not be read) or not, NaN in B's row padding and before B, B ending
        // at the array's end, and products that underflow to -0, whose sign must survive.
        if (Gemm.VL != Alignment.LINE) {
            return; // the loop is written for 16-float vectors
        }
        SplittableRandom r = new SplittableRandom(33);
        float[] t = new float[Gemm.VL];
        for (int k : new int[] {32, 33, 40, 47, 48, 63, 64, 100, 512, 530}) {
            int ldb = (k + 15) / 16 * 16;
            for (int n : new int[] {4, 5, 6, 7, 37}) {
                for (int lead = 1; lead < Alignment.LINE; lead++) {
                    int offB = lead % 3;
                    boolean tiny = lead % 4 == 0; // products of about -1e-46, which round to -0
                    float[] b = new float[offB + n * ldb];
                    float[] a = new float[k];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = tiny ? 1e-23f * (float) (1 + r.nextDouble()) : (float) (r.nextDouble() * 2 - 1);
                    }
                    for (int i = 0; i < k; i++) {
                        a[i] = tiny ? -1e-23f * (float) (1 + r.nextDouble()) : (float) (r.nextDouble() * 2 - 1);
                    }
                    Arrays.fill(b, 0, offB, Float.NaN);
                    for (int j = 0; j < n; j++) {
                        Arrays.fill(b, offB + j * ldb + k, offB + (j + 1) * ldb, Float.NaN);
                    }
                    float[] row = new float[Gemv.linesRowLength(k)];
                    Gemv.layLinesRow(a, 0, 1, k, lead, row);
                    for (float beta : new float[] {0f, 0.5f}) {
                        float[] c1 = new float[n + 3], c2 = new float[n + 3];
                        for (int i = 0; i < c1.length; i++) {
                            c1[i] = c2[i] = beta == 0f ? Float.NaN : (float) r.nextDouble();
                        }
                        Gemv.rowTimesTransposed(n, k, 1.25f, a, b, offB, ldb, beta, c1, 2, t);
                        Gemv.rowTimesTransposedFromLines(n, k, 1.25f, row, lead, b, offB, ldb, beta, c2, 2, t);
                        String what = "k=" + k + " n=" + n + " lead=" + lead + " beta=" + beta + (tiny ? " (underflowing)" : "");
                        for (int i = 0; i < c1.length; i++) {
                            assertEquals(Float.floatToRawIntBits(c1[i]), Float.floatToRawIntBits(c2[i]),
                                    what + " at " + i + ": " + c1[i] + " against " + c2[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void twoProductsSharingBEqualTwoGemmsBitForBit() {
        SplittableRandom r = new SplittableRandom(91);
        // (m1, m2, n, k): past KC, NC and MC, odd sizes, a GEMV-sized side, n past several panels,
        // and too few panels for a column cut (the two products then run one after the other)
        int[][] shapes = {{37, 70, 131, 601}, {128, 256, 768, 1100}, {5, 133, 1100, 77}, {2, 9, 40, 30}, {9, 3, 70, 13},
                {60, 200, 64, 700}};
        float[] betas = {1f, 0f, 0.5f};
        int run = 0;
        for (SimdBackend be : new SimdBackend[] {SIMD1, SIMD, SIMD3}) {
            for (int[] sh : shapes) {
                for (int op = 0; op < 4; op++) {
                    boolean ta = (op & 1) != 0, tb = (op & 2) != 0; // every transpose pair, A·Bᵀ and Aᵀ·B too
                    float beta = betas[run++ % betas.length];
                    int m1 = sh[0], m2 = sh[1], n = sh[2], k = sh[3];
                    int lda1 = (ta ? m1 : k) + 3, lda2 = (ta ? m2 : k) + 1, ldb = (tb ? k : n) + 5, ldc1 = n + 2, ldc2 = n + 7;
                    float[] a1 = random(r, 4 + (ta ? k : m1) * lda1), a2 = random(r, 2 + (ta ? k : m2) * lda2);
                    float[] b = random(r, 6 + (tb ? n : k) * ldb);
                    float[] c1 = random(r, 1 + m1 * ldc1), c2 = random(r, 8 + m2 * ldc2);
                    float[] w1 = c1.clone(), w2 = c2.clone();
                    Gemm g = be.gemmEngine();
                    g.gemm(ta, tb, m1, n, k, 0.5f, a1, 4, lda1, b, 6, ldb, beta, w1, 1, ldc1);
                    g.gemm(ta, tb, m2, n, k, 0.5f, a2, 2, lda2, b, 6, ldb, beta, w2, 8, ldc2);
                    g.gemmTwo(ta, m1, a1, 4, lda1, c1, 1, ldc1, m2, a2, 2, lda2, c2, 8, ldc2, tb, n, k, 0.5f, b, 6, ldb, beta);
                    String what = Arrays.toString(sh) + (ta ? " Aᵀ" : " A") + (tb ? " Bᵀ" : " B") + " beta " + beta
                            + " on " + be.threads() + " threads";
                    assertArrayEquals(w1, c1, "C1 of " + what);
                    assertArrayEquals(w2, c2, "C2 of " + what);
                }
            }
        }
    }

    @Test
    void columnRangesOfPrepackedBsEqualTheWholeProducts() {
        SplittableRandom r = new SplittableRandom(6);
        int m = 37, n = 3 * Gemm.NR + 29, k = Gemm.KC + 45;
        float[] a = random(r, m * k);
        Gemm g = SIMD1.gemmEngine();
        Gemm.PackedB[] bs = new Gemm.PackedB[2];
        // two products side by side in one C (ldc 2n): C_q at column q * n
        float[] whole = random(r, m * 2 * n), parts = whole.clone();
        for (int q = 0; q < 2; q++) {
            float[] b = random(r, n * k);
            bs[q] = new Gemm.PackedB(false, k, n);
            bs[q].pack(b, 0, n);
            g.gemmSerial(m, 0.5f, a, 0, k, bs[q], 1f, whole, q * n, 2 * n);
        }
        // ranges of whole panels, the last one ragged, in no particular order
        g.gemmSerialColumns(m, Gemm.NR, 3 * Gemm.NR, 0.5f, a, 0, k, bs, 2, 1f, parts, 0, n, 2 * n);
        g.gemmSerialColumns(m, 3 * Gemm.NR, n, 0.5f, a, 0, k, bs, 2, 1f, parts, 0, n, 2 * n);
        g.gemmSerialColumns(m, 0, Gemm.NR, 0.5f, a, 0, k, bs, 2, 1f, parts, 0, n, 2 * n);
        assertArrayEquals(whole, parts);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.gemmSerialColumns(m, 1, n, 1f, a, 0, k, bs, 2, 0f, parts, 0, n, 2 * n));
        assertTrue(e.getMessage().contains("whole panels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> g.gemmSerialColumns(m, 0, n + 1, 1f, a, 0, k, bs, 2, 0f, parts, 0, n, 2 * n));
    }

    @Test
    void rejectsForeignTensorsAndBadLeadingDimensions() {
        JavaBackend java = new JavaBackend();
        Tensor a = SIMD.zeros(4, 4), c = SIMD.zeros(4, 4);
        Tensor foreign = java.zeros(4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SIMD.gemm(false, false, 4, 4, 4, 1f, a, 0, 4, foreign, 0, 4, 0f, c, 0, 4));
        assertTrue(e.getMessage().contains("java"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SIMD.gemm(false, false, 4, 4, 4, 1f, a, 0, 3, a, 0, 4, 0f, c, 0, 4));
        assertTrue(e.getMessage().contains("leading dimension"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SIMD.gemm(false, false, 4, 4, 4, 1f, a, 1, 4, a, 0, 4, 0f, c, 0, 4));
        assertEquals("simd", SIMD.name());
        assertArrayEquals(new float[16], c.toArray()); // nothing written by rejected calls
    }
}
