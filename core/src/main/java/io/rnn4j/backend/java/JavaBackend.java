package io.rnn4j.backend.java;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.GemmChecks;
import io.rnn4j.backend.HostTensors;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

import java.util.Arrays;

/**
 * The reference backend: every operation written plainly in Java on {@code float[]} storage.
 * It is the yardstick of the conformance suite, so clarity wins over speed here; it is still
 * written in loop orders the JIT vectorizes, so small models train in reasonable time.
 */
public class JavaBackend implements Backend {

    private final JavaRnnKernels rnn = new JavaRnnKernels(this);

    @Override
    public String name() {
        return "java";
    }

    /** The host array of {@code t}, checking that this backend owns it. */
    protected final float[] data(Tensor t, String what) {
        return HostTensors.data(this, t, what);
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Tensor zeros(int... shape) {
        return Tensor.wrap(this, new float[Tensor.sizeOf(shape)], shape);
    }

    @Override
    public Tensor fromArray(float[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("fromArray: data must not be null");
        }
        if (data.length != Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException("fromArray: " + data.length + " values do not fill shape "
                    + Arrays.toString(shape) + " (" + Tensor.sizeOf(shape) + " elements)");
        }
        return Tensor.wrap(this, data.clone(), shape);
    }

    @Override
    public void copyToHost(Tensor src, int srcOffset, float[] dst, int dstOffset, int length) {
        float[] s = data(src, "src");
        HostTensors.range("copyToHost", "src", src, srcOffset, length);
        System.arraycopy(s, srcOffset, dst, dstOffset, length);
    }

    @Override
    public void copyFromHost(float[] src, int srcOffset, Tensor dst, int dstOffset, int length) {
        float[] d = data(dst, "dst");
        HostTensors.range("copyFromHost", "dst", dst, dstOffset, length);
        System.arraycopy(src, srcOffset, d, dstOffset, length);
    }

    @Override
    public void copy(Tensor src, int srcOffset, Tensor dst, int dstOffset, int length) {
        float[] s = data(src, "src");
        float[] d = data(dst, "dst");
        HostTensors.range("copy", "src", src, srcOffset, length);
        HostTensors.range("copy", "dst", dst, dstOffset, length);
        System.arraycopy(s, srcOffset, d, dstOffset, length);
    }

    @Override
    public void copy2d(int rows, int cols, Tensor src, int srcOffset, int srcLd, Tensor dst, int dstOffset, int dstLd) {
        float[] s = data(src, "src");
        float[] d = data(dst, "dst");
        HostTensors.block("copy2d", "src", src, srcOffset, rows, cols, srcLd);
        HostTensors.block("copy2d", "dst", dst, dstOffset, rows, cols, dstLd);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(s, srcOffset + r * srcLd, d, dstOffset + r * dstLd, cols);
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        Arrays.fill(data(dst, "dst"), 0, dst.size(), value);
    }

    @Override
    public void release(Tensor tensor, Object storage) {
        // Host arrays are reclaimed by the garbage collector.
    }

    // ------------------------------------------------------------------ BLAS

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                     float beta, Tensor c, int offC, int ldc) {
        float[] A = data(a, "A");
        float[] B = data(b, "B");
        float[] C = data(c, "C");
        GemmChecks.check(transA, transB, m, n, k, a, offA, lda, b, offB, ldb, c, offC, ldc);
        for (int i = 0; i < m; i++) {
            int ci = offC + i * ldc;
            if (beta == 0f) {
                Arrays.fill(C, ci, ci + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    C[ci + j] *= beta;
                }
            }
            if (k == 0) {
                continue;
            }
            if (!transB) {
                // Row i of C accumulates alpha * a(i,p) * row p of B: unit-stride inner loop.
                for (int p = 0; p < k; p++) {
                    float aip = alpha * (transA ? A[offA + p * lda + i] : A[offA + i * lda + p]);
                    int bp = offB + p * ldb;
                    for (int j = 0; j < n; j++) {
                        C[ci + j] += aip * B[bp + j];
                    }
                }
            } else {
                // op(B)(p, j) = B[j, p]: a dot product of row i of op(A) and row j of B.
                for (int j = 0; j < n; j++) {
                    int bj = offB + j * ldb;
                    float s = 0f;
                    if (transA) {
                        for (int p = 0; p < k; p++) {
                            s += A[offA + p * lda + i] * B[bj + p];
                        }
                    } else {
                        int ai = offA + i * lda;
                        for (int p = 0; p < k; p++) {
                            s += A[ai + p] * B[bj + p];
                        }
                    }
                    C[ci + j] += alpha * s;
                }
            }
        }
    }

    // ------------------------------------------------------------------ element-wise

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        float[] x = data(a, "a"), y = data(b, "b"), o = data(out, "out");
        HostTensors.sameSize("add", a, b, out);
        for (int i = 0, n = out.size(); i < n; i++) {
            o[i] = x[i] + y[i];
        }
    }

    @Override
    public void sub(Tensor a, Tensor b, Tensor out) {
        float[] x = data(a, "a"), y = data(b, "b"), o = data(out, "out");
        HostTensors.sameSize("sub", a, b, out);
        for (int i = 0, n = out.size(); i < n; i++) {
            o[i] = x[i] - y[i];
        }
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        float[] x = data(a, "a"), y = data(b, "b"), o = data(out, "out");
        HostTensors.sameSize("mul", a, b, out);
        for (int i = 0, n = out.size(); i < n; i++) {
            o[i] = x[i] * y[i];
        }
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        float[] xs = data(x, "x"), o = data(out, "out");
        if (beta == 0f) {
            HostTensors.sameSize("axpby", x, out);
            for (int i = 0, n = out.size(); i < n; i++) {
                o[i] = alpha * xs[i];
            }
            return;
        }
        float[] ys = data(y, "y");
        HostTensors.sameSize("axpby", x, y, out);
        for (int i = 0, n = out.size(); i < n; i++) {
            o[i] = alpha * xs[i] + beta * ys[i];
        }
    }

    @Override
    public void clip(Tensor x, float lo, float hi, Tensor out) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clip: lo " + lo + " must be <= hi " + hi);
        }
        float[] xs = data(x, "x"), o = data(out, "out");
        HostTensors.sameSize("clip", x, out);
        for (int i = 0, n = out.size(); i < n; i++) {
            float v = xs[i];
            o[i] = v < lo ? lo : (v > hi ? hi : v); // NaN stays NaN
        }
    }

    @Override
    public void activation(Activation f, Tensor x, Tensor y) {
        float[] xs = data(x, "x"), ys = data(y, "y");
        HostTensors.sameSize("activation", x, y);
        for (int i = 0, n = y.size(); i < n; i++) {
            ys[i] = apply(f, xs[i]);
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, float beta, Tensor dx) {
        float[] ys = data(y, "y"), dys = data(dy, "dy"), dxs = data(dx, "dx");
        HostTensors.sameSize("activationBackward", y, dy, dx);
        for (int i = 0, n = dx.size(); i < n; i++) {
            float g = dys[i] * derivative(f, ys[i]);
            dxs[i] = beta == 0f ? g : beta * dxs[i] + g;
        }
    }

    /** {@code f(x)} in float: exact sigmoid and {@link Math#tanh}, the accuracy other backends must match. */
    public static float apply(Activation f, float x) {
        return switch (f) {
            case LINEAR -> x;
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-(double) x)));
            case HARD_SIGMOID -> Math.min(1f, Math.max(0f, x / 6f + 0.5f));
            case RELU -> x > 0f ? x : (x <= 0f ? 0f : x); // keeps NaN
        };
    }

    /** {@code f'(x)} from {@code y = f(x)}. */
    public static float derivative(Activation f, float y) {
        return switch (f) {
            case LINEAR -> 1f;
            case TANH -> 1f - y * y;
            case SIGMOID -> y * (1f - y);
            case HARD_SIGMOID -> (y > 0f && y < 1f) ? 1f / 6f : 0f;
            case RELU -> y > 0f ? 1f : 0f;
        };
    }

    @Override
    public void addRowVector(Tensor m, Tensor v, Tensor out) {
        float[] ms = data(m, "m"), vs = data(v, "v"), o = data(out, "out");
        HostTensors.sameSize("addRowVector", m, out);
        int cols = v.size();
        if (cols == 0 || m.size() % cols != 0) {
            throw new IllegalArgumentException("addRowVector: matrix of " + m.size() + " elements "
                    + Arrays.toString(m.shape()) + " is not a whole number of rows of " + cols);
        }
        for (int r = 0, rows = m.size() / cols; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                o[base + c] = ms[base + c] + vs[c];
            }
        }
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void sumRows(Tensor m, float beta, Tensor out) {
        float[] ms = data(m, "m"), o = data(out, "out");
        int cols = out.size();
        if (cols == 0 || m.size() % cols != 0) {
            throw new IllegalArgumentException("sumRows: matrix of " + m.size() + " elements "
                    + Arrays.toString(m.shape()) + " is not a whole number of rows of " + cols);
        }
        int rows = m.size() / cols;
        double[] acc = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                acc[c] += ms[r * cols + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            o[c] = (float) (beta == 0f ? acc[c] : beta * o[c] + acc[c]);
        }
    }

    @Override
    public void sumColumns(Tensor m, float beta, Tensor out) {
        float[] ms = data(m, "m"), o = data(out, "out");
        int rows = out.size();
        if (rows == 0 || m.size() % rows != 0) {
            throw new IllegalArgumentException("sumColumns: matrix of " + m.size() + " elements "
                    + Arrays.toString(m.shape()) + " is not " + rows + " whole rows");
        }
        int cols = m.size() / rows;
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int c = 0; c < cols; c++) {
                acc += ms[r * cols + c];
            }
            o[r] = (float) (beta == 0f ? acc : beta * o[r] + acc);
        }
    }

    @Override
    public double sum(Tensor x) {
        float[] xs = data(x, "x");
        double s = 0;
        for (int i = 0, n = x.size(); i < n; i++) {
            s += xs[i];
        }
        return s;
    }

    @Override
    public double sumOfSquares(Tensor x) {
        float[] xs = data(x, "x");
        double s = 0;
        for (int i = 0, n = x.size(); i < n; i++) {
            s += (double) xs[i] * xs[i];
        }
        return s;
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v,
                           float learningRate, float beta1, float beta2, float epsilon, long step) {
        float[] p = data(param, "param"), g = data(grad, "grad"), ms = data(m, "m"), vs = data(v, "v");
        HostTensors.sameSize("adamUpdate", param, grad, m, v);
        if (step < 1) {
            throw new IllegalArgumentException("adamUpdate: step counts from 1, got " + step);
        }
        float alpha = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        for (int i = 0, n = param.size(); i < n; i++) {
            ms[i] += (g[i] - ms[i]) * (1f - beta1);
            vs[i] += (g[i] * g[i] - vs[i]) * (1f - beta2);
            p[i] -= alpha * ms[i] / ((float) Math.sqrt(vs[i]) + epsilon);
        }
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity,
                          float learningRate, float momentum, boolean nesterov) {
        float[] p = data(param, "param"), g = data(grad, "grad");
        HostTensors.sameSize("sgdUpdate", param, grad);
        int n = param.size();
        if (momentum == 0f) {
            for (int i = 0; i < n; i++) {
                p[i] -= learningRate * g[i];
            }
            return;
        }
        float[] vel = data(velocity, "velocity");
        HostTensors.sameSize("sgdUpdate", param, velocity);
        for (int i = 0; i < n; i++) {
            vel[i] = momentum * vel[i] - learningRate * g[i];
            p[i] += nesterov ? momentum * vel[i] - learningRate * g[i] : vel[i];
        }
    }

    @Override
    public void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuffer,
                              float learningRate, float rho, float momentum, float epsilon) {
        float[] p = data(param, "param"), g = data(grad, "grad"), s = data(meanSquare, "meanSquare");
        HostTensors.sameSize("rmspropUpdate", param, grad, meanSquare);
        float[] mb = momentumBuffer == null ? null : data(momentumBuffer, "momentumBuffer");
        if (mb != null) {
            HostTensors.sameSize("rmspropUpdate", param, momentumBuffer);
        }
        for (int i = 0, n = param.size(); i < n; i++) {
            s[i] = rho * s[i] + (1f - rho) * g[i] * g[i];
            float inc = learningRate * g[i] / (float) Math.sqrt(s[i] + epsilon);
            if (mb != null) {
                mb[i] = momentum * mb[i] + inc;
                p[i] -= mb[i];
            } else {
                p[i] -= inc;
            }
        }
    }

    // ------------------------------------------------------------------ fused recurrent kernels

    @Override
    public RnnWorkspace rnnWorkspace(RnnSpec spec, int batch, int time) {
        return rnn.workspace(spec, batch, time);
    }

    @Override
    public void rnnForward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs args) {
        rnn.forward(spec, workspace, args);
    }

    @Override
    public void rnnBackward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs forward, RnnBackwardArgs args) {
        rnn.backward(spec, workspace, forward, args);
    }
}
