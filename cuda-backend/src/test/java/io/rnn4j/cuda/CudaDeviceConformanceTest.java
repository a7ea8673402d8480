package io.rnn4j.cuda;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.conformance.BackendConformanceTest;
import org.junit.jupiter.api.BeforeEach;

/**
 * The core conformance suite on a real GPU ({@link JCudaDevice}: cuBLAS and the PTX kernels
 * JIT-compiled by the driver). Skipped with the probe's reason where there is no usable device;
 * {@code -Drnn4j.cuda.required=true} turns the skip into a failure.
 */
class CudaDeviceConformanceTest extends BackendConformanceTest {
    private static CudaBackend shared;

    /** Per test, so every skipped test carries the reason in the report. */
    @BeforeEach
    void requireDevice() {
        GpuAssumptions.assumeDevice();
    }

    @Override
    protected Backend backend() {
        synchronized (CudaDeviceConformanceTest.class) {
            if (shared == null) {
                shared = new CudaBackend(new JCudaDevice());
            }
            return shared;
        }
    }
}
