package io.rnn4j.simd;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.Backends;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery, priority, and the one-sentence failure when the Vector API module is absent. */
class SimdProviderTest {

    @Test
    void discoveredUsableAndPreferredOverJava() {
        List<BackendProvider> providers = Backends.providers();
        BackendProvider simd = providers.stream().filter(p -> p.name().equals("simd")).findFirst().orElseThrow();
        BackendProvider java = providers.stream().filter(p -> p.name().equals("java")).findFirst().orElseThrow();
        assertTrue(simd.priority() > java.priority());
        assertTrue(simd.availability().usable(), simd.availability().reason());
        Backend b = Backends.get("simd");
        assertInstanceOf(SimdBackend.class, b);
        assertEquals("simd", b.name());
    }

    /** Without --add-modules jdk.incubator.vector, auto skips simd and naming it fails with the same sentence. */
    @Test
    void withoutVectorModuleSaysHowToEnable() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                NoVectorApiMain.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("availability: false " + SimdBackendProvider.HOW_TO_ENABLE), out);
        assertTrue(out.contains("auto: java"), out);
        String skipped = "rnn4j: backend 'simd' skipped: " + SimdBackendProvider.HOW_TO_ENABLE;
        assertEquals(out.indexOf(skipped), out.lastIndexOf(skipped), "logged once: " + out);
        assertTrue(out.contains(skipped), out);
        assertTrue(out.contains("named: rnn4j: backend 'simd' is not usable: " + SimdBackendProvider.HOW_TO_ENABLE), out);
    }
}
