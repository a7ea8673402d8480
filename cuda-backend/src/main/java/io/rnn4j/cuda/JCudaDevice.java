package io.rnn4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@link Device} on a real GPU: JCuda's driver API in the device's primary context (which cuBLAS
 * shares), the kernels loaded from the PTX resource with {@code cuModuleLoadData} (the driver
 * JIT-compiles it for the GPU it finds) and JCublas2 in its default math mode (no TF32). Every
 * operation runs on the default stream, so kernels and GEMMs are ordered and copies to the host
 * wait for them. Errors surface as {@code jcuda.CudaException}.
 */
public final class JCudaDevice implements Device {
    /** Threads per block of every launch: kernels are grid-stride loops, so any size is correct. */
    static final int BLOCK = 256;
    /** Enough blocks to fill an H100 (132 SMs) many times over; larger launches loop. */
    static final int MAX_BLOCKS = 65535;

    private static final class Buffer implements DeviceBuffer {
        final CUdeviceptr ptr = new CUdeviceptr();
        final long length;
        volatile boolean freed;

        Buffer(long length) {
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public boolean isFreed() {
            return freed;
        }
    }

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final Map<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
    private final cublasHandle cublas = new cublasHandle();
    private final String name;
    private boolean closed;

    /** Opens device 0; call only when {@link CudaAvailability#usable()}. */
    public JCudaDevice() {
        JCudaDriver.setExceptionsEnabled(true);
        JCublas2.setExceptionsEnabled(true);
        JCudaDriver.cuInit(0);
        JCudaDriver.cuDeviceGet(device, 0);
        name = deviceName(device);
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            // The driver JIT-compiles the PTX for this GPU here; a failure names the PTX ISA / arch.
            JCudaDriver.cuModuleLoadData(module, loadPtx());
            for (Kernel k : Kernel.values()) {
                CUfunction f = new CUfunction();
                JCudaDriver.cuModuleGetFunction(f, module, k.entry());
                functions.put(k, f);
            }
            JCublas2.cublasCreate(cublas);
        } catch (RuntimeException | LinkageError e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    /** The PTX resource as the NUL-terminated bytes {@code cuModuleLoadData} expects. */
    static byte[] loadPtx() {
        try (InputStream in = JCudaDevice.class.getResourceAsStream(Kernel.PTX_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + Kernel.PTX_RESOURCE + " is missing from the rnn4j-cuda jar");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            out.write(0);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read PTX resource " + Kernel.PTX_RESOURCE, e);
        }
    }

    static int computeCapability(CUdevice dev) {
        int[] major = new int[1], minor = new int[1];
        JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
        JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
        return major[0] * 10 + minor[0];
    }

    static String deviceName(CUdevice dev) {
        byte[] b = new byte[256];
        JCudaDriver.cuDeviceGetName(b, b.length, dev);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    private void current() {
        if (closed) {
            throw new IllegalStateException("CUDA device was closed");
        }
        JCudaDriver.cuCtxSetCurrent(context);
    }

    private static Pointer at(DevicePtr p) {
        return devPtr(p);
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        current();
        if (floats < 0) {
            throw new IllegalArgumentException("allocate: negative size " + floats);
        }
        Buffer b = new Buffer(floats);
        JCudaDriver.cuMemAlloc(b.ptr, Math.max(1, floats) * Float.BYTES);
        return b;
    }

    @Override
    public void free(DeviceBuffer buffer) {
        Buffer b = (Buffer) buffer;
        if (b.freed) {
            throw new IllegalStateException("free: device buffer freed twice");
        }
        b.freed = true;
        if (!closed) {
            current();
            JCudaDriver.cuMemFree(b.ptr);
        }
    }

    @Override
    public void copyHostToDevice(float[] src, int srcOffset, DevicePtr dst, int length) {
        current();
        CublasContract.range("copyHostToDevice", "dst", dst, length);
        JCudaDriver.cuMemcpyHtoD(devPtr(dst), Pointer.to(src).withByteOffset((long) srcOffset * Float.BYTES),
                (long) length * Float.BYTES);
    }

    private static CUdeviceptr devPtr(DevicePtr p) {
        return ((Buffer) p.buffer()).ptr.withByteOffset(p.offset() * Float.BYTES);
    }

    @Override
    public void copyDeviceToHost(DevicePtr src, float[] dst, int dstOffset, int length) {
        current();
        CublasContract.range("copyDeviceToHost", "src", src, length);
        JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset((long) dstOffset * Float.BYTES), devPtr(src), (long) length * Float.BYTES);
    }

    @Override
    public void copyDeviceToDevice(DevicePtr src, DevicePtr dst, long length) {
        current();
        CublasContract.range("copyDeviceToDevice", "src", src, length);
        CublasContract.range("copyDeviceToDevice", "dst", dst, length);
        JCudaDriver.cuMemcpyDtoD(devPtr(dst), devPtr(src), length * Float.BYTES);
    }

    @Override
    public void sgemm(int transA, int transB, int m, int n, int k, float alpha,
                      DevicePtr a, int lda, DevicePtr b, int ldb, float beta, DevicePtr c, int ldc) {
        current();
        CublasContract.checkGemm("cublasSgemm", transA, transB, m, n, k, a, lda, 0, b, ldb, 0, c, ldc, 0, 1);
        JCublas2.cublasSgemm(cublas, transA, transB, m, n, k, Pointer.to(new float[] {alpha}), at(a), lda, at(b), ldb,
                Pointer.to(new float[] {beta}), at(c), ldc);
    }

    @Override
    public void sgemmStridedBatched(int transA, int transB, int m, int n, int k, float alpha,
                                    DevicePtr a, int lda, long strideA, DevicePtr b, int ldb, long strideB,
                                    float beta, DevicePtr c, int ldc, long strideC, int batchCount) {
        current();
        CublasContract.checkGemm("cublasSgemmStridedBatched", transA, transB, m, n, k,
                a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batchCount);
        JCublas2.cublasSgemmStridedBatched(cublas, transA, transB, m, n, k, Pointer.to(new float[] {alpha}),
                at(a), lda, strideA, at(b), ldb, strideB, Pointer.to(new float[] {beta}), at(c), ldc, strideC, batchCount);
    }

    @Override
    public void launch(Kernel kernel, long elements, Object... args) {
        current();
        kernel.checkArgs(args);
        if (elements <= 0) {
            return;
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Float v) {
                params[i] = Pointer.to(new float[] {v});
            } else if (a == null) {
                params[i] = Pointer.to(new CUdeviceptr()); // the null pointer
            } else {
                params[i] = Pointer.to(at((DevicePtr) a));
            }
        }
        int blocks = (int) Math.min((elements + BLOCK - 1) / BLOCK, MAX_BLOCKS);
        JCudaDriver.cuLaunchKernel(functions.get(kernel), blocks, 1, 1, BLOCK, 1, 1, 0, null, Pointer.to(params), null);
    }

    @Override
    public void synchronize() {
        current();
        JCudaDriver.cuCtxSynchronize();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        JCudaDriver.cuCtxSetCurrent(context);
        JCudaDriver.cuCtxSynchronize();
        JCublas2.cublasDestroy(cublas);
        closed = true;
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }
}
