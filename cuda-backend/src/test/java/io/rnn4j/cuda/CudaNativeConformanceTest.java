package io.rnn4j.cuda;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.conformance.BackendConformanceTest;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The core conformance suite on the cuda backend whose every kernel launch runs the g++-compiled
 * {@code native/rnn4j_kernels.cu} under ASan/UBSan (one harness process shared by the class,
 * thread order and grid shape varying per launch). Skipped without g++.
 */
class CudaNativeConformanceTest extends BackendConformanceTest {
    private static HarnessKernels shared;

    private static synchronized HarnessKernels harness() throws IOException, InterruptedException {
        if (shared == null) {
            Path bin = HarnessKernels.build();
            assumeTrue(bin != null, "g++ is not installed: the .cu kernels are not run on the CPU");
            shared = new HarnessKernels(bin, -1);
        }
        return shared;
    }

    /** Ends the harness: fails if it reported anything (ASan, UBSan, leaks) or exited non-zero. */
    @AfterAll
    static synchronized void stopHarness() throws IOException {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    @Override
    protected Backend backend() {
        try {
            return new CudaBackend(new EmulatedDevice(harness()));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
