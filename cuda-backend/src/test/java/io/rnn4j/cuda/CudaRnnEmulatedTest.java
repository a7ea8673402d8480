package io.rnn4j.cuda;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.CellType;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.conformance.Compare;
import io.rnn4j.backend.conformance.RnnCase;
import io.rnn4j.backend.conformance.RnnCases;
import io.rnn4j.backend.conformance.RnnReference;
import io.rnn4j.backend.conformance.RnnResult;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The whole cuda backend's fused recurrent plan (GEMM mapping, workspaces, per-step launches,
 * weight-gradient GEMMs) on the emulated device against the float64 reference of the conformance
 * package and against the java backend, on every case of {@link RnnCases}; plus the launch plan
 * itself (GEMMs and launches per step) and bad calls.
 */
class CudaRnnEmulatedTest {
    private static final double RTOL = 2e-5;
    private static final double ATOL = 1e-6;

    private static final EmulatedDevice DEVICE = new EmulatedDevice();
    private static final CudaBackend CUDA = new CudaBackend(DEVICE);
    private static final JavaBackend JAVA = new JavaBackend();

    @AfterAll
    static void close() {
        CUDA.close();
    }

    @TestFactory
    Stream<DynamicTest> fusedKernelsMatchFloat64ReferenceAndJavaBackend() {
        return RnnCases.all().stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            RnnResult got = c.run(CUDA);
            Compare.assertClose(c.name + " vs float64 reference", RnnReference.run(c), got, RTOL, ATOL);
            Compare.assertClose(c.name + " vs java backend", c.run(JAVA), got, RTOL, ATOL);
        }));
    }

    @TestFactory
    Stream<DynamicTest> workspaceReuseAndInferenceGiveTheSameResults() {
        return RnnCases.all().stream().filter(c -> c.mask != null || c.dropMask != null || c.recurrentDropMask != null).limit(10)
                .map(c -> DynamicTest.dynamicTest(c.name, () -> {
                    Compare.assertClose(c.name + " (3rd run on one workspace)", c.run(CUDA), c.run(CUDA, 3), 0, 0);
                    Compare.assertClose(c.name + " (training=false)", c.forward(CUDA, true), c.forward(CUDA, false), 0, 0);
                }));
    }

    /** The cuDNN-shaped plan: per LSTM step exactly one recurrent GEMM and one fused launch. */
    @Test
    void lstmLaunchPlanIsOneGemmAndOneKernelPerStep() {
        int B = 3, T = 6, I = 5, H = 7;
        RnnSpec spec = new RnnSpec(CellType.LSTM, I, H, Activation.TANH, Activation.SIGMOID, true, false);
        EmulatedDevice dev = new EmulatedDevice();
        try (CudaBackend be = new CudaBackend(dev)) {
            Tensor x = be.fromArray(new float[B * T * I], B, T, I);
            Tensor w = be.zeros(I, 4 * H), u = be.zeros(H, 4 * H), b = be.zeros(4 * H);
            Tensor out = be.zeros(B, T, H), fh = be.zeros(B, H), fc = be.zeros(B, H);
            RnnWorkspace ws = be.rnnWorkspace(spec, B, T);
            RnnForwardArgs args = new RnnForwardArgs(x, w, u, b, null, null, null, null, null, false, false, true, out, fh, fc);
            be.rnnForward(spec, ws, args); // first call allocates and zero-fills the workspace
            long g0 = dev.gemmCalls(), l0 = dev.launches();
            be.rnnForward(spec, ws, args);
            assertEquals(1 + T, dev.gemmCalls() - g0, "GEMMs: one input projection + one per step");
            assertEquals(1 + T + 1, dev.launches() - l0, "launches: initial state copy + one fused kernel per step + final c copy");

            Tensor dW = be.zeros(I, 4 * H), dU = be.zeros(H, 4 * H), db = be.zeros(4 * H), dx = be.zeros(B, T, I);
            g0 = dev.gemmCalls();
            l0 = dev.launches();
            be.rnnBackward(spec, ws, args, new io.rnn4j.backend.RnnBackwardArgs(out, null, null, dx, null, null, dW, dU, db));
            assertEquals(T + 3, dev.gemmCalls() - g0, "GEMMs: one dG U^T per step + dW + dU + dx");
            assertEquals(2 + T + 1, dev.launches() - l0, "launches: zeroing dh and dc + one fused kernel per step + the bias column sums");
            long live = dev.liveBuffers();
            ws.close();
            assertEquals(true, dev.liveBuffers() < live, "closing the workspace frees its device memory");
        }
    }

    @Test
    void backwardWithoutTrainingForwardIsAClearError() {
        RnnSpec spec = new RnnSpec(CellType.GRU, 2, 3, Activation.TANH, Activation.SIGMOID, true, true);
        Tensor x = CUDA.zeros(1, 2, 2), out = CUDA.zeros(1, 2, 3), fh = CUDA.zeros(1, 3);
        RnnForwardArgs args = new RnnForwardArgs(x, CUDA.zeros(2, 9), CUDA.zeros(3, 9), CUDA.zeros(2, 9),
                null, null, null, null, null, false, false, false, out, fh, null);
        try (RnnWorkspace ws = CUDA.rnnWorkspace(spec, 1, 2)) {
            CUDA.rnnForward(spec, ws, args);
            assertThrows(IllegalStateException.class, () -> CUDA.rnnBackward(spec, ws, args,
                    new io.rnn4j.backend.RnnBackwardArgs(null, null, null, null, null, null,
                            CUDA.zeros(2, 9), CUDA.zeros(3, 9), CUDA.zeros(2, 9))));
            RnnForwardArgs training = new RnnForwardArgs(x, args.kernel(), args.recurrentKernel(), args.bias(),
                    null, null, null, null, null, false, false, true, out, fh, null);
            CUDA.rnnForward(spec, ws, training);
            RnnForwardArgs otherInput = new RnnForwardArgs(CUDA.zeros(1, 2, 2), args.kernel(), args.recurrentKernel(), args.bias(),
                    null, null, null, null, null, false, false, true, out, fh, null);
            assertThrows(IllegalArgumentException.class, () -> CUDA.rnnBackward(spec, ws, otherInput,
                    new io.rnn4j.backend.RnnBackwardArgs(null, null, null, null, null, null,
                            CUDA.zeros(2, 9), CUDA.zeros(3, 9), CUDA.zeros(2, 9))));
            RnnWorkspace other = JAVA.rnnWorkspace(spec, 1, 2);
            assertThrows(IllegalArgumentException.class, () -> CUDA.rnnForward(spec, other, args));
        }
    }
}
