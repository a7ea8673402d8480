package io.rnn4j.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;

/**
 * Whether a real CUDA device can run the cuda backend here, and if not, one sentence that names
 * what is missing. Computed once and cached; never throws (JCuda reports a missing
 * {@code libcuda.so.1} or {@code libcublas.so.12} as {@link LinkageError}s, which are caught).
 *
 * <p>Probe order, cheapest first: JCuda's runtime library links cudart statically and always
 * loads, so {@code cudaDriverGetVersion} (0 = no driver) and {@code cudaGetDeviceCount} run
 * before anything that needs {@code libcuda.so.1}; then {@code cuInit}, the compute capability
 * (7.5 or newer) and a {@code cublasCreate}/{@code cublasDestroy} pair.
 */
public final class CudaAvailability {
    /** Oldest driver API version the shipped PTX (ISA 8.0) and JCuda 12.6 work with: CUDA 12.0, driver R525. */
    public static final int MIN_DRIVER_VERSION = 12000;

    private final boolean usable;
    private final String reason;

    private CudaAvailability(boolean usable, String reason) {
        this.usable = usable;
        this.reason = reason;
    }

    private static final class Holder {
        static final CudaAvailability INSTANCE = probe();
    }

    /** The cached result of the probe. */
    public static CudaAvailability get() {
        return Holder.INSTANCE;
    }

    public boolean usable() {
        return usable;
    }

    /** A sentence a user can act on. */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "usable=" + usable + ", reason=" + reason;
    }

    private static CudaAvailability no(String why) {
        return new CudaAvailability(false, why);
    }

    static CudaAvailability probe() {
        try {
            int[] v = new int[1];
            try {
                JCuda.cudaDriverGetVersion(v);
            } catch (LinkageError e) {
                return no("the JCuda runtime library could not be loaded (" + rootLine(e) + ").");
            }
            if (v[0] == 0) {
                return no("NVIDIA driver library libcuda.so.1 not found (no NVIDIA driver on this host): the cuda backend needs "
                        + "a Turing-or-newer NVIDIA GPU with driver R525+ and libcublas.so.12 from CUDA 12.x.");
            }
            String driver = "CUDA " + v[0] / 1000 + "." + (v[0] % 1000) / 10;
            if (v[0] < MIN_DRIVER_VERSION) {
                return no("the NVIDIA driver supports only " + driver + ": the cuda backend needs driver R525+ (CUDA 12.0 or newer).");
            }
            int[] count = new int[1];
            int rc = JCuda.cudaGetDeviceCount(count);
            if (rc != cudaError.cudaSuccess || count[0] == 0) {
                return no("NVIDIA driver (" + driver + ") present but no usable CUDA device ("
                        + (rc != cudaError.cudaSuccess ? cudaError.stringFor(rc) : "0 devices") + ").");
            }
            CUdevice dev = new CUdevice();
            try {
                JCudaDriver.setExceptionsEnabled(true);
                JCudaDriver.cuInit(0);
                JCudaDriver.cuDeviceGet(dev, 0);
            } catch (LinkageError e) {
                return no("the CUDA driver library could not be loaded (" + rootLine(e) + ").");
            }
            int cc = JCudaDevice.computeCapability(dev);
            if (cc < 75) {
                return no("CUDA device 0 has compute capability " + cc / 10 + "." + cc % 10
                        + "; the cuda backend's kernels need 7.5 (Turing) or newer.");
            }
            try {
                cublasHandle h = new cublasHandle();
                JCublas2.setExceptionsEnabled(true);
                JCublas2.cublasCreate(h);
                JCublas2.cublasDestroy(h);
            } catch (LinkageError e) {
                return no("cuBLAS could not be loaded (" + rootLine(e) + "): install libcublas.so.12 and libcublasLt.so.12 "
                        + "from CUDA 12.x (a CUDA 13 libcublas.so.13 does not work) and put them on LD_LIBRARY_PATH.");
            }
            return new CudaAvailability(true, "CUDA device 0 (" + JCudaDevice.deviceName(dev) + ", compute capability "
                    + cc / 10 + "." + cc % 10 + ", driver " + driver + ")");
        } catch (Throwable e) {
            return no("probing CUDA failed: " + rootLine(e) + ".");
        }
    }

    /**
     * The single most useful line of JCuda's many-line loader message: the
     * {@code libX.so.N: cannot open shared object file} line if there is one.
     */
    private static final java.util.regex.Pattern MISSING_LIB =
            java.util.regex.Pattern.compile("(lib[A-Za-z0-9_.+-]*\\.so[0-9.]*): cannot open shared object file");

    static String rootLine(Throwable e) {
        String best = null;
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m == null) {
                continue;
            }
            java.util.regex.Matcher lib = MISSING_LIB.matcher(m);
            if (lib.find()) {
                return lib.group(1) + ": cannot open shared object file";
            }
            if (best == null) {
                best = c.getClass().getSimpleName() + ": " + m.split("\n")[0].trim();
            }
        }
        return best != null ? best : e.getClass().getName();
    }
}
