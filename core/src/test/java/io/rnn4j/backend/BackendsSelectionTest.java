package io.rnn4j.backend;

import io.rnn4j.backend.java.JavaBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsSelectionTest {

    private static BackendProvider provider(String name, int priority, boolean usable, String reason) {
        return new BackendProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int priority() {
                return priority;
            }

            @Override
            public Availability availability() {
                return new Availability(usable, reason);
            }

            @Override
            public Backend create() {
                return new JavaBackend();
            }
        };
    }

    private final List<BackendProvider> providers = List.of(
            provider("cuda", 20, false, "NVIDIA driver library libcuda.so.1 not found"),
            provider("simd", 10, true, "Vector API available"),
            provider("java", 0, true, "always"));

    @Test
    void autoTakesTheBestUsableBackend() {
        assertEquals("simd", Backends.choose("auto", providers).name());
        assertEquals("simd", Backends.choose(null, providers).name());
    }

    @Test
    void namedBackendIsTakenEvenIfNotTheBest() {
        assertEquals("java", Backends.choose("java", providers).name());
        assertEquals("java", Backends.choose(" JAVA ", providers).name());
    }

    @Test
    void namedButUnusableBackendFailsListingEveryBackendAndWhy() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("cuda", providers));
        String m = e.getMessage();
        assertTrue(m.contains("'cuda' is not usable: NVIDIA driver library libcuda.so.1 not found"), m);
        assertTrue(m.contains("simd: usable - Vector API available"), m);
        assertTrue(m.contains("java: usable - always"), m);
    }

    @Test
    void unknownNameFailsTheSameWay() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("tpu", providers));
        assertTrue(e.getMessage().contains("unknown backend 'tpu'"), e.getMessage());
        assertTrue(e.getMessage().contains("cuda: not usable - NVIDIA driver"), e.getMessage());
    }

    @Test
    void knownBackendMissingFromClassPathNamesItsModule() {
        List<BackendProvider> onlyJava = List.of(provider("java", 0, true, "always"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("simd", onlyJava));
        assertTrue(e.getMessage().contains("add rnn4j-cpu-simd"), e.getMessage());
        assertTrue(e.getMessage().contains("cuda: not usable - module rnn4j-cuda is not on the class path"), e.getMessage());
    }

    @Test
    void autoWithNothingUsableFails() {
        List<BackendProvider> none = List.of(provider("cuda", 20, false, "no device"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("auto", none));
        assertTrue(e.getMessage().contains("no usable backend"), e.getMessage());
    }

    @Test
    void serviceLoaderFindsTheJavaBackend() {
        assertTrue(Backends.providers().stream().anyMatch(p -> p.name().equals("java")));
        assertEquals("java", Backends.get("java").name());
        assertTrue(Backends.get("java") == Backends.get("java"), "backends are created once and shared");
    }
}
