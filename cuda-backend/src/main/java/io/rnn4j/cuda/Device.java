package io.rnn4j.cuda;

/**
 * The narrow seam between the cuda backend and the GPU: memory, copies, the two cuBLAS GEMMs and
 * the launch of a named kernel of {@code native/rnn4j_kernels.cu}. Everything above it
 * ({@link CudaBackend}, {@link CudaRnn}) is the same code whether this is {@link JCudaDevice}
 * (JCuda driver API + JCublas2) or {@link EmulatedDevice} (cuBLAS's column-major contract and
 * the kernels' math on the host), so the emulation exercises the real backend logic.
 *
 * <p>GEMMs take cuBLAS's arguments unchanged: column-major, {@code trans*} 0 = N, 1 = T, leading
 * dimensions and strides in elements. Both implementations run {@link CublasContract}'s checks
 * (cuBLAS's own argument checks plus bounds checks against the allocations) before any work.
 * Kernel arguments are {@link Integer}, {@link Float} or {@link DevicePtr} (null = null pointer),
 * checked against {@link Kernel#signature()} before the launch.
 *
 * <p>All work is ordered on one stream; copies to the host wait for it.
 */
public interface Device extends AutoCloseable {

    /** A short description, e.g. the GPU's name or "host emulation". */
    String describe();

    /** Allocates {@code floats} elements (contents undefined). */
    DeviceBuffer allocate(long floats);

    /** Frees a buffer allocated by this device; freeing twice is an error. */
    void free(DeviceBuffer buffer);

    void copyHostToDevice(float[] src, int srcOffset, DevicePtr dst, int length);

    void copyDeviceToHost(DevicePtr src, float[] dst, int dstOffset, int length);

    /** Copies {@code length} elements between non-overlapping device ranges. */
    void copyDeviceToDevice(DevicePtr src, DevicePtr dst, long length);

    /** {@code cublasSgemm}: column-major {@code C = alpha op(A) op(B) + beta C}; C not read when beta == 0. */
    void sgemm(int transA, int transB, int m, int n, int k, float alpha,
               DevicePtr a, int lda, DevicePtr b, int ldb, float beta, DevicePtr c, int ldc);

    /** {@code cublasSgemmStridedBatched}: {@code batchCount} GEMMs whose operands advance by the strides. */
    void sgemmStridedBatched(int transA, int transB, int m, int n, int k, float alpha,
                             DevicePtr a, int lda, long strideA, DevicePtr b, int ldb, long strideB,
                             float beta, DevicePtr c, int ldc, long strideC, int batchCount);

    /** Launches {@code kernel} over {@code elements} independent work items (grid-stride loop). */
    void launch(Kernel kernel, long elements, Object... args);

    /** Waits until every queued operation finished and reports asynchronous errors. */
    void synchronize();

    /** Frees the device's handles (not the buffers, which their owners free first). */
    @Override
    void close();
}
