package io.rnn4j.cell;

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
 * A backend that stores and computes in float64, used by {@link GradientChecker} so that the
 * recorded ops of a cell, their adjoints and the central finite differences all run in double:
 * a finite difference in float32 loses about half of its digits to rounding and could hide a
 * wrong adjoint. It implements the primitives plainly (the same operations as the {@code java}
 * backend, in double); the fused kernels and optimizer updates are not offered.
 *
 * <p>Not registered with {@link java.util.ServiceLoader}: it is a checking tool, not a
 * backend to train with. Values cross to float only through {@link #copyToHost} and
 * {@link #fromArray}; {@link #data} gives the double array itself.
 */
public final class Float64Backend implements Backend {

    @Override
    public String name() {
        return "float64-check";
    }

    /** The double storage of {@code t}. */
    public double[] data(Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("float64 backend: null tensor");
        }
        if (t.backend() != this) {
            throw new IllegalArgumentException("float64 backend: tensor " + t + " belongs to backend '" + t.backend().name() + "'");
        }
        return (double[]) t.storage();
    }

    /** A tensor holding a copy of {@code data} in double. */
    public Tensor fromDoubles(double[] data, int... shape) {
        if (data.length != Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException("fromDoubles: " + data.length + " values do not fill " + Arrays.toString(shape));
        }
        return Tensor.wrap(this, data.clone(), shape);
    }

    @Override
    public Tensor zeros(int... shape) {
        return Tensor.wrap(this, new double[Tensor.sizeOf(shape)], shape);
    }

    @Override
    public Tensor fromArray(float[] data, int... shape) {
        if (data == null || data.length != Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException("fromArray: values do not fill shape " + Arrays.toString(shape));
        }
        double[] d = new double[data.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = data[i];
        }
        return Tensor.wrap(this, d, shape);
    }

    @Override
    public void copyToHost(Tensor src, int srcOffset, float[] dst, int dstOffset, int length) {
        double[] s = data(src);
        HostTensors.range("copyToHost", "src", src, srcOffset, length);
        for (int i = 0; i < length; i++) {
            dst[dstOffset + i] = (float) s[srcOffset + i];
        }
    }

    @Override
    public void copyFromHost(float[] src, int srcOffset, Tensor dst, int dstOffset, int length) {
        double[] d = data(dst);
        HostTensors.range("copyFromHost", "dst", dst, dstOffset, length);
        for (int i = 0; i < length; i++) {
            d[dstOffset + i] = src[srcOffset + i];
        }
    }

    @Override
    public void copy(Tensor src, int srcOffset, Tensor dst, int dstOffset, int length) {
        double[] s = data(src), d = data(dst);
        HostTensors.range("copy", "src", src, srcOffset, length);
        HostTensors.range("copy", "dst", dst, dstOffset, length);
        System.arraycopy(s, srcOffset, d, dstOffset, length);
    }

    @Override
    public void copy2d(int rows, int cols, Tensor src, int srcOffset, int srcLd, Tensor dst, int dstOffset, int dstLd) {
        double[] s = data(src), d = data(dst);
        HostTensors.block("copy2d", "src", src, srcOffset, rows, cols, srcLd);
        HostTensors.block("copy2d", "dst", dst, dstOffset, rows, cols, dstLd);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(s, srcOffset + r * srcLd, d, dstOffset + r * dstLd, cols);
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        Arrays.fill(data(dst), 0, dst.size(), value);
    }

    @Override
    public void release(Tensor tensor, Object storage) {
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                     float beta, Tensor c, int offC, int ldc) {
        double[] A = data(a), B = data(b), C = data(c);
        GemmChecks.check(transA, transB, m, n, k, a, offA, lda, b, offB, ldb, c, offC, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? A[offA + p * lda + i] : A[offA + i * lda + p];
                    double bv = transB ? B[offB + j * ldb + p] : B[offB + p * ldb + j];
                    s += av * bv;
                }
                int ci = offC + i * ldc + j;
                C[ci] = beta == 0f ? alpha * s : beta * C[ci] + alpha * s;
            }
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        double[] x = data(a), y = data(b), o = data(out);
        HostTensors.sameSize("add", a, b, out);
        for (int i = 0; i < out.size(); i++) {
            o[i] = x[i] + y[i];
        }
    }

    @Override
    public void sub(Tensor a, Tensor b, Tensor out) {
        double[] x = data(a), y = data(b), o = data(out);
        HostTensors.sameSize("sub", a, b, out);
        for (int i = 0; i < out.size(); i++) {
            o[i] = x[i] - y[i];
        }
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        double[] x = data(a), y = data(b), o = data(out);
        HostTensors.sameSize("mul", a, b, out);
        for (int i = 0; i < out.size(); i++) {
            o[i] = x[i] * y[i];
        }
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        double[] xs = data(x), o = data(out);
        double[] ys = beta == 0f ? null : data(y);
        HostTensors.sameSize("axpby", x, out);
        for (int i = 0; i < out.size(); i++) {
            o[i] = beta == 0f ? alpha * xs[i] : alpha * xs[i] + beta * ys[i];
        }
    }

    @Override
    public void clip(Tensor x, float lo, float hi, Tensor out) {
        double[] xs = data(x), o = data(out);
        HostTensors.sameSize("clip", x, out);
        for (int i = 0; i < out.size(); i++) {
            o[i] = Math.min(hi, Math.max(lo, xs[i]));
        }
    }

    @Override
    public void activation(Activation f, Tensor x, Tensor y) {
        double[] xs = data(x), ys = data(y);
        HostTensors.sameSize("activation", x, y);
        for (int i = 0; i < y.size(); i++) {
            ys[i] = f.apply(xs[i]);
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, float beta, Tensor dx) {
        double[] ys = data(y), dys = data(dy), dxs = data(dx);
        HostTensors.sameSize("activationBackward", y, dy, dx);
        for (int i = 0; i < dx.size(); i++) {
            double g = dys[i] * f.derivativeFromOutput(ys[i]);
            dxs[i] = beta == 0f ? g : beta * dxs[i] + g;
        }
    }

    @Override
    public void addRowVector(Tensor m, Tensor v, Tensor out) {
        double[] ms = data(m), vs = data(v), o = data(out);
        HostTensors.sameSize("addRowVector", m, out);
        int cols = v.size();
        if (cols == 0 || m.size() % cols != 0) {
            throw new IllegalArgumentException("addRowVector: " + Arrays.toString(m.shape()) + " is not rows of " + cols);
        }
        for (int i = 0; i < m.size(); i++) {
            o[i] = ms[i] + vs[i % cols];
        }
    }

    @Override
    public void sumRows(Tensor m, float beta, Tensor out) {
        double[] ms = data(m), o = data(out);
        int cols = out.size();
        if (cols == 0 || m.size() % cols != 0) {
            throw new IllegalArgumentException("sumRows: " + Arrays.toString(m.shape()) + " is not rows of " + cols);
        }
        double[] acc = new double[cols];
        for (int i = 0; i < m.size(); i++) {
            acc[i % cols] += ms[i];
        }
        for (int c = 0; c < cols; c++) {
            o[c] = beta == 0f ? acc[c] : beta * o[c] + acc[c];
        }
    }

    @Override
    public void sumColumns(Tensor m, float beta, Tensor out) {
        double[] ms = data(m), o = data(out);
        int rows = out.size();
        if (rows == 0 || m.size() % rows != 0) {
            throw new IllegalArgumentException("sumColumns: " + Arrays.toString(m.shape()) + " is not " + rows + " rows");
        }
        int cols = m.size() / rows;
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int c = 0; c < cols; c++) {
                acc += ms[r * cols + c];
            }
            o[r] = beta == 0f ? acc : beta * o[r] + acc;
        }
    }

    @Override
    public double sum(Tensor x) {
        double s = 0;
        for (double v : data(x)) {
            s += v;
        }
        return s;
    }

    @Override
    public double sumOfSquares(Tensor x) {
        double s = 0;
        for (double v : data(x)) {
            s += v * v;
        }
        return s;
    }

    private static UnsupportedOperationException unsupported(String op) {
        return new UnsupportedOperationException("the float64 checking backend runs op-recorded cells only; "
                + op + " is not offered");
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float learningRate, float beta1,
                           float beta2, float epsilon, long step) {
        throw unsupported("adamUpdate");
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float learningRate, float momentum, boolean nesterov) {
        throw unsupported("sgdUpdate");
    }

    @Override
    public void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuffer,
                              float learningRate, float rho, float momentum, float epsilon) {
        throw unsupported("rmspropUpdate");
    }

    @Override
    public RnnWorkspace rnnWorkspace(RnnSpec spec, int batch, int time) {
        throw unsupported("rnnWorkspace");
    }

    @Override
    public void rnnForward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs args) {
        throw unsupported("rnnForward");
    }

    @Override
    public void rnnBackward(RnnSpec spec, RnnWorkspace workspace, RnnForwardArgs forward, RnnBackwardArgs args) {
        throw unsupported("rnnBackward");
    }
}
