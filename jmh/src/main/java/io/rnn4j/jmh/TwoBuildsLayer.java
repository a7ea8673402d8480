package io.rnn4j.jmh;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Two builds of the simd backend in one JVM on one recurrent layer, alternated per repetition:
 * how a change compares with the code before it. On a shared host whose speed drifts by 10-50%
 * over minutes, two launches (or two JMH forks) compare two phases of the host as much as two
 * builds; alternating them in one JVM gives both the same phases, and the ratio is taken per
 * repetition. Each build is a class path of its own (its cpu-simd classes, then core's and this
 * module's), loaded by a class loader whose parent is the platform loader, so the builds share no
 * class. Even so, two identical builds differ by a few percent in some launches: run both orders
 * ({@code A B} and {@code B A}) and trust what they agree on.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -Xmx6g -cp jmh/target/classes
 * io.rnn4j.jmh.TwoBuildsLayer CLASSPATH_A CLASSPATH_B THREADS CELL inference|training REPS BxTxIxH...},
 * or {@code bench/two-builds.sh}, which compiles two git revisions' cpu-simd for it. Prints, per
 * shape, each build's median milliseconds per call and the median and range of the per-repetition
 * ratio B / A (below 1: B is faster), and each build's bytes allocated per call (by every thread). Run nothing else meanwhile. {@code CELL} {@code GEMM_NN},
 * {@code GEMM_NT}, {@code GEMM_TN} or {@code GEMM_TT} alternates two builds' products instead
 * ({@link GemmFixture}; shapes {@code MxNxK}, the mode ignored).
 */
public final class TwoBuildsLayer {
    /** A ratio every repetition exceeds (or its inverse every one falls below) that makes a launch suspect. */
    private static final double SUSPECT_RATIO = 1.15;
    /** Seconds of alternating calls before the first timed repetition. */
    static final double WARMUP_SECONDS = 8;
    /** Seconds of calls per build per repetition. */
    static final double SIDE_SECONDS = 0.3;

    /** Bytes allocated by every thread: a build that boxes vectors (C2 left a vector call out) shows here. */
    private static final com.sun.management.ThreadMXBean ALLOCATION =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private TwoBuildsLayer() {
    }

    /** One build's fixture for one shape ({@link RnnFixture}, or a {@link GemmFixture} for {@code GEMM_*}), and its {@code run(boolean)}. */
    private record Build(Object fixture, Method run, Method close) {
        static Build of(ClassLoader loader, int threads, String cell, String shape) throws ReflectiveOperationException {
            boolean gemm = cell.startsWith("GEMM_");
            Class<?> type = loader.loadClass((gemm ? GemmFixture.class : RnnFixture.class).getName());
            Method of = type.getDeclaredMethod("of", String.class, int.class, String.class, String.class);
            Method run = type.getDeclaredMethod("run", boolean.class);
            Method close = type.getDeclaredMethod("close");
            of.setAccessible(true);
            run.setAccessible(true);
            close.setAccessible(true);
            return new Build(of.invoke(null, "simd", threads, gemm ? cell.substring(5) : cell, shape), run, close);
        }

        void call(boolean training) throws ReflectiveOperationException {
            run.invoke(fixture, training);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            throw new IllegalArgumentException(
                    "usage: TwoBuildsLayer CLASSPATH_A CLASSPATH_B THREADS CELL inference|training REPS BxTxIxH..."
                            + " (CELL GEMM_NN, GEMM_NT, GEMM_TN or GEMM_TT: one product, shapes MxNxK)");
        }
        ClassLoader[] loaders = {loader(args[0]), loader(args[1])};
        int threads = positive("THREADS", args[2]);
        String cell = args[3];
        boolean training = RnnFixture.training(args[4]);
        int reps = positive("REPS", args[5]);
        for (int s = 6; s < args.length; s++) {
            Build[] builds = {Build.of(loaders[0], threads, cell, args[s]), Build.of(loaders[1], threads, cell, args[s])};
            long start = System.nanoTime();
            while (System.nanoTime() - start < WARMUP_SECONDS * 1e9) {
                builds[0].call(training);
                builds[1].call(training);
            }
            long t0 = System.nanoTime();
            builds[0].call(training);
            int calls = (int) Math.max(1, SIDE_SECONDS * 1e9 / (System.nanoTime() - t0));
            double[][] ms = new double[2][reps];
            long[] bytes = new long[2];
            double[] ratio = new double[reps];
            for (int rep = 0; rep < reps; rep++) {
                for (int i = 0; i < 2; i++) {
                    int b = rep % 2 == 0 ? i : 1 - i; // A B, then B A: neither always goes first
                    long heap = ALLOCATION.getTotalThreadAllocatedBytes();
                    long t = System.nanoTime();
                    for (int c = 0; c < calls; c++) {
                        builds[b].call(training);
                    }
                    ms[b][rep] = (System.nanoTime() - t) / 1e6 / calls;
                    bytes[b] += ALLOCATION.getTotalThreadAllocatedBytes() - heap;
                }
                ratio[rep] = ms[1][rep] / ms[0][rep];
            }
            for (Build b : builds) {
                b.close.invoke(b.fixture);
            }
            Arrays.sort(ratio);
            System.out.printf("%s %s %s %dT  A %.3f ms  B %.3f ms  B/A median %.3f (%.3f-%.3f)  allocated per call A %d B %d bytes%n",
                    cell, args[s], args[4], threads, median(ms[0]), median(ms[1]), ratio[reps / 2], ratio[0], ratio[reps - 1],
                    bytes[0] / ((long) calls * reps), bytes[1] / ((long) calls * reps));
            if (ratio[0] > SUSPECT_RATIO || ratio[reps - 1] < 1 / SUSPECT_RATIO) {
                // Session 19 saw one of two builds (even two copies of one revision) run 1.2-2.2x
                // slow in every repetition, in about one launch in six: a state of that JVM. Session 21
                // found one cause through the allocation column: a block of VectorMath left in C1's
                // code, which allocates for every vector operation (e8f33dc)
                System.out.printf("  every repetition has one build over %.2fx the other's time: unless the change"
                        + " explains that much, run this again before trusting it%n", SUSPECT_RATIO);
            }
        }
    }

    private static ClassLoader loader(String classPath) throws MalformedURLException {
        String[] parts = classPath.split(java.io.File.pathSeparator);
        URL[] urls = new URL[parts.length];
        for (int i = 0; i < parts.length; i++) {
            urls[i] = Path.of(parts[i]).toUri().toURL();
        }
        return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static int positive(String name, String value) {
        int v = Integer.parseInt(value);
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
        return v;
    }
}
