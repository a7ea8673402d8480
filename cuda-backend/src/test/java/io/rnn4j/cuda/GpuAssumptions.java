package io.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Device tests skip with the probe's reason here, and fail instead with {@code -Drnn4j.cuda.required=true}. */
final class GpuAssumptions {
    private GpuAssumptions() {
    }

    static boolean required() {
        return Boolean.getBoolean("rnn4j.cuda.required");
    }

    static void assumeDevice() {
        CudaAvailability a = CudaAvailability.get();
        if (!a.usable() && required()) {
            fail("-Drnn4j.cuda.required=true but the cuda backend is not usable: " + a.reason());
        }
        assumeTrue(a.usable(), "no usable CUDA device: " + a.reason());
    }
}
