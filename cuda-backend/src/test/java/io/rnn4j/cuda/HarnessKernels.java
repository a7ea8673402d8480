package io.rnn4j.cuda;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KernelRunner} that runs each launch with the g++-compiled {@code native/rnn4j_kernels.cu}
 * ({@code native/harness/kernel_runner.cpp}, built with ASan and UBSan) in a child process: the
 * buffers a launch points into are sent, the kernel runs with the CPU shim in a chosen thread
 * order and grid, and the buffers come back. Plugged under {@link EmulatedDevice}, it makes the
 * whole backend drive the real kernel source.
 */
final class HarnessKernels implements KernelRunner, AutoCloseable {
    /** Thread orders of {@code cuemu::Order}. */
    static final int FORWARD = 0, REVERSE = 1, SHUFFLED = 2;

    private static Path binary;

    private final Process process;
    private final OutputStream out;
    private final DataInputStream in;
    private final Path stderr;
    private final int fixedOrder;
    private long launches;

    /** Null if g++ is not installed (the caller skips), else the harness binary, built once per build directory. */
    static synchronized Path build() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path nativeDir = Path.of(System.getProperty("rnn4j.native.dir", "../native")).toAbsolutePath().normalize();
        Path dir = Path.of(System.getProperty("rnn4j.build.dir", "target"), "harness").toAbsolutePath();
        Files.createDirectories(dir);
        Path bin = dir.resolve("kernel_runner");
        List<Path> sources = List.of(nativeDir.resolve("rnn4j_kernels.cu"), nativeDir.resolve("harness/kernel_runner.cpp"),
                nativeDir.resolve("harness/cuda_cpu_emu.h"));
        boolean fresh = Files.exists(bin);
        for (Path s : sources) {
            fresh = fresh && Files.getLastModifiedTime(s).compareTo(Files.getLastModifiedTime(bin)) < 0;
        }
        if (!fresh) {
            Process p;
            try {
                p = new ProcessBuilder("g++", "-std=c++17", "-O1", "-g", "-fsanitize=address,undefined",
                        "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-Wall", "-Wextra",
                        "-Wno-unused-parameter", "-o", bin.toString(), nativeDir.resolve("harness/kernel_runner.cpp").toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                return null; // no g++
            }
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("g++ failed to compile the kernel harness:\n" + log);
            }
        }
        binary = bin;
        return bin;
    }

    /** Starts the harness; {@code fixedOrder} < 0 cycles the thread order and the grid shape per launch. */
    HarnessKernels(Path binary, int fixedOrder) throws IOException {
        this.fixedOrder = fixedOrder;
        stderr = Files.createTempFile(binary.getParent(), "harness", ".stderr");
        ProcessBuilder pb = new ProcessBuilder(binary.toString()).redirectError(stderr.toFile());
        pb.environment().put("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0");
        pb.environment().put("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
        process = pb.start();
        out = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
    }

    @Override
    public void run(Kernel kernel, long elements, Object[] args) {
        Map<EmulatedDevice.Buffer, Integer> index = new IdentityHashMap<>();
        List<EmulatedDevice.Buffer> buffers = new ArrayList<>();
        for (Object a : args) {
            if (a instanceof DevicePtr p) {
                EmulatedDevice.Buffer b = (EmulatedDevice.Buffer) p.buffer();
                if (!index.containsKey(b)) {
                    index.put(b, buffers.size());
                    buffers.add(b);
                }
            }
        }
        long n = launches++;
        int order = fixedOrder >= 0 ? fixedOrder : (int) (n % 3);
        // Alternate a tiny grid (every thread loops over several elements) with more threads than elements.
        int block = (n & 1) == 0 ? 3 : 4;
        int grid = (n & 1) == 0 ? 2 : (int) Math.min((elements + block - 1) / block + 1, 1 << 16);
        byte[] name = kernel.entry().getBytes(StandardCharsets.US_ASCII);
        long size = 4 + 4 + name.length + 16 + 4 + 4;
        for (EmulatedDevice.Buffer b : buffers) {
            size += 4 + 4L * b.data.length;
        }
        size += 9L * args.length;
        ByteBuffer req = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        req.putInt(1).putInt(name.length).put(name).putInt(order).putInt(grid).putInt(block).putInt((int) n);
        req.putInt(buffers.size());
        for (EmulatedDevice.Buffer b : buffers) {
            req.putInt(b.data.length);
            for (float v : b.data) {
                req.putFloat(v);
            }
        }
        req.putInt(args.length);
        for (Object a : args) {
            if (a instanceof Integer v) {
                req.put((byte) 'i').putInt(v);
            } else if (a instanceof Float v) {
                req.put((byte) 'f').putFloat(v);
            } else if (a == null) {
                req.put((byte) 'p').putInt(-1).putInt(0);
            } else {
                DevicePtr p = (DevicePtr) a;
                req.put((byte) 'p').putInt(index.get((EmulatedDevice.Buffer) p.buffer())).putInt((int) p.offset());
            }
        }
        try {
            out.write(req.array(), 0, req.position());
            out.flush();
            int status = readInt();
            if (status != 0) {
                byte[] msg = new byte[readInt()];
                in.readFully(msg);
                throw new IllegalStateException("harness rejected " + kernel.entry() + ": " + new String(msg, StandardCharsets.UTF_8));
            }
            for (EmulatedDevice.Buffer b : buffers) {
                byte[] raw = new byte[4 * b.data.length];
                in.readFully(raw);
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(b.data);
            }
        } catch (IOException e) {
            throw new IllegalStateException("kernel harness died running " + kernel.entry() + " (order " + order + ", grid "
                    + grid + "x" + block + "):\n" + sanitizerReport(), e);
        }
    }

    private int readInt() throws IOException {
        return Integer.reverseBytes(in.readInt());
    }

    String sanitizerReport() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            return Files.readString(stderr);
        } catch (IOException | InterruptedException e) {
            return "(no report: " + e + ")";
        }
    }

    /** Ends the process; returns its exit code and fails on any sanitizer output. */
    @Override
    public void close() throws IOException {
        try {
            out.write(new byte[4]);
            out.flush();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kernel harness did not exit");
            }
            String report = Files.readString(stderr);
            if (process.exitValue() != 0 || !report.isBlank()) {
                throw new IllegalStateException("kernel harness exited with " + process.exitValue() + ":\n" + report);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
