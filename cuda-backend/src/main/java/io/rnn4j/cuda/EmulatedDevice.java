package io.rnn4j.cuda;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host emulation of {@link Device}: buffers are {@code float[]}, GEMMs follow cuBLAS's
 * column-major contract exactly ({@code op()} of A and B, lda/ldb/ldc, strides, C never read when
 * beta == 0) after {@link CublasContract}'s checks, and kernels run through a {@link KernelRunner}
 * ({@link JavaKernels} by default). New allocations are filled with NaN, like the garbage of a
 * real {@code cuMemAlloc}, so reading memory nobody wrote shows up in the results.
 */
public final class EmulatedDevice implements Device {

    /** A host array standing in for device memory. */
    public static final class Buffer implements DeviceBuffer {
        final float[] data;
        volatile boolean freed;

        Buffer(int length) {
            data = new float[length];
            Arrays.fill(data, Float.NaN);
        }

        @Override
        public long length() {
            return data.length;
        }

        @Override
        public boolean isFreed() {
            return freed;
        }

        /** The backing array (emulation and tests only). */
        public float[] data() {
            return data;
        }
    }

    private final KernelRunner kernels;
    private final AtomicLong liveBuffers = new AtomicLong();
    private final AtomicLong launches = new AtomicLong();
    private final AtomicLong gemms = new AtomicLong();
    private final AtomicLong toHost = new AtomicLong();
    private final AtomicLong largestToHost = new AtomicLong();
    private volatile boolean closed;

    /** An emulated device running kernels with {@link JavaKernels}. */
    public EmulatedDevice() {
        this(new JavaKernels());
    }

    /** An emulated device running kernels with {@code kernels}. */
    public EmulatedDevice(KernelRunner kernels) {
        this.kernels = kernels;
    }

    @Override
    public String describe() {
        return "host emulation of a CUDA device (cuBLAS column-major contract, kernels by " + kernels.getClass().getSimpleName() + ")";
    }

    /** Buffers allocated and not yet freed (leak checks in tests). */
    public long liveBuffers() {
        return liveBuffers.get();
    }

    /** Kernel launches so far (tests of the per-step launch plan). */
    public long launches() {
        return launches.get();
    }

    /** Floats copied device to host so far (tests of "data stays on the device"). */
    public long floatsCopiedToHost() {
        return toHost.get();
    }

    /** The largest single device-to-host copy so far, in floats. */
    public long largestCopyToHost() {
        return largestToHost.get();
    }

    /** sgemm and sgemmStridedBatched calls so far. */
    public long gemmCalls() {
        return gemms.get();
    }

    static float[] data(DevicePtr p) {
        return ((Buffer) p.buffer()).data;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("emulated device was closed");
        }
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        open();
        if (floats < 0 || floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("allocate: cannot allocate " + floats + " floats");
        }
        liveBuffers.incrementAndGet();
        return new Buffer((int) floats);
    }

    @Override
    public void free(DeviceBuffer buffer) {
        Buffer b = (Buffer) buffer;
        if (b.freed) {
            throw new IllegalStateException("free: device buffer freed twice");
        }
        b.freed = true;
        liveBuffers.decrementAndGet();
    }

    @Override
    public void copyHostToDevice(float[] src, int srcOffset, DevicePtr dst, int length) {
        open();
        CublasContract.range("copyHostToDevice", "dst", dst, length);
        System.arraycopy(src, srcOffset, data(dst), (int) dst.offset(), length);
    }

    @Override
    public void copyDeviceToHost(DevicePtr src, float[] dst, int dstOffset, int length) {
        open();
        CublasContract.range("copyDeviceToHost", "src", src, length);
        toHost.addAndGet(length);
        largestToHost.accumulateAndGet(length, Math::max);
        System.arraycopy(data(src), (int) src.offset(), dst, dstOffset, length);
    }

    @Override
    public void copyDeviceToDevice(DevicePtr src, DevicePtr dst, long length) {
        open();
        CublasContract.range("copyDeviceToDevice", "src", src, length);
        CublasContract.range("copyDeviceToDevice", "dst", dst, length);
        if (src.buffer() == dst.buffer() && src.offset() < dst.offset() + length && dst.offset() < src.offset() + length
                && length > 0 && src.offset() != dst.offset()) {
            throw new IllegalArgumentException("copyDeviceToDevice: overlapping ranges (cuMemcpyDtoD is undefined for them)");
        }
        System.arraycopy(data(src), (int) src.offset(), data(dst), (int) dst.offset(), (int) length);
    }

    @Override
    public void sgemm(int transA, int transB, int m, int n, int k, float alpha,
                      DevicePtr a, int lda, DevicePtr b, int ldb, float beta, DevicePtr c, int ldc) {
        open();
        CublasContract.checkGemm("cublasSgemm", transA, transB, m, n, k, a, lda, 0, b, ldb, 0, c, ldc, 0, 1);
        gemms.incrementAndGet();
        gemm(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0);
    }

    @Override
    public void sgemmStridedBatched(int transA, int transB, int m, int n, int k, float alpha,
                                    DevicePtr a, int lda, long strideA, DevicePtr b, int ldb, long strideB,
                                    float beta, DevicePtr c, int ldc, long strideC, int batchCount) {
        open();
        CublasContract.checkGemm("cublasSgemmStridedBatched", transA, transB, m, n, k,
                a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batchCount);
        gemms.incrementAndGet();
        for (int batch = 0; batch < batchCount; batch++) {
            gemm(transA, transB, m, n, k, alpha, a, lda, batch * strideA, b, ldb, batch * strideB, beta, c, ldc, batch * strideC);
        }
    }

    /** Column-major: element (i, j) of X is {@code x[i + j * ldx]}; op(X) = X or X^T. */
    private static void gemm(int transA, int transB, int m, int n, int k, float alpha,
                             DevicePtr a, int lda, long offA, DevicePtr b, int ldb, long offB,
                             float beta, DevicePtr c, int ldc, long offC) {
        if (m == 0 || n == 0) {
            return;
        }
        float[] A = data(a), B = data(b), C = data(c);
        long a0 = a.offset() + offA, b0 = b.offset() + offB, c0 = c.offset() + offC;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA == CublasContract.OP_N ? A[(int) (a0 + i + (long) p * lda)] : A[(int) (a0 + p + (long) i * lda)];
                    float bv = transB == CublasContract.OP_N ? B[(int) (b0 + p + (long) j * ldb)] : B[(int) (b0 + j + (long) p * ldb)];
                    acc += av * bv;
                }
                int ci = (int) (c0 + i + (long) j * ldc);
                C[ci] = beta == 0f ? alpha * acc : alpha * acc + beta * C[ci];
            }
        }
    }

    @Override
    public void launch(Kernel kernel, long elements, Object... args) {
        open();
        kernel.checkArgs(args);
        if (elements < 0) {
            throw new IllegalArgumentException("launch " + kernel.entry() + ": negative element count " + elements);
        }
        launches.incrementAndGet();
        if (elements == 0) {
            return;
        }
        try {
            kernels.run(kernel, elements, args);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new IllegalStateException("kernel " + kernel.entry() + " accessed memory outside an allocation: " + e.getMessage(), e);
        }
    }

    @Override
    public void synchronize() {
        open();
    }

    @Override
    public void close() {
        closed = true;
    }
}
