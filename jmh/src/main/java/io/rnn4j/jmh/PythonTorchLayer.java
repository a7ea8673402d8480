package io.rnn4j.jmh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PyTorch layer in its own Python process ({@code bench/torch_worker.py}), for
 * {@link InterleavedLayer}: the Debian {@code python3-torch} build (PyTorch 1.13 over OpenBLAS),
 * the peer that ran the training figures fastest on these machines. The worker times
 * each batch of calls itself, so the pipe is outside the measurement.
 *
 * <p>Python interpreter: {@code -Drnn4j.bench.python} (default {@code /usr/bin/python3});
 * worker script: {@code -Drnn4j.bench.torchWorker} (default {@code bench/torch_worker.py}, from
 * the project root). OpenBLAS runs the kernels of {@code -Drnn4j.bench.openblasCore} (default
 * {@code SkylakeX}, AVX-512, the fastest for this peer on Zen 5) with the benchmark's thread count.
 */
final class PythonTorchLayer implements RnnBenchmarkState.PeerLayer {
    private Process process;
    private BufferedReader out;
    private Writer in;

    @Override
    public void init(String cell, int batch, int time, int input, int units, boolean training, int threads) {
        String python = System.getProperty("rnn4j.bench.python", "/usr/bin/python3");
        Path worker = Path.of(System.getProperty("rnn4j.bench.torchWorker", "bench/torch_worker.py"));
        if (!Files.isRegularFile(worker)) {
            throw new IllegalStateException("the py-torch peer needs " + worker.toAbsolutePath()
                    + " (run from the project root, or set -Drnn4j.bench.torchWorker)");
        }
        ProcessBuilder pb = new ProcessBuilder(python, worker.toString(), cell, Integer.toString(batch),
                Integer.toString(time), Integer.toString(input), Integer.toString(units), Integer.toString(threads),
                training ? "training" : "inference");
        Map<String, String> env = pb.environment();
        // Set, not inherited: these machines' environment carries OPENBLAS_CORETYPE=Haswell, whose
        // AVX2 kernels ran this peer's GRU training step at 160 ms against 92 ms with SkylakeX.
        env.put("OPENBLAS_CORETYPE", System.getProperty("rnn4j.bench.openblasCore", "SkylakeX"));
        env.put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            process = pb.start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            String ready = out.readLine();
            if (ready == null || !ready.startsWith("ready ")) {
                process.destroyForcibly();
                process = null;
                throw new IllegalStateException("the py-torch worker (" + python + " " + worker + ") did not start: "
                        + (ready == null ? "it exited" : "it said '" + ready + "'"));
            }
        } catch (IOException e) {
            if (process != null) {
                process.destroyForcibly();
                process = null;
            }
            throw new UncheckedIOException("cannot start the py-torch worker with " + python, e);
        }
    }

    @Override
    public Object run() {
        return timeBatch(1);
    }

    /** Runs {@code n} calls in the worker; returns the seconds they took, timed there. */
    double timeBatch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("calls per batch must be >= 1, got " + n);
        }
        if (process == null) {
            throw new IllegalStateException("the py-torch worker is not running (init first, not after close)");
        }
        try {
            in.write(n + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the py-torch worker exited (exit code "
                        + (process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1) + ")");
            }
            return Double.parseDouble(line.trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        try (Writer w = in; BufferedReader r = out) {
            w.write("quit\n");
            w.flush();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }
}
