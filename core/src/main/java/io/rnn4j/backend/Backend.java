package io.rnn4j.backend;

import io.rnn4j.Tensor;

/**
 * The numeric engine behind every layer: memory, BLAS-style GEMM, element-wise primitives with
 * their derivatives, reductions, fused optimizer updates and fused whole-sequence recurrent
 * kernels. Implementations are discovered with {@link java.util.ServiceLoader} through a
 * {@link BackendProvider} and selected by {@link Backends}.
 *
 * <p>Conventions shared by every operation:
 * <ul>
 *   <li>All tensors are float32, row-major and must belong to this backend (a tensor of another
 *       backend is an {@link IllegalArgumentException}, never a crash).</li>
 *   <li>Offsets, lengths and leading dimensions are in elements. Every access is bounds-checked
 *       against the tensor's size before any work is done.</li>
 *   <li>Element-wise operations work on tensors of equal size (shape is not checked, size is);
 *       the output may alias any input.</li>
 *   <li>A {@code beta} of 0 means the output is overwritten and never read (so NaN in an
 *       uninitialised output does not leak), otherwise {@code out = beta * out + result}.</li>
 * </ul>
 * The {@code java} backend implements every operation plainly and is the reference that the
 * conformance suite (in {@code rnn4j-core}'s test-jar) holds other backends to.
 */
public interface Backend extends AutoCloseable {

    /** The name used by {@code -Drnn4j.backend=...}: {@code java}, {@code simd}, {@code cuda}. */
    String name();

    // ------------------------------------------------------------------ memory

    /** A new zero-filled tensor. */
    Tensor zeros(int... shape);

    /** A new tensor holding a copy of {@code data}; {@code data.length} must equal the shape's size. */
    Tensor fromArray(float[] data, int... shape);

    /** Copies {@code length} elements of {@code src} starting at {@code srcOffset} to a host array. */
    void copyToHost(Tensor src, int srcOffset, float[] dst, int dstOffset, int length);

    /** Copies {@code length} elements of a host array into {@code dst} starting at {@code dstOffset}. */
    void copyFromHost(float[] src, int srcOffset, Tensor dst, int dstOffset, int length);

    /** Copies {@code length} contiguous elements between tensors of this backend (ranges may not overlap). */
    void copy(Tensor src, int srcOffset, Tensor dst, int dstOffset, int length);

    /**
     * Copies a {@code rows x cols} block: row {@code r} of the block starts at
     * {@code srcOffset + r * srcLd} in {@code src} and lands at {@code dstOffset + r * dstLd} in
     * {@code dst}. Column concat/split, time-step slices of {@code (batch, time, features)}
     * tensors and sequence reversal are all this operation.
     */
    void copy2d(int rows, int cols, Tensor src, int srcOffset, int srcLd, Tensor dst, int dstOffset, int dstLd);

    /** Sets every element of {@code dst} to {@code value}. */
    void fill(Tensor dst, float value);

    /** Frees {@code storage}; called once by {@link Tensor#close()}. Backend SPI. */
    void release(Tensor tensor, Object storage);

    /**
     * Concatenates 2-D tensors {@code (rows, c_i)} along columns into {@code out (rows, sum c_i)}.
     * Backends may override with a fused version.
     */
    default void concatColumns(Tensor[] parts, Tensor out) {
        int rows = out.dim(0);
        int total = out.dim(1);
        int col = 0;
        for (Tensor p : parts) {
            if (p.rank() != 2 || p.dim(0) != rows) {
                throw new IllegalArgumentException("concatColumns: part " + p + " does not have " + rows + " rows");
            }
            copy2d(rows, p.dim(1), p, 0, p.dim(1), out, col, total);
            col += p.dim(1);
        }
        if (col != total) {
            throw new IllegalArgumentException("concatColumns: parts have " + col + " columns, output has " + total);
        }
    }

    /** Splits {@code in (rows, sum c_i)} along columns into 2-D tensors {@code (rows, c_i)}. */
    default void splitColumns(Tensor in, Tensor[] parts) {
        int rows = in.dim(0);
        int total = in.dim(1);
        int col = 0;
        for (Tensor p : parts) {
            if (p.rank() != 2 || p.dim(0) != rows) {
                throw new IllegalArgumentException("splitColumns: part " + p + " does not have " + rows + " rows");
            }
            copy2d(rows, p.dim(1), in, col, total, p, 0, p.dim(1));
            col += p.dim(1);
        }
        if (col != total) {
            throw new IllegalArgumentException("splitColumns: parts have " + col + " columns, input has " + total);
        }
    }

    // ------------------------------------------------------------------ BLAS

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with BLAS semantics on row-major storage.
     * {@code op(A)} is {@code m x k}: without transpose A is stored as {@code m} rows of
     * {@code lda >= k} elements, transposed as {@code k} rows of {@code lda >= m}. Likewise
     * {@code op(B)} is {@code k x n} ({@code ldb >= n}, or {@code >= k} transposed) and C is
     * {@code m} rows of {@code ldc >= n}. Offsets locate the first element. {@code m}, {@code n}
     * or {@code k} may be 0 ({@code k == 0} scales C by beta).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
              float beta, Tensor c, int offC, int ldc);

    // ------------------------------------------------------------------ element-wise

    /** {@code out = a + b}. */
    void add(Tensor a, Tensor b, Tensor out);

    /** {@code out = a - b}. */
    void sub(Tensor a, Tensor b, Tensor out);

    /** {@code out = a * b} element-wise. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** {@code out = alpha * x + beta * y} (with {@code beta == 0} y is not read). */
    void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out);

    /** {@code out = min(max(x, lo), hi)}. */
    void clip(Tensor x, float lo, float hi, Tensor out);

    /** {@code y = f(x)}. */
    void activation(Activation f, Tensor x, Tensor y);

    /**
     * {@code dx = beta * dx + dy * f'(x)} where the derivative is computed from the forward
     * output {@code y = f(x)} (every {@link Activation} allows this, so forward passes keep only y).
     */
    void activationBackward(Activation f, Tensor y, Tensor dy, float beta, Tensor dx);

    /** {@code out[r, c] = m[r, c] + v[c]} where {@code m} is viewed as {@code (m.size / v.size, v.size)}. */
    void addRowVector(Tensor m, Tensor v, Tensor out);

    // ------------------------------------------------------------------ reductions

    /** {@code out[c] = beta * out[c] + sum_r m[r, c]}, {@code m} viewed as {@code (m.size / out.size, out.size)}. */
    void sumRows(Tensor m, float beta, Tensor out);

    /** {@code out[r] = beta * out[r] + sum_c m[r, c]}, {@code m} viewed as {@code (out.size, m.size / out.size)}. */
    void sumColumns(Tensor m, float beta, Tensor out);

    /** The sum of all elements, accumulated in double; NaN or infinite if any element is. */
    double sum(Tensor x);

    /** The sum of squares of all elements, accumulated in double (for clipping by norm). */
    double sumOfSquares(Tensor x);

    // ------------------------------------------------------------------ optimizers (fused, in place)

    /**
     * One Adam step with Keras 3's formula ({@code step} counts from 1):
     * {@code m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
     * p -= lr * sqrt(1 - beta2^step) / (1 - beta1^step) * m / (sqrt(v) + epsilon)}.
     */
    void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v,
                    float learningRate, float beta1, float beta2, float epsilon, long step);

    /**
     * One SGD step with Keras 3's formula. Without momentum ({@code velocity} may be null):
     * {@code p -= lr * g}. With momentum: {@code v = momentum * v - lr * g}; then
     * {@code p += v}, or with Nesterov {@code p += momentum * v - lr * g}.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor velocity,
                   float learningRate, float momentum, boolean nesterov);

    /**
     * One RMSprop step with Keras 3's formula: {@code s = rho * s + (1 - rho) * g^2;
     * inc = lr * g / sqrt(s + epsilon)}; then {@code p -= inc}, or with momentum
     * ({@code momentumBuffer} non-null) {@code mb = momentum * mb + inc; p -= mb}.
     */
    void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuffer,
                       float learningRate, float rho, float momentum, float epsilon);

    // ------------------------------------------------------------------ fused recurrent kernels

    /**
     * A workspace for {@link #rnnForward} / {@link #rnnBackward} sized for one (batch, time);
     * callers keep it and reuse it while the sizes stay the same.
     */
    RnnWorkspace rnnWorkspace(RnnSpec spec, int batch, int time);

    /** Runs a built-in cell over a whole sequence; see {@link RnnForwardArgs} for the contract. */
    void rnnForward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs args);

    /**
     * Backpropagation through time for the sequence last run by {@link #rnnForward} with
     * {@code training == true} on the same workspace and arguments; see {@link RnnBackwardArgs}.
     * Without such a forward it throws {@link IllegalStateException}; with other forward
     * arguments than that forward's, {@link IllegalArgumentException}. {@code dInitialH} may be
     * the same tensor as {@code dFinalH} (likewise for c).
     */
    void rnnBackward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs forward, RnnBackwardArgs args);

    /** Releases backend-wide resources (handles, pools). Tensors already created stay valid on host backends. */
    @Override
    default void close() {
    }
}
