package io.rnn4j.jmh.openblas;

import io.rnn4j.jmh.BenchBackends;
import io.rnn4j.jmh.GemmBenchmark;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * OpenBLAS {@code cblas_sgemm} (row-major) on native buffers, for GEMM ratios inside one JMH run.
 * Its thread count is {@code OPENBLAS_NUM_THREADS} from the environment (checked against the
 * {@code threads} param); {@code OPENBLAS_CORETYPE} in the environment picks its kernels: its fastest
 * are Cooperlake (AVX-512) on Zen 5 and Haswell (AVX2) on Zen 4.
 */
public final class OpenBlasGemm implements GemmBenchmark.OpenBlasRunner {
    private FloatPointer a;
    private FloatPointer b;
    private FloatPointer c;
    private boolean ta;
    private boolean tb;
    private int m;
    private int n;
    private int k;

    @Override
    public void init(boolean ta, boolean tb, int m, int n, int k, int threads) {
        this.ta = ta;
        this.tb = tb;
        this.m = m;
        this.n = n;
        this.k = k;
        String env = System.getenv("OPENBLAS_NUM_THREADS");
        if (env == null || Integer.parseInt(env.trim()) != threads) {
            // these presets do not expose openblas_set_num_threads: the thread count comes from the environment
            throw new IllegalStateException("run the openblas backend with OPENBLAS_NUM_THREADS=" + threads
                    + " (threads param) in the environment, found " + env);
        }
        // the same inputs as the simd side of GemmBenchmark
        a = new FloatPointer(BenchBackends.random(1, m * k, 1f));
        b = new FloatPointer(BenchBackends.random(2, k * n, 1f));
        c = new FloatPointer((long) m * n);
    }

    @Override
    public void run() {
        openblas.cblas_sgemm(openblas.CblasRowMajor, ta ? openblas.CblasTrans : openblas.CblasNoTrans,
                tb ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n);
    }

    @Override
    public void close() {
        a.close();
        b.close();
        c.close();
    }
}
