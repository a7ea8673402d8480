package io.rnn4j.jmh;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;

/**
 * One product {@code C = op(A) op(B)} (alpha 1, beta 0, row-major) on a backend, with the same
 * entry points as {@link RnnFixture} ({@code of}, {@code run}, {@code close}), so that
 * {@link TwoBuildsLayer} can alternate two builds of a GEMM as it does of a layer.
 */
final class GemmFixture implements AutoCloseable {
    private final Backend be;
    private final Tensor a;
    private final Tensor b;
    private final Tensor c;
    private final int m;
    private final int n;
    private final int k;
    private final boolean ta;
    private final boolean tb;

    private GemmFixture(Backend be, String transposes, int m, int n, int k) {
        if (!transposes.matches("[NT][NT]")) {
            throw new IllegalArgumentException("transposes are NN, NT, TN or TT, got " + transposes);
        }
        this.be = be;
        this.m = m;
        this.n = n;
        this.k = k;
        ta = transposes.charAt(0) == 'T';
        tb = transposes.charAt(1) == 'T';
        a = be.fromArray(BenchBackends.random(1, m * k, 1f), m * k);
        b = be.fromArray(BenchBackends.random(2, k * n, 1f), k * n);
        c = be.zeros(m * n);
    }

    /** The product {@code transposes} ({@code NN}, {@code NT}, {@code TN}, {@code TT}) of {@code shape} {@code MxNxK}. */
    static GemmFixture of(String backend, int threads, String transposes, String shape) {
        int[] d = BenchBackends.dims(shape, 3);
        return new GemmFixture(BenchBackends.create(backend, threads), transposes, d[0], d[1], d[2]);
    }

    /** One product; {@code ignored} stands for {@link RnnFixture#run}'s mode. */
    Object run(boolean ignored) {
        be.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
        return c;
    }

    @Override
    public void close() {
        be.close();
    }
}
