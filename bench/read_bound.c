// The read-bandwidth bound of the batch-1 A·Bᵀ GEMV (c[j] = dot(a, B[j, :])) on one core:
// how fast C with AVX-512 can (1) just read a buffer of the GEMV's size over and over, and
// (2) run the GEMV the way the simd backend does (four rows per pass, one from each quarter of B,
// two accumulators each), with B on a 64-byte line boundary and 16, 32, 48 bytes past one (as a
// Java array of more than half a G1 region sits: 16 bytes past).
//
//   gcc -O3 -march=native -o read_bound bench/read_bound.c && ./read_bound 1024 512
//
// Prints GB/s of B and GFLOP/s. A GEMV cannot beat (1); the simd backend's figures are in
// results/gemm-interleaved.md. No dependencies beyond the compiler.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static volatile float sink;

// Reads n floats as four streams (one per quarter), two vectors each per step.
__attribute__((noinline)) static float read_only(const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    size_t q = n / 4;
    const float *p0 = b, *p1 = b + q, *p2 = b + 2 * q, *p3 = b + 3 * q;
    for (size_t i = 0; i + 32 <= q; i += 32) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(p0 + i)); s4 = _mm512_add_ps(s4, _mm512_loadu_ps(p0 + i + 16));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(p1 + i)); s5 = _mm512_add_ps(s5, _mm512_loadu_ps(p1 + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_loadu_ps(p2 + i)); s6 = _mm512_add_ps(s6, _mm512_loadu_ps(p2 + i + 16));
        s3 = _mm512_add_ps(s3, _mm512_loadu_ps(p3 + i)); s7 = _mm512_add_ps(s7, _mm512_loadu_ps(p3 + i + 16));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                             _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
    return _mm512_reduce_add_ps(s);
}

// The simd backend's loop: rows j, j+q, j+2q, j+3q per pass (q = n/4), k a multiple of 32.
__attribute__((noinline)) static void gemv4(int n, int k, const float *a, const float *b, float *c) {
    int q = n / 4;
    for (int j = 0; j < q; j++) {
        const float *b0 = b + (size_t)j * k, *b1 = b0 + (size_t)q * k, *b2 = b1 + (size_t)q * k, *b3 = b2 + (size_t)q * k;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
        for (int p = 0; p < k; p += 32) {
            __m512 x = _mm512_loadu_ps(a + p), y = _mm512_loadu_ps(a + p + 16);
            s0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b0 + p), s0); s1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b1 + p), s1);
            s2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b2 + p), s2); s3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b3 + p), s3);
            u0 = _mm512_fmadd_ps(y, _mm512_loadu_ps(b0 + p + 16), u0); u1 = _mm512_fmadd_ps(y, _mm512_loadu_ps(b1 + p + 16), u1);
            u2 = _mm512_fmadd_ps(y, _mm512_loadu_ps(b2 + p + 16), u2); u3 = _mm512_fmadd_ps(y, _mm512_loadu_ps(b3 + p + 16), u3);
        }
        c[j] = _mm512_reduce_add_ps(_mm512_add_ps(s0, u0));
        c[j + q] = _mm512_reduce_add_ps(_mm512_add_ps(s1, u1));
        c[j + 2 * q] = _mm512_reduce_add_ps(_mm512_add_ps(s2, u2));
        c[j + 3 * q] = _mm512_reduce_add_ps(_mm512_add_ps(s3, u3));
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s N K   (B is N x K floats; K a multiple of 32, N of 4)\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]), k = atoi(argv[2]);
    if (n <= 0 || k <= 0 || n % 4 != 0 || k % 32 != 0) {
        fprintf(stderr, "N must be a positive multiple of 4 and K of 32, got N=%d K=%d\n", n, k);
        return 2;
    }
    size_t floats = (size_t)n * k, bytes = floats * 4;
    float *base = aligned_alloc(4096, bytes + 4096), *a = aligned_alloc(64, (size_t)k * 4), *c = aligned_alloc(64, (size_t)n * 4);
    if (!base || !a || !c) {
        fprintf(stderr, "out of memory for %zu bytes\n", bytes);
        return 1;
    }
    for (size_t i = 0; i < floats + 1024; i++) base[i] = (float)(i % 13) * 0.01f;
    for (int i = 0; i < k; i++) a[i] = i * 0.001f;
    int reps = (int)(2e9 / bytes);
    if (reps < 3) reps = 3;
    double best_read = 1e9, best[4] = {1e9, 1e9, 1e9, 1e9};
    for (int round = 0; round < 15; round++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) sink = read_only(base, floats);
        double t = (now() - t0) / reps;
        if (t < best_read) best_read = t;
        for (int o = 0; o < 4; o++) {
            t0 = now();
            for (int r = 0; r < reps; r++) gemv4(n, k, a, base + 4 * o, c);
            t = (now() - t0) / reps;
            if (t < best[o]) best[o] = t;
        }
    }
    printf("B %dx%d (%.2f MiB), one thread, best of 15 rounds of %d calls\n", n, k, bytes / 1048576.0, reps);
    printf("  read only, four streams:     %6.1f GB/s\n", bytes / best_read / 1e9);
    for (int o = 0; o < 4; o++)
        printf("  GEMV, B %2d bytes off a line: %6.1f GB/s  %5.1f GFLOP/s\n", 16 * o, bytes / best[o] / 1e9, 2.0 * floats / best[o] / 1e9);
    return 0;
}
