package io.rnn4j.cuda;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every primitive of the cuda backend on the emulated device against the java backend, on random
 * odd sizes; plus the bad-input contract: tensors of another backend, use after close(), shapes
 * cuBLAS would reject, all rejected before any launch.
 */
class CudaPrimitivesEmulatedTest {
    private static final JavaBackend JAVA = new JavaBackend();
    private final EmulatedDevice DEVICE = newDevice();
    private final CudaBackend CUDA = new CudaBackend(DEVICE);
    private final SplittableRandom rnd = new SplittableRandom(7);

    /** The device under test: subclasses run the same checks with other kernel runners. */
    EmulatedDevice newDevice() {
        return new EmulatedDevice();
    }

    @AfterEach
    void close() {
        CUDA.close();
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        return a;
    }

    /** Runs {@code op} on both backends with the same inputs; compares every tensor afterwards. */
    private void same(String what, double tol, int[][] shapes, BiConsumer<Backend, Tensor[]> op) {
        float[][] data = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            data[i] = random(Tensor.sizeOf(shapes[i]));
        }
        Tensor[] j = new Tensor[shapes.length], c = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            j[i] = JAVA.fromArray(data[i], shapes[i]);
            c[i] = CUDA.fromArray(data[i], shapes[i]);
        }
        op.accept(JAVA, j);
        op.accept(CUDA, c);
        for (int i = 0; i < shapes.length; i++) {
            float[] want = j[i].toArray(), got = c[i].toArray();
            for (int k = 0; k < want.length; k++) {
                double bound = tol * (1 + Math.abs(want[k]));
                if (!(Math.abs(want[k] - got[k]) <= bound) && !(Float.isNaN(want[k]) && Float.isNaN(got[k]))) {
                    throw new AssertionError(what + ": tensor " + i + "[" + k + "] got " + got[k] + ", want " + want[k]);
                }
            }
            c[i].close();
        }
    }

    @Test
    void gemmAllTransposesOffsetsAndLeadingDimensions() {
        int[][] sizes = {{1, 1, 1}, {5, 7, 3}, {1, 13, 9}, {17, 1, 6}, {4, 6, 0}, {9, 11, 17}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (float beta : new float[] {0f, 1f, -0.5f}) {
                        int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                        int offA = 3, offB = 1, offC = 2;
                        int sa = offA + (ta ? k : m) * lda + 1, sb = offB + (tb ? n : k) * ldb, sc = offC + m * ldc;
                        same("gemm " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " beta=" + beta, 1e-5,
                                new int[][] {{sa}, {sb}, {sc}},
                                (be, t) -> be.gemm(ta, tb, m, n, k, 0.75f, t[0], offA, lda, t[1], offB, ldb, beta, t[2], offC, ldc));
                    }
                }
            }
        }
    }

    @Test
    void gemmWithBetaZeroNeverReadsC() {
        Tensor a = CUDA.fromArray(random(6), 2, 3), b = CUDA.fromArray(random(12), 3, 4);
        float[] nan = new float[8];
        java.util.Arrays.fill(nan, Float.NaN);
        Tensor c = CUDA.fromArray(nan, 2, 4);
        CUDA.gemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4);
        for (float v : c.toArray()) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void elementWiseActivationsAndReductions() {
        int[] n = {37};
        same("add", 0, new int[][] {n, n, n}, (be, t) -> be.add(t[0], t[1], t[2]));
        same("sub", 0, new int[][] {n, n, n}, (be, t) -> be.sub(t[0], t[1], t[2]));
        same("mul in place", 0, new int[][] {n, n}, (be, t) -> be.mul(t[0], t[1], t[0]));
        same("axpby", 1e-7, new int[][] {n, n, n}, (be, t) -> be.axpby(0.3f, t[0], -1.7f, t[1], t[2]));
        same("axpby beta 0", 0, new int[][] {n, n}, (be, t) -> be.axpby(0.3f, t[0], 0f, null, t[1]));
        same("clip", 0, new int[][] {n, n}, (be, t) -> be.clip(t[0], -0.5f, 0.7f, t[1]));
        for (Activation f : Activation.values()) {
            same("activation " + f, 3e-7, new int[][] {n, n}, (be, t) -> be.activation(f, t[0], t[1]));
            same("activationBackward " + f, 3e-7, new int[][] {n, n, n, n}, (be, t) -> {
                be.activation(f, t[0], t[1]);
                be.activationBackward(f, t[1], t[2], 0.5f, t[3]);
            });
            same("activationBackward beta 0 " + f, 3e-7, new int[][] {n, n, n, n}, (be, t) -> {
                be.activation(f, t[0], t[1]);
                be.activationBackward(f, t[1], t[2], 0f, t[3]);
            });
        }
        same("addRowVector", 0, new int[][] {{5, 7}, {7}, {5, 7}}, (be, t) -> be.addRowVector(t[0], t[1], t[2]));
        same("sumRows", 1e-6, new int[][] {{9, 7}, {7}}, (be, t) -> be.sumRows(t[0], 0.5f, t[1]));
        same("sumRows beta 0", 1e-6, new int[][] {{1, 3}, {3}}, (be, t) -> be.sumRows(t[0], 0f, t[1]));
        same("sumColumns", 1e-6, new int[][] {{9, 7}, {9}}, (be, t) -> be.sumColumns(t[0], 2f, t[1]));
        same("copy2d", 0, new int[][] {{5, 7}, {4, 9}}, (be, t) -> be.copy2d(3, 4, t[0], 2, 7, t[1], 1, 9));
        same("copy", 0, new int[][] {{13}, {11}}, (be, t) -> be.copy(t[0], 3, t[1], 1, 9));
        same("fill", 0, new int[][] {{13}}, (be, t) -> be.fill(t[0], 2.5f));
        same("concat/split", 0, new int[][] {{3, 2}, {3, 5}, {3, 7}, {3, 2}, {3, 5}}, (be, t) -> {
            be.concatColumns(new Tensor[] {t[0], t[1]}, t[2]);
            be.splitColumns(t[2], new Tensor[] {t[3], t[4]});
        });
        for (int size : new int[] {1, 5, 1023, 1024, 1025, 4099}) {
            float[] d = random(size);
            double want = JAVA.sum(JAVA.fromArray(d, size)), wantSq = JAVA.sumOfSquares(JAVA.fromArray(d, size));
            Tensor c = CUDA.fromArray(d, size);
            assertEquals(want, CUDA.sum(c), 1e-12 * (1 + Math.abs(want)) * size, "sum of " + size);
            assertEquals(wantSq, CUDA.sumOfSquares(c), 1e-12 * wantSq * size, "sumOfSquares of " + size);
        }
        Tensor inf = CUDA.fromArray(new float[] {1f, Float.POSITIVE_INFINITY, 2f}, 3);
        assertEquals(Double.POSITIVE_INFINITY, CUDA.sum(inf));
        assertTrue(Double.isNaN(CUDA.sum(CUDA.fromArray(new float[] {1f, Float.NaN}, 2))));
    }

    @Test
    void optimizersMatchTheJavaBackend() {
        int[] n = {29};
        for (long step : new long[] {1, 7}) {
            same("adam step " + step, 1e-6, new int[][] {n, n, n, n}, (be, t) -> {
                be.mul(t[3], t[3], t[3]); // v >= 0
                be.adamUpdate(t[0], t[1], t[2], t[3], 0.01f, 0.9f, 0.999f, 1e-7f, step);
            });
        }
        same("sgd", 1e-7, new int[][] {n, n}, (be, t) -> be.sgdUpdate(t[0], t[1], null, 0.1f, 0f, false));
        same("sgd momentum", 1e-7, new int[][] {n, n, n}, (be, t) -> be.sgdUpdate(t[0], t[1], t[2], 0.1f, 0.9f, false));
        same("sgd nesterov", 1e-7, new int[][] {n, n, n}, (be, t) -> be.sgdUpdate(t[0], t[1], t[2], 0.1f, 0.9f, true));
        same("rmsprop", 1e-6, new int[][] {n, n, n}, (be, t) -> {
            be.mul(t[2], t[2], t[2]);
            be.rmspropUpdate(t[0], t[1], t[2], null, 0.01f, 0.9f, 0f, 1e-7f);
        });
        same("rmsprop momentum", 1e-6, new int[][] {n, n, n, n}, (be, t) -> {
            be.mul(t[2], t[2], t[2]);
            be.rmspropUpdate(t[0], t[1], t[2], t[3], 0.01f, 0.9f, 0.5f, 1e-7f);
        });
    }

    @Test
    void badInputIsAClearErrorBeforeAnyLaunch() {
        Tensor a = CUDA.zeros(2, 3), b = CUDA.zeros(3, 4), c = CUDA.zeros(2, 4);
        Tensor host = JAVA.zeros(2, 3);
        long launches = DEVICE.launches(), gemms = DEVICE.gemmCalls();
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class, () -> CUDA.add(host, a, a));
        assertTrue(mixed.getMessage().contains("belongs to backend 'java'"), mixed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JAVA.add(a, host, host));
        // shapes cuBLAS would reject or that reach outside a tensor
        assertThrows(IllegalArgumentException.class, () -> CUDA.gemm(false, false, 2, 4, 3, 1f, a, 0, 2, b, 0, 4, 0f, c, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> CUDA.gemm(false, false, 2, 4, 4, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> CUDA.gemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 1, 4, 0f, c, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> CUDA.add(a, b, c));
        assertThrows(IllegalArgumentException.class, () -> CUDA.copy(a, 0, a, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> CUDA.copyToHost(a, 0, new float[5], 0, 6));
        Tensor m = CUDA.zeros(4, 6);
        assertThrows(IllegalArgumentException.class, () -> CUDA.copy2d(3, 3, m, 0, 6, m, 2, 6), "overlapping blocks");
        CUDA.copy2d(4, 3, m, 0, 6, m, 3, 6); // column halves of one matrix: disjoint, allowed
        // use after close
        Tensor d = CUDA.zeros(4);
        Tensor view = d.reshape(2, 2);
        launches = DEVICE.launches();
        d.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> CUDA.fill(d, 1f));
        assertTrue(closed.getMessage().contains("after close"), closed.getMessage());
        assertThrows(IllegalStateException.class, () -> CUDA.fill(view, 1f));
        assertThrows(IllegalStateException.class, d::toArray);
        assertEquals(launches, DEVICE.launches(), "no launch after a rejected call");
        assertEquals(gemms, DEVICE.gemmCalls(), "no GEMM after a rejected call");
        d.close(); // twice is harmless
    }

    @Test
    void closeFreesDeviceMemoryAtOnceAndTheCleanerCatchesLeaks() throws InterruptedException {
        EmulatedDevice dev = newDevice();
        CudaBackend be = new CudaBackend(dev);
        Tensor t = be.zeros(100);
        assertEquals(1, dev.liveBuffers());
        t.close();
        assertEquals(0, dev.liveBuffers(), "close() frees at once");
        for (int i = 0; i < 50; i++) {
            be.zeros(1000); // dropped without close()
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (dev.liveBuffers() > 5 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
            be.zeros(1).close(); // frees what the cleaner queued
        }
        assertTrue(dev.liveBuffers() <= 5, "unreachable tensors were freed by the cleaner: live " + dev.liveBuffers());
        be.close();
        assertThrows(IllegalStateException.class, () -> be.zeros(3));
    }
}
