package io.rnn4j.cuda;

import io.rnn4j.backend.conformance.Compare;
import io.rnn4j.backend.conformance.RnnCase;
import io.rnn4j.backend.conformance.RnnCases;
import io.rnn4j.backend.conformance.RnnReference;
import io.rnn4j.backend.conformance.RnnResult;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA C source itself, compiled by g++ with the CPU shim under ASan/UBSan and driven by the
 * whole cuda backend (every launch of {@link CudaRnn} and the primitives goes to the harness):
 * against the float64 reference, against central finite differences of that reference, against
 * the java backend's fused kernels, and in three thread orders that must agree bit for bit
 * (the kernels' threads are independent). Skipped when g++ is not installed.
 */
class NativeKernelsHarnessTest {
    private static final double RTOL = 2e-5;
    private static final double ATOL = 1e-6;
    private static Path binary;
    private static HarnessKernels harness;
    private static CudaBackend cuda;

    @BeforeAll
    static void start() throws Exception {
        binary = HarnessKernels.build();
        assumeTrue(binary != null, "g++ is not installed: the .cu kernels are not run on the CPU");
        harness = new HarnessKernels(binary, -1);
        cuda = new CudaBackend(new EmulatedDevice(harness));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cuda != null) {
            cuda.close();
            harness.close(); // fails on any sanitizer report or a non-zero exit
        }
    }

    @TestFactory
    Stream<DynamicTest> cuKernelsMatchFloat64ReferenceAndJavaBackend() {
        JavaBackend java = new JavaBackend();
        return RnnCases.all().stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            RnnResult got = c.run(cuda);
            Compare.assertClose(c.name + " (.cu under g++) vs float64 reference", RnnReference.run(c), got, RTOL, ATOL);
            Compare.assertClose(c.name + " (.cu under g++) vs java backend", c.run(java), got, RTOL, ATOL);
        }));
    }

    /** Gradients of the .cu kernels against central finite differences (float64, of the reference loss). */
    @TestFactory
    Stream<DynamicTest> cuGradientsMatchCentralFiniteDifferences() {
        List<RnnCase> cases = new ArrayList<>();
        for (RnnCase c : RnnCases.all()) {
            if (c.batch * c.time * c.spec.units() <= 60 && c.wantInputGradients) {
                cases.add(c);
            }
        }
        return cases.stream().limit(12).map(c -> DynamicTest.dynamicTest(c.name, () -> {
            RnnResult got = c.run(cuda);
            check(c, got, "x", "dx", null);
            check(c, got, "kernel", "dKernel", c.dKernelStart);
            check(c, got, "recurrentKernel", "dRecurrentKernel", c.dRecurrentKernelStart);
            if (c.bias != null) {
                check(c, got, "bias", "dBias", c.dBiasStart);
            }
            if (c.initialH != null) {
                check(c, got, "initialH", "dInitialH", null);
            }
        }));
    }

    private static void check(RnnCase c, RnnResult got, String param, String result, float[] start) {
        double eps = 1e-6;
        double[] g = got.get(result);
        double max = 0;
        double[] fd = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            fd[i] = (RnnReference.loss(c, param, i, eps) - RnnReference.loss(c, param, i, -eps)) / (2 * eps);
            max = Math.max(max, Math.abs(fd[i]));
        }
        for (int i = 0; i < g.length; i++) {
            double v = g[i] - (start == null ? 0 : start[i]);
            if (!(Math.abs(v - fd[i]) <= 5e-5 * (Math.abs(fd[i]) + max) + 1e-5)) {
                fail(c.name + ": d loss / d " + param + "[" + i + "]: .cu kernel " + v + ", central finite difference " + fd[i]);
            }
        }
    }

    /** The kernels' threads never communicate, so forward, reverse and shuffled orders give identical bits. */
    @Test
    void threadOrdersAgreeBitForBit() throws Exception {
        List<RnnCase> cases = RnnCases.all().stream().filter(c -> c.recurrentDropMask != null || c.mask != null).limit(6).toList();
        for (RnnCase c : cases) {
            RnnResult first = null;
            for (int order : new int[] {HarnessKernels.FORWARD, HarnessKernels.REVERSE, HarnessKernels.SHUFFLED}) {
                try (HarnessKernels h = new HarnessKernels(binary, order); CudaBackend be = new CudaBackend(new EmulatedDevice(h))) {
                    RnnResult r = c.run(be);
                    if (first == null) {
                        first = r;
                    } else {
                        Compare.assertClose(c.name + " thread order " + order, first, r, 0, 0);
                    }
                }
            }
        }
    }
}
