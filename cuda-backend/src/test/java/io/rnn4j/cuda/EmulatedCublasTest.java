package io.rnn4j.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EmulatedDevice}'s sgemm / sgemmStridedBatched against a naive column-major definition
 * (op(A), op(B), lda/ldb/ldc, strides, beta == 0 not reading C), and {@link CublasContract}
 * rejecting what cuBLAS rejects ({@code CUBLAS_STATUS_INVALID_VALUE}) plus out-of-bounds operands
 * and racing batches: the bookkeeping mistakes a GPU would turn into garbage or a crash.
 */
class EmulatedCublasTest {
    private final EmulatedDevice dev = new EmulatedDevice();
    private final SplittableRandom rnd = new SplittableRandom(5);

    private DevicePtr upload(float[] a) {
        DevicePtr p = new DevicePtr(dev.allocate(a.length), 0);
        dev.copyHostToDevice(a, 0, p, a.length);
        return p;
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** C(i, j) = alpha sum_p op(A)(i, p) op(B)(p, j) + beta C(i, j), column-major, in double. */
    private static double[] naive(int ta, int tb, int m, int n, int k, float alpha, float[] a, int oa, int lda,
                                  float[] b, int ob, int ldb, float beta, float[] c, int oc, int ldc) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i];
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta == 0 ? a[oa + i + p * lda] : a[oa + p + i * lda];
                    double bv = tb == 0 ? b[ob + p + j * ldb] : b[ob + j + p * ldb];
                    s += av * bv;
                }
                out[oc + i + j * ldc] = alpha * s + (beta == 0 ? 0 : beta * c[oc + i + j * ldc]);
            }
        }
        return out;
    }

    @Test
    void sgemmAndStridedBatchedFollowTheColumnMajorContract() {
        for (int[] s : new int[][] {{1, 1, 1}, {5, 7, 3}, {13, 2, 9}, {3, 11, 0}}) {
            int m = s[0], n = s[1], k = s[2];
            for (int ta = 0; ta <= 1; ta++) {
                for (int tb = 0; tb <= 1; tb++) {
                    int lda = (ta == 0 ? m : k) + 2, ldb = (tb == 0 ? k : n) + 1, ldc = m + 3, batches = 3;
                    int sa = lda * (ta == 0 ? k : m) + 1, sb = ldb * (tb == 0 ? n : k), sc = ldc * n + 2;
                    float[] a = random(sa * batches), b = random(sb * batches), c = random(sc * batches);
                    for (int i = 0; i < c.length; i += 3) {
                        c[i] = Float.NaN; // beta == 0 must not read these
                    }
                    DevicePtr A = upload(a), B = upload(b), C = upload(c);
                    dev.sgemmStridedBatched(ta, tb, m, n, k, 0.5f, A, lda, sa, B, ldb, sb, 0f, C, ldc, sc, batches);
                    float[] got = new float[c.length];
                    dev.copyDeviceToHost(C, got, 0, got.length);
                    for (int q = 0; q < batches; q++) {
                        double[] want = naive(ta, tb, m, n, k, 0.5f, a, q * sa, lda, b, q * sb, ldb, 0f, c, q * sc, ldc);
                        for (int j = 0; j < n; j++) {
                            for (int i = 0; i < m; i++) {
                                int e = q * sc + i + j * ldc;
                                assertEquals(want[e], got[e], 1e-5, "batch " + q + " C(" + i + "," + j + ") ta=" + ta + " tb=" + tb);
                            }
                        }
                    }
                    // plain sgemm with beta = 1 on batch 0
                    dev.copyHostToDevice(random(c.length), 0, C, c.length);
                    float[] before = new float[c.length];
                    dev.copyDeviceToHost(C, before, 0, before.length);
                    dev.sgemm(ta, tb, m, n, k, -1f, A, lda, B, ldb, 1f, C, ldc);
                    dev.copyDeviceToHost(C, got, 0, got.length);
                    double[] want = naive(ta, tb, m, n, k, -1f, a, 0, lda, b, 0, ldb, 1f, before, 0, ldc);
                    for (int e = 0; e < got.length; e++) {
                        assertEquals(want[e], got[e], 1e-5, "sgemm element " + e);
                    }
                }
            }
        }
    }

    @Test
    void strideZeroBroadcastsAnOperand() {
        int m = 4, n = 3, k = 5, batches = 2;
        float[] a = random(m * k), b = random(k * n * batches);
        DevicePtr A = upload(a), B = upload(b), C = new DevicePtr(dev.allocate((long) m * n * batches), 0);
        dev.sgemmStridedBatched(0, 0, m, n, k, 1f, A, m, 0, B, k, (long) k * n, 0f, C, m, (long) m * n, batches);
        float[] got = new float[m * n * batches];
        dev.copyDeviceToHost(C, got, 0, got.length);
        double[] want = naive(0, 0, m, n, k, 1f, a, 0, m, b, k * n, k, 0f, new float[m * n * 2], m * n, m);
        for (int e = m * n; e < 2 * m * n; e++) {
            assertEquals(want[e], got[e], 1e-5);
        }
    }

    @Test
    void rejectsWhatCublasRejectsAndWhatWouldReachOutside() {
        DevicePtr A = new DevicePtr(dev.allocate(20), 0), B = new DevicePtr(dev.allocate(20), 0), C = new DevicePtr(dev.allocate(20), 0);
        long gemms = dev.gemmCalls();
        String msg = assertThrows(IllegalArgumentException.class, () -> dev.sgemm(0, 0, 4, 5, 4, 1f, A, 3, B, 4, 0f, C, 4)).getMessage();
        assertTrue(msg.contains("CUBLAS_STATUS_INVALID_VALUE") && msg.contains("lda=3"), msg);
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(1, 0, 4, 5, 4, 1f, A, 3, B, 4, 0f, C, 4), "lda < k for op T");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(0, 1, 4, 5, 4, 1f, A, 4, B, 4, 0f, C, 4), "ldb < n for op T");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(0, 0, 4, 5, 4, 1f, A, 4, B, 4, 0f, C, 3), "ldc < m");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(2, 0, 4, 5, 4, 1f, A, 4, B, 4, 0f, C, 4), "bad op");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(0, 0, -1, 5, 4, 1f, A, 4, B, 4, 0f, C, 4), "negative m");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(0, 0, 4, 5, 6, 1f, A, 4, B, 6, 0f, C, 4), "A too small (wrong k)");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemm(0, 0, 4, 5, 4, 1f, A, 4, B.plus(1), 4, 0f, C, 4), "B offset past end");
        assertThrows(IllegalArgumentException.class, () -> dev.sgemmStridedBatched(0, 0, 2, 2, 2, 1f, A, 2, 4, B, 2, 4, 0f, C, 2, 4, 6),
                "one batch too many");
        String race = assertThrows(IllegalArgumentException.class,
                () -> dev.sgemmStridedBatched(0, 0, 2, 2, 2, 1f, A, 2, 4, B, 2, 4, 0f, C, 2, 1, 2)).getMessage();
        assertTrue(race.contains("race"), race);
        assertEquals(gemms, dev.gemmCalls(), "nothing ran");
        // interleaved column blocks of one matrix (the gate blocks of a row-major weight) are disjoint
        DevicePtr big = new DevicePtr(dev.allocate(60), 0);
        dev.sgemmStridedBatched(0, 0, 3, 4, 2, 1f, A, 3, 0, B, 2, 0, 0f, big, 12, 3, 4);
    }

    @Test
    void freedMemoryAndBadKernelArgumentsAreRejected() {
        DeviceBuffer b = dev.allocate(8);
        dev.free(b);
        assertThrows(IllegalStateException.class, () -> dev.copyHostToDevice(new float[8], 0, new DevicePtr(b, 0), 8));
        assertThrows(IllegalStateException.class, () -> dev.free(b));
        DevicePtr p = new DevicePtr(dev.allocate(4), 0);
        assertThrows(IllegalArgumentException.class, () -> dev.launch(Kernel.FILL, 4, 4, 1.0, p), "double instead of float");
        assertThrows(IllegalArgumentException.class, () -> dev.launch(Kernel.FILL, 4, 4, 1f), "missing argument");
        assertThrows(IllegalStateException.class, () -> dev.launch(Kernel.FILL, 4, 4, 1f, new DevicePtr(b, 0)), "freed buffer");
        assertThrows(IllegalStateException.class, () -> dev.launch(Kernel.FILL, 5, 5, 1f, p), "kernel reads past the allocation");
    }
}
