package io.rnn4j.simd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a probe's {@code main} in fresh JVMs (with the Vector API module and this test class
 * path), for checks whose outcome depends on what C2 happened to compile in one JVM: the probe
 * exits 0 when it passes, and one passing JVM out of a few is enough.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Starts up to {@code attempts} JVMs running {@code probe}, stopping at the first that exits 0.
     * Returns an empty list if one did, else the output of each ("JVM i: ...").
     */
    static List<String> failuresUnlessOnePasses(Class<?> probe, int attempts) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> outputs = new ArrayList<>();
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                    "-cp", System.getProperty("java.class.path"), probe.getName())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return List.of();
            }
            outputs.add("JVM " + attempt + ": " + out.strip());
        }
        return outputs;
    }
}
