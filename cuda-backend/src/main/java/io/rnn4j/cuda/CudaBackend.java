package io.rnn4j.cuda;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.GemmChecks;
import io.rnn4j.backend.HostTensors;
import io.rnn4j.backend.RnnBackwardArgs;
import io.rnn4j.backend.RnnForwardArgs;
import io.rnn4j.backend.RnnSpec;
import io.rnn4j.backend.RnnWorkspace;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The {@code cuda} backend: tensors live in device memory, GEMMs go to cuBLAS and every other
 * operation is one launch of a kernel of {@code native/rnn4j_kernels.cu}. All device work goes
 * through one {@link Device}; the same code runs on a GPU ({@link JCudaDevice}) and on the host
 * emulation ({@link EmulatedDevice}) that every build tests.
 *
 * <p>Row-major to cuBLAS: a row-major {@code C = op(A) op(B)} is the column-major
 * {@code C^T = op(B)^T op(A)^T}, so a call swaps the operands and m with n and passes the row-major
 * leading dimensions unchanged.
 *
 * <p>Memory: {@link Tensor#close()} frees device memory at once; a {@link Cleaner} frees the
 * memory of tensors that become unreachable unclosed (on the next allocation or close, on the
 * calling thread). Every argument is checked before the first launch of an operation.
 */
public final class CudaBackend implements Backend {
    private static final Cleaner CLEANER = Cleaner.create();
    /** Number of partial sums of {@link #sum} / {@link #sumOfSquares}. */
    static final int PARTS = 1024;

    /** A tensor's device memory and its safety-net cleaner. */
    static final class Storage {
        final DeviceBuffer buffer;
        Cleaner.Cleanable cleanable;

        Storage(DeviceBuffer buffer) {
            this.buffer = buffer;
        }
    }

    /** Runs at most once: hands the buffer to the backend's free queue (never touches the tensor). */
    private record FreeLater(ConcurrentLinkedQueue<DeviceBuffer> queue, DeviceBuffer buffer) implements Runnable {
        @Override
        public void run() {
            queue.add(buffer);
        }
    }

    private final Device device;
    private final ConcurrentLinkedQueue<DeviceBuffer> toFree = new ConcurrentLinkedQueue<>();
    private final CudaRnn rnn;
    private DeviceBuffer partials;
    private volatile boolean closed;

    /** A backend on {@code device}; the backend owns the device and closes it. */
    public CudaBackend(Device device) {
        if (device == null) {
            throw new IllegalArgumentException("CudaBackend: device must not be null");
        }
        this.device = device;
        this.rnn = new CudaRnn(this);
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** The device seam (tests use it to count launches). */
    public Device device() {
        return device;
    }

    @Override
    public String toString() {
        return "cuda backend on " + device.describe();
    }

    // ------------------------------------------------------------------ memory & checks

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cuda backend was closed; its tensors and workspaces can no longer be used");
        }
    }

    /** Allocates device memory (used by tensors and workspaces), first freeing what the cleaner queued. */
    DeviceBuffer allocate(long floats) {
        checkOpen();
        drainFrees();
        return device.allocate(floats);
    }

    void free(DeviceBuffer b) {
        if (!b.isFreed() && !closed) {
            device.free(b);
        }
    }

    private void drainFrees() {
        for (DeviceBuffer b; (b = toFree.poll()) != null; ) {
            free(b);
        }
    }

    private Tensor newTensor(int[] shape) {
        DeviceBuffer buffer = allocate(Tensor.sizeOf(shape));
        Storage storage = new Storage(buffer);
        Tensor t = Tensor.wrap(this, storage, shape);
        // The action holds the buffer, never the tensor, so an unreachable tensor can be cleaned.
        storage.cleanable = CLEANER.register(t, new FreeLater(toFree, buffer));
        return t;
    }

    /** The device pointer of {@code t} after checking that it is a live tensor of this backend. */
    DevicePtr ptr(Tensor t, String op, String what) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + what + " must not be null");
        }
        if (t.backend() != this) {
            throw new IllegalArgumentException(op + ": " + what + " " + t + " belongs to backend '" + t.backend().name()
                    + "'" + (t.backend().name().equals("cuda") ? " (another cuda backend instance)" : "")
                    + "; tensors cannot be mixed across backends (copy it with toArray() and fromArray())");
        }
        checkOpen();
        Storage s = (Storage) t.storage(); // IllegalStateException after close()
        if (s.buffer.isFreed()) {
            throw new IllegalStateException(op + ": " + what + " " + Arrays.toString(t.shape()) + " was used after close()");
        }
        return new DevicePtr(s.buffer, 0);
    }

    DevicePtr ptrOrNull(Tensor t, String op, String what) {
        return t == null ? null : ptr(t, op, what);
    }

    @Override
    public Tensor zeros(int... shape) {
        Tensor t = newTensor(shape);
        fillRaw(ptr(t, "zeros", "out"), t.size(), 0f);
        return t;
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
        Tensor t = newTensor(shape);
        if (data.length > 0) {
            device.copyHostToDevice(data, 0, ptr(t, "fromArray", "out"), data.length);
        }
        return t;
    }

    private static void hostRange(String op, float[] a, int offset, int length) {
        if (a == null) {
            throw new IllegalArgumentException(op + ": host array must not be null");
        }
        if (offset < 0 || length < 0 || (long) offset + length > a.length) {
            throw new IllegalArgumentException(op + ": host range [" + offset + ", " + ((long) offset + length)
                    + ") is outside an array of " + a.length);
        }
    }

    @Override
    public void copyToHost(Tensor src, int srcOffset, float[] dst, int dstOffset, int length) {
        DevicePtr s = ptr(src, "copyToHost", "src");
        HostTensors.range("copyToHost", "src", src, srcOffset, length);
        hostRange("copyToHost", dst, dstOffset, length);
        if (length > 0) {
            device.copyDeviceToHost(s.plus(srcOffset), dst, dstOffset, length);
        }
    }

    @Override
    public void copyFromHost(float[] src, int srcOffset, Tensor dst, int dstOffset, int length) {
        DevicePtr d = ptr(dst, "copyFromHost", "dst");
        HostTensors.range("copyFromHost", "dst", dst, dstOffset, length);
        hostRange("copyFromHost", src, srcOffset, length);
        if (length > 0) {
            device.copyHostToDevice(src, srcOffset, d.plus(dstOffset), length);
        }
    }

    @Override
    public void copy(Tensor src, int srcOffset, Tensor dst, int dstOffset, int length) {
        DevicePtr s = ptr(src, "copy", "src"), d = ptr(dst, "copy", "dst");
        HostTensors.range("copy", "src", src, srcOffset, length);
        HostTensors.range("copy", "dst", dst, dstOffset, length);
        if (s.buffer() == d.buffer() && srcOffset == dstOffset) {
            return;
        }
        if (s.buffer() == d.buffer() && srcOffset < dstOffset + length && dstOffset < srcOffset + length) {
            throw new IllegalArgumentException("copy: source [" + srcOffset + ", " + (srcOffset + length) + ") and destination ["
                    + dstOffset + ", " + (dstOffset + length) + ") overlap");
        }
        if (length > 0) {
            device.copyDeviceToDevice(s.plus(srcOffset), d.plus(dstOffset), length);
        }
    }

    @Override
    public void copy2d(int rows, int cols, Tensor src, int srcOffset, int srcLd, Tensor dst, int dstOffset, int dstLd) {
        DevicePtr s = ptr(src, "copy2d", "src"), d = ptr(dst, "copy2d", "dst");
        HostTensors.block("copy2d", "src", src, srcOffset, rows, cols, srcLd);
        HostTensors.block("copy2d", "dst", dst, dstOffset, rows, cols, dstLd);
        if (s.buffer() == d.buffer() && rows > 0 && cols > 0 && overlaps(rows, cols, srcOffset, srcLd, dstOffset, dstLd)) {
            throw new IllegalArgumentException("copy2d: source and destination blocks of " + rows + " x " + cols
                    + " overlap in one tensor (offsets " + srcOffset + "/" + dstOffset + ", ld " + srcLd + "/" + dstLd
                    + "); threads of the copy kernel would race");
        }
        copy2dRaw(rows, cols, s.plus(srcOffset), srcLd, d.plus(dstOffset), dstLd);
    }

    /** Whether two row-major blocks of one buffer share an element (exact for equal ld, conservative otherwise). */
    static boolean overlaps(int rows, int cols, long srcOffset, int srcLd, long dstOffset, int dstLd) {
        if (srcLd == dstLd) {
            return !CublasContract.disjoint(Math.abs(dstOffset - srcOffset), cols, rows, srcLd);
        }
        long srcEnd = srcOffset + (long) (rows - 1) * srcLd + cols, dstEnd = dstOffset + (long) (rows - 1) * dstLd + cols;
        return srcOffset < dstEnd && dstOffset < srcEnd;
    }

    void copy2dRaw(int rows, int cols, DevicePtr src, int srcLd, DevicePtr dst, int dstLd) {
        device.launch(Kernel.COPY2D, (long) rows * cols, rows, cols, src, srcLd, dst, dstLd);
    }

    @Override
    public void fill(Tensor dst, float value) {
        fillRaw(ptr(dst, "fill", "dst"), dst.size(), value);
    }

    void fillRaw(DevicePtr p, int n, float value) {
        device.launch(Kernel.FILL, n, n, value, p);
    }

    @Override
    public void release(Tensor tensor, Object storage) {
        if (!(storage instanceof Storage s)) {
            return;
        }
        s.cleanable.clean(); // queues the buffer exactly once, however often it is called
        drainFrees();
    }

    // ------------------------------------------------------------------ BLAS

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int offA, int lda, Tensor b, int offB, int ldb,
                     float beta, Tensor c, int offC, int ldc) {
        DevicePtr pa = ptr(a, "gemm", "A"), pb = ptr(b, "gemm", "B"), pc = ptr(c, "gemm", "C");
        GemmChecks.check(transA, transB, m, n, k, a, offA, lda, b, offB, ldb, c, offC, ldc);
        gemmRowMajor(transA, transB, m, n, k, alpha, pa.plus(offA), lda, pb.plus(offB), ldb, beta, pc.plus(offC), ldc);
    }

    /** Row-major {@code C = alpha op(A) op(B) + beta C} as the column-major {@code C^T = op(B)^T op(A)^T}. */
    void gemmRowMajor(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      DevicePtr a, int lda, DevicePtr b, int ldb, float beta, DevicePtr c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        device.sgemm(op(transB), op(transA), n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
    }

    /** {@code batchCount} row-major GEMMs whose operands advance by the strides (elements). */
    void gemmRowMajorBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             DevicePtr a, int lda, long strideA, DevicePtr b, int ldb, long strideB,
                             float beta, DevicePtr c, int ldc, long strideC, int batchCount) {
        if (m == 0 || n == 0 || batchCount == 0) {
            return;
        }
        device.sgemmStridedBatched(op(transB), op(transA), n, m, k, alpha, b, ldb, strideB, a, lda, strideA,
                beta, c, ldc, strideC, batchCount);
    }

    private static int op(boolean trans) {
        return trans ? CublasContract.OP_T : CublasContract.OP_N;
    }

    // ------------------------------------------------------------------ element-wise

    private void binary(Kernel k, String op, Tensor a, Tensor b, Tensor out) {
        DevicePtr pa = ptr(a, op, "a"), pb = ptr(b, op, "b"), po = ptr(out, op, "out");
        HostTensors.sameSize(op, a, b, out);
        device.launch(k, out.size(), out.size(), pa, pb, po);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        binary(Kernel.ADD, "add", a, b, out);
    }

    @Override
    public void sub(Tensor a, Tensor b, Tensor out) {
        binary(Kernel.SUB, "sub", a, b, out);
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        binary(Kernel.MUL, "mul", a, b, out);
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y, Tensor out) {
        DevicePtr px = ptr(x, "axpby", "x"), po = ptr(out, "axpby", "out");
        DevicePtr py = null;
        if (beta == 0f) {
            HostTensors.sameSize("axpby", x, out);
        } else {
            py = ptr(y, "axpby", "y");
            HostTensors.sameSize("axpby", x, y, out);
        }
        device.launch(Kernel.AXPBY, out.size(), out.size(), alpha, px, beta, py, po);
    }

    @Override
    public void clip(Tensor x, float lo, float hi, Tensor out) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clip: lo " + lo + " must be <= hi " + hi);
        }
        DevicePtr px = ptr(x, "clip", "x"), po = ptr(out, "clip", "out");
        HostTensors.sameSize("clip", x, out);
        device.launch(Kernel.CLIP, out.size(), out.size(), lo, hi, px, po);
    }

    @Override
    public void activation(Activation f, Tensor x, Tensor y) {
        if (f == null) {
            throw new IllegalArgumentException("activation: activation must not be null");
        }
        DevicePtr px = ptr(x, "activation", "x"), py = ptr(y, "activation", "y");
        HostTensors.sameSize("activation", x, y);
        device.launch(Kernel.ACTIVATION, y.size(), y.size(), f.ordinal(), px, py);
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, float beta, Tensor dx) {
        if (f == null) {
            throw new IllegalArgumentException("activationBackward: activation must not be null");
        }
        DevicePtr py = ptr(y, "activationBackward", "y"), pdy = ptr(dy, "activationBackward", "dy"),
                pdx = ptr(dx, "activationBackward", "dx");
        HostTensors.sameSize("activationBackward", y, dy, dx);
        device.launch(Kernel.ACTIVATION_BACKWARD, dx.size(), dx.size(), f.ordinal(), py, pdy, beta, pdx);
    }

    @Override
    public void addRowVector(Tensor m, Tensor v, Tensor out) {
        DevicePtr pm = ptr(m, "addRowVector", "m"), pv = ptr(v, "addRowVector", "v"), po = ptr(out, "addRowVector", "out");
        HostTensors.sameSize("addRowVector", m, out);
        int cols = v.size();
        if (cols == 0 || m.size() % cols != 0) {
            throw new IllegalArgumentException("addRowVector: matrix of " + m.size() + " elements "
                    + Arrays.toString(m.shape()) + " is not a whole number of rows of " + cols);
        }
        int rows = m.size() / cols;
        device.launch(Kernel.ADD_ROW_VECTOR, (long) rows * cols, rows, cols, pm, pv, po);
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void sumRows(Tensor m, float beta, Tensor out) {
        DevicePtr pm = ptr(m, "sumRows", "m"), po = ptr(out, "sumRows", "out");
        int cols = out.size();
        if (cols == 0 || m.size() % cols != 0) {
            throw new IllegalArgumentException("sumRows: matrix of " + m.size() + " elements "
                    + Arrays.toString(m.shape()) + " is not a whole number of rows of " + cols);
        }
        device.launch(Kernel.SUM_ROWS, cols, m.size() / cols, cols, pm, beta, po);
    }

    @Override
    public void sumColumns(Tensor m, float beta, Tensor out) {
        DevicePtr pm = ptr(m, "sumColumns", "m"), po = ptr(out, "sumColumns", "out");
        int rows = out.size();
        if (rows == 0 || m.size() % rows != 0) {
            throw new IllegalArgumentException("sumColumns: matrix of " + m.size() + " elements "
                    + Arrays.toString(m.shape()) + " is not " + rows + " whole rows");
        }
        device.launch(Kernel.SUM_COLUMNS, rows, rows, m.size() / rows, pm, beta, po);
    }

    @Override
    public double sum(Tensor x) {
        return reduce(x, "sum", false);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        return reduce(x, "sumOfSquares", true);
    }

    /**
     * PARTS double partial sums, then their double total, on the device (fixed partition and order:
     * reproducible); only the total (a float hi/lo pair, ~48 bits) crosses to the host.
     */
    private double reduce(Tensor x, String op, boolean squares) {
        DevicePtr px = ptr(x, op, "x");
        int n = x.size();
        if (n == 0) {
            return 0.0;
        }
        if (partials == null) {
            partials = allocate(2L * PARTS + 2);
        }
        int parts = Math.min(n, PARTS);
        DevicePtr pp = new DevicePtr(partials, 0), total = new DevicePtr(partials, 2L * PARTS);
        device.launch(Kernel.SUM_PARTIALS, parts, n, parts, squares ? 1 : 0, px, pp);
        device.launch(Kernel.SUM_PAIRS, 1, parts, pp, total);
        float[] host = new float[2];
        device.copyDeviceToHost(total, host, 0, 2);
        return (double) host[0] + (double) host[1];
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v,
                           float learningRate, float beta1, float beta2, float epsilon, long step) {
        DevicePtr pp = ptr(param, "adamUpdate", "param"), pg = ptr(grad, "adamUpdate", "grad"),
                pm = ptr(m, "adamUpdate", "m"), pv = ptr(v, "adamUpdate", "v");
        HostTensors.sameSize("adamUpdate", param, grad, m, v);
        if (step < 1) {
            throw new IllegalArgumentException("adamUpdate: step counts from 1, got " + step);
        }
        float alpha = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        device.launch(Kernel.ADAM, param.size(), param.size(), pp, pg, pm, pv, alpha, beta1, beta2, epsilon);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity,
                          float learningRate, float momentum, boolean nesterov) {
        DevicePtr pp = ptr(param, "sgdUpdate", "param"), pg = ptr(grad, "sgdUpdate", "grad");
        HostTensors.sameSize("sgdUpdate", param, grad);
        DevicePtr pv = null;
        if (momentum != 0f) {
            pv = ptr(velocity, "sgdUpdate", "velocity");
            HostTensors.sameSize("sgdUpdate", param, velocity);
        }
        device.launch(Kernel.SGD, param.size(), param.size(), pp, pg, pv, learningRate, momentum, nesterov ? 1 : 0);
    }

    @Override
    public void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuffer,
                              float learningRate, float rho, float momentum, float epsilon) {
        DevicePtr pp = ptr(param, "rmspropUpdate", "param"), pg = ptr(grad, "rmspropUpdate", "grad"),
                ps = ptr(meanSquare, "rmspropUpdate", "meanSquare");
        HostTensors.sameSize("rmspropUpdate", param, grad, meanSquare);
        DevicePtr pmb = null;
        if (momentumBuffer != null) {
            pmb = ptr(momentumBuffer, "rmspropUpdate", "momentumBuffer");
            HostTensors.sameSize("rmspropUpdate", param, momentumBuffer);
        }
        device.launch(Kernel.RMSPROP, param.size(), param.size(), pp, pg, ps, pmb, learningRate, rho, momentum, epsilon);
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

    /** Frees the backend's scratch memory and the device handles. Tensors of this backend become unusable. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        drainFrees();
        if (partials != null) {
            free(partials);
            partials = null;
        }
        closed = true;
        device.close();
    }
}
