package io.rnn4j.cuda;

/**
 * The argument contract of {@code cublasSgemm} / {@code cublasSgemmStridedBatched}, checked before
 * any call by both {@link Device} implementations: cuBLAS's own checks (which it answers with
 * {@code CUBLAS_STATUS_INVALID_VALUE}) plus checks cuBLAS never makes: every element an operand
 * block touches lies inside its allocation, and the C blocks of a batch do not overlap (they
 * would race on a GPU). A failure is an {@link IllegalArgumentException} that names the argument.
 */
public final class CublasContract {
    /** {@code CUBLAS_OP_N}. */
    public static final int OP_N = 0;
    /** {@code CUBLAS_OP_T}. */
    public static final int OP_T = 1;

    private CublasContract() {
    }

    /** Checks one (possibly batched) sgemm; {@code batchCount == 1} with zero strides is a plain sgemm. */
    public static void checkGemm(String op, int transA, int transB, int m, int n, int k,
                                 DevicePtr a, int lda, long strideA, DevicePtr b, int ldb, long strideB,
                                 DevicePtr c, int ldc, long strideC, int batchCount) {
        if ((transA != OP_N && transA != OP_T) || (transB != OP_N && transB != OP_T)) {
            throw invalid(op, "transa/transb must be CUBLAS_OP_N (0) or CUBLAS_OP_T (1), got " + transA + "/" + transB);
        }
        if (m < 0 || n < 0 || k < 0 || batchCount < 0) {
            throw invalid(op, "negative size m=" + m + ", n=" + n + ", k=" + k + ", batchCount=" + batchCount);
        }
        int aRows = transA == OP_N ? m : k;
        int bRows = transB == OP_N ? k : n;
        if (lda < Math.max(1, aRows)) {
            throw invalid(op, "lda=" + lda + " < max(1, " + (transA == OP_N ? "m" : "k") + "=" + aRows + ")");
        }
        if (ldb < Math.max(1, bRows)) {
            throw invalid(op, "ldb=" + ldb + " < max(1, " + (transB == OP_N ? "k" : "n") + "=" + bRows + ")");
        }
        if (ldc < Math.max(1, m)) {
            throw invalid(op, "ldc=" + ldc + " < max(1, m=" + m + ")");
        }
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw invalid(op, "negative stride");
        }
        if (a == null || b == null || c == null) {
            throw new IllegalArgumentException(op + ": null operand pointer");
        }
        if (m == 0 || n == 0 || batchCount == 0) {
            return; // cuBLAS returns at once and touches nothing
        }
        if (k > 0) {
            bounds(op, "A", a, aRows, transA == OP_N ? k : m, lda, strideA, batchCount);
            bounds(op, "B", b, bRows, transB == OP_N ? n : k, ldb, strideB, batchCount);
        }
        bounds(op, "C", c, m, n, ldc, strideC, batchCount);
        for (int d = 1; d < batchCount; d++) {
            if (!disjoint(d * strideC, m, n, ldc)) {
                throw new IllegalArgumentException(op + ": strideC=" + strideC + " makes the C blocks of batches 0 and " + d
                        + " overlap (" + m + " x " + n + " with ldc " + ldc + "); they would race on a GPU");
            }
        }
    }

    /** Whether two m x n column-major blocks with leading dimension ld, {@code shift} elements apart, share no element. */
    static boolean disjoint(long shift, int m, int n, int ld) {
        if (shift >= (long) (n - 1) * ld + m) {
            return true;
        }
        long r = shift % ld;
        return r >= m && r + m <= ld; // interleaved column blocks (e.g. the gate blocks of one row-major matrix)
    }

    /** A column-major {@code rows x cols} block with leading dimension ld, repeated batchCount times. */
    private static void bounds(String op, String what, DevicePtr p, int rows, int cols, int ld, long stride, int batchCount) {
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = p.offset() + (long) (batchCount - 1) * stride + (long) (cols - 1) * ld + rows;
        if (last > p.buffer().length()) {
            throw new IllegalArgumentException(op + ": operand " + what + " (" + rows + " x " + cols + ", ld " + ld
                    + (batchCount > 1 ? ", stride " + stride + ", " + batchCount + " batches" : "") + ") at offset " + p.offset()
                    + " reaches element " + last + " of an allocation of " + p.buffer().length() + " floats");
        }
        if (p.buffer().isFreed()) {
            throw new IllegalStateException(op + ": operand " + what + " points into freed device memory");
        }
    }

    private static IllegalArgumentException invalid(String op, String why) {
        return new IllegalArgumentException(op + ": cuBLAS would return CUBLAS_STATUS_INVALID_VALUE: " + why);
    }

    /** Checks a device range {@code [offset, offset + length)} of a copy. */
    public static void range(String op, String what, DevicePtr p, long length) {
        if (p == null) {
            throw new IllegalArgumentException(op + ": " + what + " is null");
        }
        if (p.buffer().isFreed()) {
            throw new IllegalStateException(op + ": " + what + " points into freed device memory");
        }
        if (length < 0 || p.offset() + length > p.buffer().length()) {
            throw new IllegalArgumentException(op + ": " + what + " range [" + p.offset() + ", " + (p.offset() + length)
                    + ") outside an allocation of " + p.buffer().length() + " floats");
        }
    }
}
