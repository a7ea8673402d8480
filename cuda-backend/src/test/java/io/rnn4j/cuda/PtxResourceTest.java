package io.rnn4j.cuda;

import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped PTX: built from the current {@code native/rnn4j_kernels.cu} (sha256 stamp; and, where
 * nvcc is installed, byte-identical to a fresh build), PTX ISA 8.0 for sm_75, one entry per
 * {@link Kernel} with the same parameter list, no approximate math, and accepted by JCuda's bundled
 * nvPTXCompiler (the CUDA 12.0 PTX JIT, which needs no driver) for sm_75, sm_80 and sm_90.
 */
class PtxResourceTest {
    static String ptx() throws IOException {
        try (var in = PtxResourceTest.class.getResourceAsStream(Kernel.PTX_RESOURCE)) {
            assertTrue(in != null, "missing resource " + Kernel.PTX_RESOURCE);
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static Path source() {
        return Path.of(System.getProperty("rnn4j.native.dir", "../native"), "rnn4j_kernels.cu");
    }

    @Test
    void ptxIsNotStale() throws Exception {
        String first = ptx().lines().findFirst().orElseThrow();
        Matcher m = Pattern.compile("^// rnn4j source: rnn4j_kernels\\.cu sha256=([0-9a-f]{64})$").matcher(first);
        assertTrue(m.matches(), "PTX resource lacks its source stamp: " + first);
        String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(source())));
        assertEquals(actual, m.group(1), "the shipped PTX was built from another version of " + source()
                + ": run native/build_ptx.sh and commit the result");
    }

    @Test
    void ptxIsIsa80ForTuringWithEveryKernelAndItsParameters() throws IOException {
        String ptx = ptx();
        assertTrue(ptx.contains("\n.version 8.0\n"), "PTX ISA must be lowered to 8.0 (CUDA 12.0 drivers and JIT)");
        assertTrue(ptx.contains("\n.target sm_75\n"), "PTX must target sm_75");
        assertFalse(ptx.contains("tanh.approx"), "fast-math tanh in the PTX (never build with --use_fast_math)");
        Matcher entries = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)").matcher(ptx);
        List<String> names = new ArrayList<>();
        while (entries.find()) {
            String name = entries.group(1);
            names.add(name);
            StringBuilder sig = new StringBuilder();
            Matcher p = Pattern.compile("\\.param \\.(\\w+)").matcher(entries.group(2));
            while (p.find()) {
                sig.append(switch (p.group(1)) {
                    case "u32", "s32" -> 'i';
                    case "f32" -> 'f';
                    case "u64" -> 'p';
                    default -> '?';
                });
            }
            Kernel k = null;
            for (Kernel c : Kernel.values()) {
                if (c.entry().equals(name)) {
                    k = c;
                }
            }
            assertTrue(k != null, "PTX entry " + name + " has no Kernel constant");
            assertEquals(k.signature(), sig.toString(), "parameters of " + name);
        }
        assertEquals(Kernel.values().length, names.size(), "one PTX entry per Kernel: " + names);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sm_75", "sm_80", "sm_90"})
    void bundledPtxCompilerAcceptsIt(String arch) throws IOException {
        byte[] src = ptx().getBytes(StandardCharsets.US_ASCII);
        nvPTXCompilerHandle h = new nvPTXCompilerHandle();
        try {
            JNvPTXCompiler.setExceptionsEnabled(false);
            int rc = JNvPTXCompiler.nvPTXCompilerCreate(h, src.length, src);
            assertEquals(0, rc, "nvPTXCompilerCreate");
        } catch (LinkageError e) {
            assumeTrue(false, "JCuda's nvPTXCompiler native library cannot be loaded here: " + CudaAvailability.rootLine(e));
        }
        try {
            int rc = JNvPTXCompiler.nvPTXCompilerCompile(h, 1, new String[] {"--gpu-name=" + arch});
            if (rc != 0) {
                long[] size = new long[1];
                JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(h, size);
                byte[] log = new byte[(int) size[0] + 1];
                JNvPTXCompiler.nvPTXCompilerGetErrorLog(h, log);
                fail("nvPTXCompiler rejected the PTX for " + arch + ": " + new String(log, StandardCharsets.US_ASCII).trim());
            }
            long[] size = new long[1];
            JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize(h, size);
            assertTrue(size[0] > 0, "empty cubin for " + arch);
        } finally {
            JNvPTXCompiler.nvPTXCompilerDestroy(h);
        }
    }

    /** Where the nvcc that built the shipped PTX is installed, a fresh build must reproduce it exactly. */
    @Test
    void freshNvccBuildReproducesTheShippedPtx() throws Exception {
        Path out = Path.of(System.getProperty("rnn4j.build.dir", "target"), "ptx-check.ptx");
        String version;
        try {
            Process v = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            List<String> lines = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            v.waitFor(30, TimeUnit.SECONDS);
            version = lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
        } catch (IOException e) {
            assumeTrue(false, "nvcc is not installed: " + e.getMessage());
            return;
        }
        String header = ptx().lines().skip(1).findFirst().orElse("");
        assumeTrue(header.contains("with " + version + ";"), "the shipped PTX was built by another nvcc (" + header
                + "), this host has " + version + ": outputs may legitimately differ");
        Process p = new ProcessBuilder("nvcc", "-ptx", "-arch=compute_75", "-o", out.toString(), source().toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nvcc timed out");
        assertEquals(0, p.exitValue(), "nvcc failed: " + log);
        String fresh = Files.readString(out).replaceFirst("(?m)^\\.version .*$", ".version 8.0");
        String shipped = ptx();
        String body = shipped.substring(shipped.indexOf('\n', shipped.indexOf('\n') + 1) + 1);
        assertTrue(body.contains("\n.target sm_75\n"));
        assertEquals(strip(body), strip(fresh), "shipped PTX differs from a fresh nvcc build: run native/build_ptx.sh");
    }

    /** Drops nvcc's comment header (compiler build ids), keeps every instruction. */
    private static String strip(String ptx) {
        return ptx.substring(ptx.indexOf(".version"));
    }
}
