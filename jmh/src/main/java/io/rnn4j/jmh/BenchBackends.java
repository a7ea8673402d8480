package io.rnn4j.jmh;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.java.JavaBackend;
import io.rnn4j.simd.SimdBackend;

/** Creates the backend a benchmark names, with the thread count it asks for; the benchmarks' shared inputs. */
public final class BenchBackends {
    private BenchBackends() {
    }

    /** {@code java} (single-threaded reference) or {@code simd} with {@code threads} threads. */
    public static Backend create(String name, int threads) {
        return switch (name) {
            case "java" -> new JavaBackend();
            case "simd" -> new SimdBackend(threads);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (java | simd)");
        };
    }

    /** Random values in [-1, 1) from a fixed seed. */
    public static float[] random(long seed, int n, float scale) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    /** Parses {@code "64x1024x512"}. */
    public static int[] dims(String s, int count) {
        String[] p = s.split("x");
        if (p.length != count) {
            throw new IllegalArgumentException("expected " + count + " sizes separated by 'x', got '" + s + "'");
        }
        int[] d = new int[count];
        for (int i = 0; i < count; i++) {
            d[i] = Integer.parseInt(p[i].trim());
        }
        return d;
    }
}
