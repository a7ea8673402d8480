package io.rnn4j.backend.conformance;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite can fail: backends with one planted bug each must fail some of its tests, and only
 * in the family that covers the bug (the rest of the suite still passes on them).
 */
class ConformanceSuiteCatchesBugsTest {

    /** Runs the dynamic tests of one family of the suite on {@code backend}; returns the names of the failures. */
    private static List<String> failures(Supplier<Backend> backend, Function<BackendConformanceTest, Stream<DynamicTest>> family) {
        BackendConformanceTest suite = new BackendConformanceTest() {
            @Override
            protected Backend backend() {
                return backend.get();
            }
        };
        return family.apply(suite).filter(t -> {
            try {
                t.getExecutable().execute();
                return false;
            } catch (Throwable e) {
                return true;
            }
        }).map(DynamicTest::getDisplayName).toList();
    }

    private static void caught(String bug, List<String> failed) {
        assertTrue(!failed.isEmpty(), "the suite did not notice: " + bug);
    }

    @Test
    void gemmReadingCWhenBetaIsZero() {
        Supplier<Backend> b = () -> new JavaBackend() {
            @Override
            public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Tensor a, int offA, int lda,
                             Tensor bb, int offB, int ldb, float beta, Tensor c, int offC, int ldc) {
                super.gemm(ta, tb, m, n, k, alpha, a, offA, lda, bb, offB, ldb, beta == 0f ? Float.MIN_VALUE : beta, c, offC, ldc);
            }
        };
        List<String> failed = failures(b, BackendConformanceTest::gemm);
        caught("gemm reads C when beta == 0", failed);
        assertTrue(failed.stream().allMatch(n -> n.contains("beta=0.0")), "only beta=0 cases should fail: " + failed);
    }

    @Test
    void coarseTanh() {
        Supplier<Backend> b = () -> new JavaBackend() {
            @Override
            public void activation(Activation f, Tensor x, Tensor y) {
                if (f != Activation.TANH) {
                    super.activation(f, x, y);
                    return;
                }
                float[] xs = x.toArray(), ys = new float[xs.length];
                for (int i = 0; i < xs.length; i++) {
                    float v = Math.max(-3f, Math.min(3f, xs[i])); // Padé approximant: about 2e-2 off
                    ys[i] = Float.isNaN(xs[i]) ? Float.NaN : v * (27 + v * v) / (27 + 9 * v * v);
                }
                copyFromHost(ys, 0, y, 0, ys.length);
            }
        };
        caught("tanh approximated to 2e-2", failures(b, BackendConformanceTest::activations));
    }

    @Test
    void weightGradientsOverwrittenInsteadOfAccumulated() {
        Supplier<Backend> b = () -> new JavaBackend() {
            @Override
            public void rnnBackward(RnnSpec spec, RnnWorkspace ws, RnnForwardArgs f, RnnBackwardArgs a) {
                fill(a.dKernel(), 0f);
                super.rnnBackward(spec, ws, f, a);
            }
        };
        caught("dKernel overwritten", failures(b, BackendConformanceTest::rnnForwardAndBackward));
    }

    private static RnnForwardArgs withZeroOutput(RnnForwardArgs a) {
        return new RnnForwardArgs(a.x(), a.kernel(), a.recurrentKernel(), a.bias(), a.initialH(), a.initialC(), a.mask(),
                a.dropMask(), a.recurrentDropMask(), a.goBackwards(), true, a.training(), a.output(), a.finalH(), a.finalC());
    }

    private static RnnForwardArgs withoutRecurrentDropout(RnnForwardArgs a) {
        return new RnnForwardArgs(a.x(), a.kernel(), a.recurrentKernel(), a.bias(), a.initialH(), a.initialC(), a.mask(),
                a.dropMask(), null, a.goBackwards(), a.zeroOutputForMask(), a.training(), a.output(), a.finalH(), a.finalC());
    }

    /** A backend that runs the reference kernels on consistently altered arguments. */
    private static Supplier<Backend> altering(Function<RnnForwardArgs, RnnForwardArgs> change) {
        return () -> new JavaBackend() {
            @Override
            public void rnnForward(RnnSpec spec, RnnWorkspace ws, RnnForwardArgs a) {
                super.rnnForward(spec, ws, change.apply(a));
            }

            @Override
            public void rnnBackward(RnnSpec spec, RnnWorkspace ws, RnnForwardArgs f, RnnBackwardArgs a) {
                super.rnnBackward(spec, ws, change.apply(f), a);
            }
        };
    }

    @Test
    void maskedStepsOutputtingZerosAlways() {
        List<String> failed = failures(altering(ConformanceSuiteCatchesBugsTest::withZeroOutput),
                BackendConformanceTest::rnnForwardAndBackward);
        caught("masked steps output zeros without zeroOutputForMask", failed);
        assertTrue(failed.stream().allMatch(n -> n.contains("mask")), "only masked cases should fail: " + failed);
    }

    @Test
    void recurrentDropoutIgnored() {
        List<String> failed = failures(altering(ConformanceSuiteCatchesBugsTest::withoutRecurrentDropout),
                BackendConformanceTest::rnnForwardAndBackward);
        caught("recurrent dropout ignored", failed);
        assertTrue(failed.stream().allMatch(n -> n.contains("recurrent dropout")), "only dropout cases should fail: " + failed);
    }

    @Test
    void foreignTensorsAccepted() {
        JavaBackend lax = new JavaBackend() {
            @Override
            public void add(Tensor a, Tensor b, Tensor out) {
                float[] x = (float[]) a.storage(), y = (float[]) b.storage(), o = (float[]) out.storage();
                for (int i = 0; i < o.length; i++) {
                    o[i] = x[i] + y[i];
                }
            }
        };
        BackendConformanceTest suite = new BackendConformanceTest() {
            @Override
            protected Backend backend() {
                return lax;
            }
        };
        boolean failed;
        try {
            suite.tensorsOfAnotherBackendAreRejected();
            failed = false;
        } catch (Throwable e) {
            failed = true;
        }
        assertTrue(failed, "the suite did not notice a backend that accepts foreign tensors");
    }
}
