package io.rnn4j.jmh;

import java.util.Arrays;

/**
 * simd against PyTorch (2.7.1 through DJL in a jar built with {@code -Ptorch}, or 1.13 in a Python
 * process) on one recurrent layer,
 * alternating: each repetition times a batch of simd calls and then a batch of peer calls (each
 * after one untimed call), and the ratio is taken per repetition. {@link LayerBenchmark} runs each side in its own
 * fork, one after the other; on a shared host whose speed drifts by 10-30% over minutes the two
 * forks can see different phases (single layer figures moved that much between forks of one
 * run), so a ratio across forks carries both sides' drift. Here both sides see the same phase,
 * and the median of the per-repetition ratios is what the README's interleaved paragraph and
 * {@code bench/results/layers-interleaved.md} report.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar
 * io.rnn4j.jmh.InterleavedLayer THREADS LSTM|GRU inference|training REPS BxTxIxH...}; the peer
 * gets the same thread count. {@code -Drnn4j.bench.peer=torch} (default) is PyTorch 2.7.1 in this
 * JVM; {@code py-torch} is the Debian build (PyTorch 1.13) in a Python process
 * ({@link PythonTorchLayer}), which times its batches itself. Run nothing else meanwhile.
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
        int threads = positive("THREADS", args[0]);
        String cell = args[1];
        if (!cell.equals("LSTM") && !cell.equals("GRU")) {
            throw new IllegalArgumentException("the torch peer runs LSTM or GRU, got " + cell);
        }
        boolean training = RnnFixture.training(args[2]);
        int reps = positive("REPS", args[3]);
        if (reps % 2 == 0) {
            throw new IllegalArgumentException("REPS must be odd (the median is the middle repetition), got " + reps);
        }
        String peerName = System.getProperty("rnn4j.bench.peer", "torch");
        if (!peerName.equals("torch") && !peerName.equals("py-torch")) {
            throw new IllegalArgumentException("-Drnn4j.bench.peer is torch or py-torch, got " + peerName);
        }
        boolean inProcess = peerName.equals("torch");
        System.out.println("| cell | batch x time x input x units | mode | threads | simd (ms) | "
                + (inProcess ? "PyTorch 2.7.1" : "PyTorch (Python)") + " (ms) | ratio (median of per-rep) | per-rep ratio range |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int s = 4; s < args.length; s++) {
            int[] d = BenchBackends.dims(args[s], 4);
            RnnBenchmarkState.PeerLayer peer = inProcess ? RnnBenchmarkState.torchPeer() : new PythonTorchLayer();
            try (RnnFixture fx = RnnFixture.of("simd", threads, cell, args[s])) {
                peer.init(cell, d[0], d[1], d[2], d[3], training, threads);
                Timer peerTimer = inProcess ? n -> time(peer::run, n) : ((PythonTorchLayer) peer)::timeBatch;
                run(fx, peerTimer, training, cell, args[s], args[2], threads, reps);
            } finally {
                peer.close();
            }
        }
    }

    private static int positive(String what, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be an integer >= 1, got '" + value + "'");
    }

    /** Seconds that {@code n} calls of one side take. */
    @FunctionalInterface
    private interface Timer {
        double seconds(int n);
    }

    private static void run(RnnFixture fx, Timer peer, boolean training,
                            String cell, String shape, String mode, int threads, int reps) {
        Runnable simdCall = () -> fx.run(training);
        Timer simd = n -> time(simdCall, n);
        long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        double slower = 0;
        while (System.nanoTime() < warmEnd) {
            slower = Math.max(simd.seconds(1), peer.seconds(1));
        }
        int batch = (int) Math.max(1, Math.min(1000, SIDE_SECONDS / slower));
        double[] ts = new double[reps], tt = new double[reps], ratio = new double[reps];
        for (int r = 0; r < reps; r++) {
            // One untimed call before each side's batch: the first call after the other side ran
            // finds its caches (and the Python peer its allocator) cold, up to 1.7x its steady time.
            simd.seconds(1);
            ts[r] = simd.seconds(batch) / batch;
            peer.seconds(1);
            tt[r] = peer.seconds(batch) / batch;
            ratio[r] = tt[r] / ts[r];
        }
        Arrays.sort(ts);
        Arrays.sort(tt);
        Arrays.sort(ratio);
        System.out.printf("| %s | %s | %s | %d | %.3f | %.3f | %.2fx | %.2f-%.2f |%n", cell, shape, mode, threads,
                ts[reps / 2] * 1e3, tt[reps / 2] * 1e3, ratio[reps / 2], ratio[0], ratio[reps - 1]);
    }

    /** Seconds that {@code n} calls of {@code op} take. */
    private static double time(Runnable op, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            op.run();
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
