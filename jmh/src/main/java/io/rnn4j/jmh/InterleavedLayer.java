package io.rnn4j.jmh;

import java.util.Arrays;

/**
 * simd against PyTorch 2.7.1 (DJL, in a jar built with {@code -Ptorch}) on one recurrent layer,
 * alternating in one JVM: each repetition times a batch of simd calls and then a batch of torch
 * calls, and the ratio is taken per repetition. {@link LayerBenchmark} runs each side in its own
 * fork, one after the other; on a shared host whose speed drifts by 10-30% over minutes the two
 * forks can see different phases (single layer figures moved that much between forks of one
 * run), so a ratio across forks carries both sides' drift. Here both sides see the same phase,
 * and the median of the per-repetition ratios is what the README's interleaved column reports.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar
 * io.rnn4j.jmh.InterleavedLayer THREADS LSTM|GRU inference|training REPS BxTxIxH...}; torch gets
 * the same thread count ({@code ai.djl.pytorch.num_threads}). Run nothing else meanwhile.
 */
public final class InterleavedLayer {
    /** Seconds of alternating calls before the first timed repetition (C2 needs long at batch 1). */
    static final double WARMUP_SECONDS = 15;
    /** Seconds of calls per side per repetition. */
    static final double SIDE_SECONDS = 0.25;

    private InterleavedLayer() {
    }

    public static void main(String[] args) {
        if (args.length < 5) {
            throw new IllegalArgumentException("usage: InterleavedLayer THREADS LSTM|GRU inference|training REPS BxTxIxH...");
        }
        int threads = Integer.parseInt(args[0]);
        String cell = args[1];
        if (!cell.equals("LSTM") && !cell.equals("GRU")) {
            throw new IllegalArgumentException("the torch peer runs LSTM or GRU, got " + cell);
        }
        boolean training = RnnFixture.training(args[2]);
        int reps = Integer.parseInt(args[3]);
        if (threads < 1 || reps < 1) {
            throw new IllegalArgumentException("threads and reps must be >= 1, got " + threads + " and " + reps);
        }
        System.out.println("| cell | batch x time x input x units | mode | threads | simd (ms) | PyTorch 2.7.1 (ms) | ratio (median of per-rep) | per-rep ratio range |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        RnnBenchmarkState.PeerLayer peer = RnnBenchmarkState.torchPeer();
        for (int s = 4; s < args.length; s++) {
            int[] d = BenchBackends.dims(args[s], 4);
            peer.init(cell, d[0], d[1], d[2], d[3], training, threads);
            try (RnnFixture fx = RnnFixture.of("simd", threads, cell, args[s])) {
                run(fx, peer, training, cell, args[s], args[2], threads, reps);
            } finally {
                peer.close();
            }
        }
    }

    private static void run(RnnFixture fx, RnnBenchmarkState.PeerLayer peer, boolean training,
                            String cell, String shape, String mode, int threads, int reps) {
        Runnable simd = () -> fx.run(training);
        Runnable torch = peer::run;
        long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        double slower = 0;
        while (System.nanoTime() < warmEnd) {
            slower = Math.max(time(simd, 1), time(torch, 1));
        }
        int batch = (int) Math.max(1, Math.min(1000, SIDE_SECONDS / slower));
        double[] ts = new double[reps], tt = new double[reps], ratio = new double[reps];
        for (int r = 0; r < reps; r++) {
            ts[r] = time(simd, batch);
            tt[r] = time(torch, batch);
            ratio[r] = tt[r] / ts[r];
        }
        Arrays.sort(ts);
        Arrays.sort(tt);
        Arrays.sort(ratio);
        System.out.printf("| %s | %s | %s | %d | %.3f | %.3f | %.2fx | %.2f-%.2f |%n", cell, shape, mode, threads,
                ts[reps / 2] * 1e3, tt[reps / 2] * 1e3, ratio[reps / 2], ratio[0], ratio[reps - 1]);
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
