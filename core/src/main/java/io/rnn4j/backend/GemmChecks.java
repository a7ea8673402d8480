package io.rnn4j.backend;

import io.rnn4j.Tensor;

/** Argument checks of {@link Backend#gemm}, shared by every backend so all reject the same calls. */
public final class GemmChecks {
    private GemmChecks() {
    }

    /** Throws {@link IllegalArgumentException} if any operand block falls outside its tensor. */
    public static void check(boolean transA, boolean transB, int m, int n, int k,
                             Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                             Tensor c, int offC, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + ", n=" + n + ", k=" + k);
        }
        HostTensors.block("gemm", transA ? "A (k x m, transposed)" : "A (m x k)", a, offA,
                transA ? k : m, transA ? m : k, lda);
        HostTensors.block("gemm", transB ? "B (n x k, transposed)" : "B (k x n)", b, offB,
                transB ? n : k, transB ? k : n, ldb);
        HostTensors.block("gemm", "C (m x n)", c, offC, m, n, ldc);
    }
}
