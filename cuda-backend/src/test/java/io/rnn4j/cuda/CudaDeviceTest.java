package io.rnn4j.cuda;

import io.rnn4j.backend.conformance.Compare;
import io.rnn4j.backend.conformance.RnnCase;
import io.rnn4j.backend.conformance.RnnCases;
import io.rnn4j.backend.conformance.RnnReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a real GPU only (skipped with the reason elsewhere; required with
 * {@code -Drnn4j.cuda.required=true}): the seam's two implementations agree on cuBLAS calls with
 * odd sizes, transposes, leading dimensions and strides; the fused kernels on the device match the
 * float64 reference on every {@link RnnCases} case; device memory is released by close().
 */
class CudaDeviceTest {
    private static JCudaDevice gpu;
    private static EmulatedDevice emu;

    /** Per test, so every skipped test carries the reason in the report. */
    @BeforeEach
    void open() {
        GpuAssumptions.assumeDevice();
        if (gpu == null) {
            gpu = new JCudaDevice();
            emu = new EmulatedDevice();
        }
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Test
    void cublasMatchesTheEmulatedContract() {
        SplittableRandom r = new SplittableRandom(3);
        int[][] sizes = {{1, 1, 1}, {37, 129, 65}, {5, 3, 300}, {64, 1024, 256}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int ta = 0; ta <= 1; ta++) {
                for (int tb = 0; tb <= 1; tb++) {
                    int lda = (ta == 0 ? m : k) + 1, ldb = (tb == 0 ? k : n) + 2, ldc = m + 3, batches = 3;
                    long sa = (long) lda * (ta == 0 ? k : m), sb = (long) ldb * (tb == 0 ? n : k), sc = (long) ldc * n;
                    float[] a = random(r, (int) (sa * batches)), b = random(r, (int) (sb * batches)), c = random(r, (int) (sc * batches));
                    float[] g = run(gpu, ta, tb, m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, batches);
                    float[] e = run(emu, ta, tb, m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, batches);
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(e[i], g[i], 1e-4 * (1 + Math.abs(e[i])) * Math.sqrt(k), "element " + i);
                    }
                }
            }
        }
    }

    private static float[] run(Device d, int ta, int tb, int m, int n, int k, float[] a, int lda, long sa,
                               float[] b, int ldb, long sb, float[] c, int ldc, long sc, int batches) {
        DeviceBuffer A = d.allocate(a.length), B = d.allocate(b.length), C = d.allocate(c.length);
        try {
            d.copyHostToDevice(a, 0, new DevicePtr(A, 0), a.length);
            d.copyHostToDevice(b, 0, new DevicePtr(B, 0), b.length);
            d.copyHostToDevice(c, 0, new DevicePtr(C, 0), c.length);
            d.sgemmStridedBatched(ta, tb, m, n, k, 0.5f, new DevicePtr(A, 0), lda, sa, new DevicePtr(B, 0), ldb, sb,
                    -1f, new DevicePtr(C, 0), ldc, sc, batches);
            d.sgemm(ta, tb, m, n, k, 1f, new DevicePtr(A, 0), lda, new DevicePtr(B, 0), ldb, 1f, new DevicePtr(C, 0), ldc);
            float[] out = new float[c.length];
            d.copyDeviceToHost(new DevicePtr(C, 0), out, 0, out.length);
            return out;
        } finally {
            d.free(A);
            d.free(B);
            d.free(C);
        }
    }

    @TestFactory
    Stream<DynamicTest> fusedKernelsOnTheDeviceMatchFloat64Reference() {
        CudaBackend be = new CudaBackend(new JCudaDevice());
        return RnnCases.all().stream().map(c -> DynamicTest.dynamicTest(c.name, () ->
                Compare.assertClose(c.name + " on " + be.device().describe(), RnnReference.run(c), c.run(be), 5e-5, 1e-6)));
    }

    @Test
    void largeLstmOnDeviceMatchesEmulation() {
        RnnCase c = RnnCase.builder(io.rnn4j.backend.CellType.LSTM, 37, 9, 65, 129).initialStates().mask(0.8, true)
                .dropout(0.2).recurrentDropout(0.2).seed(11).build();
        try (CudaBackend g = new CudaBackend(new JCudaDevice()); CudaBackend e = new CudaBackend(new EmulatedDevice())) {
            Compare.assertClose("LSTM B37 T9 I65 H129 device vs emulation", c.run(e), c.run(g), 5e-5, 1e-6);
        }
        assertTrue(true);
    }
}
