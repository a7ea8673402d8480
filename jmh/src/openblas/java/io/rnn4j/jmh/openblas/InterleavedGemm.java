package io.rnn4j.jmh.openblas;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import io.rnn4j.jmh.BenchBackends;

import java.util.Arrays;

/**
 * simd against OpenBLAS on one GEMM shape, alternating in one JVM: each repetition times a batch
 * of simd calls and then a batch of OpenBLAS calls, and the ratio is taken per repetition. On a
 * shared host whose speed drifts by 10-20% over minutes, JMH's one-benchmark-after-another runs
 * can put the two sides in different phases; here both sides see the same phase, and the
 * median of the per-repetition ratios is what the README's interleaved column reports.
 *
 * <p>With two threads set {@code OPENBLAS_THREAD_TIMEOUT=4}: OpenBLAS's worker threads otherwise
 * spin for a while after each call and take the core the simd worker needs next (the simd side
 * then ran at one-thread speed in about a third of the two-thread cases).
 *
 * <p>Usage (threads from the command line; OpenBLAS's from {@code OPENBLAS_NUM_THREADS}):
 * {@code java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar
 * io.rnn4j.jmh.openblas.InterleavedGemm THREADS NN|NT|TN REPS MxNxK...}
 */
public final class InterleavedGemm {
    private InterleavedGemm() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: InterleavedGemm THREADS NN|NT|TN REPS MxNxK...");
        }
        int threads = Integer.parseInt(args[0]);
        String tr = args[1];
        if (!tr.matches("[NT][NT]")) {
            throw new IllegalArgumentException("transposes: NN, NT, TN or TT, got " + tr);
        }
        int reps = Integer.parseInt(args[2]);
        if (threads < 1 || reps < 1) {
            throw new IllegalArgumentException("threads and reps must be >= 1, got " + threads + " and " + reps);
        }
        boolean ta = tr.charAt(0) == 'T', tb = tr.charAt(1) == 'T';
        System.out.println("| shape | op | threads | simd (ms) | simd GFLOP/s | OpenBLAS (ms) | OpenBLAS GFLOP/s | ratio (median of per-rep) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int s = 3; s < args.length; s++) {
            int[] d = BenchBackends.dims(args[s], 3);
            int m = d[0], n = d[1], k = d[2];
            try (Backend be = BenchBackends.create("simd", threads)) {
                run(be, ta, tb, tr, m, n, k, threads, reps);
            }
        }
    }

    private static void run(Backend be, boolean ta, boolean tb, String tr, int m, int n, int k, int threads, int reps) {
        Tensor a = be.fromArray(BenchBackends.random(1, m * k, 1f), m * k);
        Tensor b = be.fromArray(BenchBackends.random(2, k * n, 1f), k * n);
        Tensor c = be.zeros(m * n);
        OpenBlasGemm blas = new OpenBlasGemm();
        blas.init(ta, tb, m, n, k, threads);
        try {
            double flops = 2.0 * m * n * k;
            int batch = (int) Math.max(1, Math.min(400, 2e8 / flops)); // about 0.1 s per side per rep
            Runnable simd = () -> be.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
            long warmEnd = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                simd.run();
                blas.run();
            }
            double[] ts = new double[reps], tbl = new double[reps], ratio = new double[reps];
            for (int r = 0; r < reps; r++) {
                ts[r] = time(simd, batch);
                tbl[r] = time(blas::run, batch);
                ratio[r] = tbl[r] / ts[r];
            }
            Arrays.sort(ts);
            Arrays.sort(tbl);
            Arrays.sort(ratio);
            double ms = ts[reps / 2], mb = tbl[reps / 2];
            String op = switch (tr) {
                case "NN" -> "A·B";
                case "NT" -> "A·Bᵀ";
                case "TN" -> "Aᵀ·B";
                default -> "Aᵀ·Bᵀ";
            };
            System.out.printf("| %dx%dx%d | %s | %d | %.3f | %.1f | %.3f | %.1f | %.2fx |%n",
                    m, n, k, op, threads, ms * 1e3, flops / ms / 1e9, mb * 1e3, flops / mb / 1e9, ratio[reps / 2]);
        } finally {
            blas.close();
        }
    }

    /** Seconds per call over {@code batch} calls. */
    private static double time(Runnable op, int batch) {
        long t0 = System.nanoTime();
        for (int i = 0; i < batch; i++) {
            op.run();
        }
        return (System.nanoTime() - t0) / 1e9 / batch;
    }
}
