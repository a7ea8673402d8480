package io.rnn4j.cuda;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.conformance.BackendConformanceTest;

/**
 * The core conformance suite on the whole cuda backend over {@link EmulatedDevice}: the real
 * row-major to cuBLAS mapping, workspaces and launch plan, with cuBLAS's column-major contract
 * and the kernels' math ({@link JavaKernels}) on the host.
 */
class CudaEmulatedConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend backend() {
        return new CudaBackend(new EmulatedDevice());
    }
}
