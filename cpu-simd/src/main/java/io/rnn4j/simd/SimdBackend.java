package io.rnn4j.simd;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.GemmChecks;
import io.rnn4j.backend.HostTensors;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;
import io.rnn4j.backend.java.JavaBackend;

/**
 * The {@code simd} backend: host {@code float[]} tensors like {@code java}, with the hot
 * operations on the Vector API: packed, register-blocked, multi-threaded GEMM ({@link Gemm}),
 * vectorized activations accurate to a few ulps ({@link VectorMath}) and fused whole-sequence
 * recurrent kernels. Everything not overridden here is the java reference code.
 *
 * <p>Threads: {@code -Drnn4j.threads=N} (default: available processors). Work is split in fixed
 * partitions and every element is computed with the same operation order whatever the
 * partition, so results are bit-for-bit reproducible.
 */
public class SimdBackend extends JavaBackend {
    private final Threads threads;
    private final Gemm gemm;
    private final SimdRnnKernels rnn = new SimdRnnKernels(this);

    /** A backend with {@code -Drnn4j.threads} threads (default: available processors). */
    public SimdBackend() {
        this(Threads.configured());
    }

    /** A backend with {@code threads} threads (the caller's included). */
    public SimdBackend(int threads) {
        this.threads = new Threads(threads);
        this.gemm = new Gemm(this.threads);
    }

    @Override
    public String name() {
        return "simd";
    }

    /** Number of threads this backend splits work over. */
    public int threads() {
        return threads.size();
    }

    Gemm gemmEngine() {
        return gemm;
    }

    Threads team() {
        return threads;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                     float beta, Tensor c, int offC, int ldc) {
        float[] A = data(a, "A");
        float[] B = data(b, "B");
        float[] C = data(c, "C");
        GemmChecks.check(transA, transB, m, n, k, a, offA, lda, b, offB, ldb, c, offC, ldc);
        gemm.gemm(transA, transB, m, n, k, alpha, A, offA, lda, B, offB, ldb, beta, C, offC, ldc);
    }

    @Override
    public void activation(Activation f, Tensor x, Tensor y) {
        float[] xs = data(x, "x"), ys = data(y, "y");
        HostTensors.sameSize("activation", x, y);
        VectorMath.apply(f, xs, 0, ys, 0, y.size());
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, float beta, Tensor dx) {
        float[] ys = data(y, "y"), dys = data(dy, "dy"), dxs = data(dx, "dx");
        HostTensors.sameSize("activationBackward", y, dy, dx);
        VectorMath.backward(f, ys, dys, beta, dxs, dx.size());
    }

    @Override
    public RnnWorkspace rnnWorkspace(RnnSpec spec, int batch, int time) {
        return rnn.workspace(spec, batch, time);
    }

    @Override
    public void rnnForward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs args) {
        rnn.forward(spec, workspace, args);
    }

    @Override
    public void rnnBackward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs forward, RnnBackwardArgs args) {
        rnn.backward(spec, workspace, forward, args);
    }

    @Override
    public void close() {
        threads.close();
    }
}
