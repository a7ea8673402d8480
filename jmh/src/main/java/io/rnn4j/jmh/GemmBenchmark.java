package io.rnn4j.jmh;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * How fast is {@code C = op(A) op(B)} (alpha 1, beta 0, row-major) per backend?
 * {@code shape} is {@code MxNxK} (one parameter so that lists of shapes are not crossed);
 * {@code transposes} is {@code NN} (A·B), {@code NT} (A·Bᵀ) or {@code TN} (Aᵀ·B), the three
 * products recurrent forward and backward passes use. GFLOP/s = 2MNK / time (the report
 * script computes it). {@code backend=openblas} is available in a jar built with {@code -Popenblas}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {

    @Param({"simd", "java"})
    public String backend;

    @Param({"64x1024x512", "64x4096x2048", "256x4096x2048", "1024x1024x1024", "6400x1024x256", "1x1024x512"})
    public String shape;

    @Param({"NN", "NT", "TN"})
    public String transposes;

    @Param({"1"})
    public int threads;

    /**
     * {@code fresh}: the fork runs this one product only. {@code mixed}: before its warm-up the
     * fork also runs every other kind of product for about two seconds (GEMVs, few-row and odd
     * shapes, every transpose, beta 0 and not), as an application does. C2 compiles one version
     * of a method for the branch profile of all its callers, so a kernel whose speed depends on
     * what ran before it can show here (session 12 moved a branch that few-row products took
     * out of the micro-kernel: with it, large products in a JVM that had run few-row ones were
     * 4-14% slower; how much depends on the JIT's history, and a single pair of forks may not
     * show it: fresh and mixed forks of the old build at 1024³ measured within their noise).
     */
    @Param({"fresh"})
    public String jvm;

    private Backend be;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private OpenBlasRunner blas;
    private int m;
    private int n;
    private int k;
    private boolean ta;
    private boolean tb;

    /** The OpenBLAS side of a comparison, loaded by reflection so the default build does not need it. */
    public interface OpenBlasRunner {
        void init(boolean ta, boolean tb, int m, int n, int k, int threads);

        void run();

        void close();
    }

    @Setup(Level.Trial)
    public void setUp() throws ReflectiveOperationException {
        int[] d = BenchBackends.dims(shape, 3);
        m = d[0];
        n = d[1];
        k = d[2];
        ta = transposes.charAt(0) == 'T';
        tb = transposes.charAt(1) == 'T';
        if (backend.equals("openblas")) {
            blas = (OpenBlasRunner) Class.forName("io.rnn4j.jmh.openblas.OpenBlasGemm").getDeclaredConstructor().newInstance();
            blas.init(ta, tb, m, n, k, threads);
            return;
        }
        be = BenchBackends.create(backend, threads);
        switch (jvm) {
            case "fresh" -> { }
            case "mixed" -> runOtherProducts(2_000_000_000L);
            default -> throw new IllegalArgumentException("GemmBenchmark: jvm must be fresh or mixed, got " + jvm);
        }
        a = be.fromArray(BenchBackends.random(1, m * k, 1f), m * k);
        b = be.fromArray(BenchBackends.random(2, k * n, 1f), k * n);
        c = be.zeros(m * n);
    }

    /** Every transpose of a spread of shapes, with beta 0 and 0.5, in turn for {@code nanos}. */
    private void runOtherProducts(long nanos) {
        int[][] shapes = {{1, 1024, 512}, {2, 300, 77}, {5, 5, 5}, {16, 1024, 512}, {37, 129, 1000}, {64, 1024, 512},
                {130, 70, 530}, {600, 333, 257}};
        Tensor[][] ops = new Tensor[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            int mm = shapes[i][0], nn = shapes[i][1], kk = shapes[i][2];
            ops[i] = new Tensor[] {be.fromArray(BenchBackends.random(3, mm * kk, 1f), mm * kk),
                    be.fromArray(BenchBackends.random(4, kk * nn, 1f), kk * nn), be.zeros(mm * nn)};
        }
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            for (int i = 0; i < shapes.length; i++) {
                int mm = shapes[i][0], nn = shapes[i][1], kk = shapes[i][2];
                Tensor x = ops[i][0], y = ops[i][1], z = ops[i][2];
                for (String t : new String[] {"NN", "NT", "TN"}) {
                    boolean xa = t.charAt(0) == 'T', yb = t.charAt(1) == 'T';
                    be.gemm(xa, yb, mm, nn, kk, 1f, x, 0, xa ? mm : kk, y, 0, yb ? kk : nn, 0f, z, 0, nn);
                    be.gemm(xa, yb, mm, nn, kk, 1f, x, 0, xa ? mm : kk, y, 0, yb ? kk : nn, 0.5f, z, 0, nn);
                }
            }
        }
        for (Tensor[] t : ops) {
            for (Tensor x : t) {
                x.close();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (blas != null) {
            blas.close();
        }
        if (be != null) {
            be.close();
        }
    }

    @Benchmark
    public Object gemm() {
        if (blas != null) {
            blas.run();
            return blas;
        }
        be.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
        return c;
    }
}
