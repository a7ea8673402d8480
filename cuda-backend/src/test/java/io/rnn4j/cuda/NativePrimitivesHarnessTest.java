package io.rnn4j.cuda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link CudaPrimitivesEmulatedTest} with every kernel launch run by the g++-compiled .cu source. */
class NativePrimitivesHarnessTest extends CudaPrimitivesEmulatedTest {
    private HarnessKernels harness;

    @Override
    EmulatedDevice newDevice() {
        try {
            Path bin = HarnessKernels.build();
            assumeTrue(bin != null, "g++ is not installed: the .cu kernels are not run on the CPU");
            harness = new HarnessKernels(bin, -1);
            return new EmulatedDevice(harness);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stopHarness() throws IOException {
        if (harness != null) {
            harness.close();
        }
    }
}
