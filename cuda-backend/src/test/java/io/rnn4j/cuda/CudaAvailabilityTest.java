package io.rnn4j.cuda;

import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Behaviour without a usable GPU (this machine): the probe never throws and names what is missing
 * in one sentence, {@code cuda} selection fails with it, {@code auto} skips cuda. On a GPU host the
 * no-driver assertions skip, and {@code -Drnn4j.cuda.required=true} demands a usable device.
 */
class CudaAvailabilityTest {

    @Test
    void probeNeverThrowsAndIsCached() {
        CudaAvailability a = CudaAvailability.get();
        assertTrue(a.reason() != null && !a.reason().isBlank());
        assertTrue(a == CudaAvailability.get());
        // a second probe after the first (JCuda classes now initialised or failed) still returns a reason
        CudaAvailability again = CudaAvailability.probe();
        assertEquals(a.usable(), again.usable());
    }

    @Test
    void withoutADeviceTheReasonIsOneSentenceNamingWhatIsMissing() {
        CudaAvailability a = CudaAvailability.get();
        assumeFalse(a.usable(), "a CUDA device is usable here");
        String r = a.reason();
        assertFalse(r.contains("\n"), "one line: " + r);
        assertTrue(r.contains("libcuda.so.1") || r.contains("libcublas.so.12") || r.contains("device"),
                "names the missing driver library, cuBLAS or device: " + r);
        assertFalse(GpuAssumptions.required(), "-Drnn4j.cuda.required=true but: " + r);
    }

    @Test
    void selectingCudaFailsWithTheReasonAndAutoSkipsIt() {
        CudaAvailability a = CudaAvailability.get();
        assumeFalse(a.usable(), "a CUDA device is usable here");
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("cuda")).findFirst().orElseThrow();
        assertFalse(p.availability().usable());
        assertEquals(a.reason(), p.availability().reason());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.get("cuda"));
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        assertNotEquals("cuda", Backends.get("auto").name());
        assertThrows(IllegalStateException.class, p::create);
    }

    @Test
    void emulationIsUsableOnlyWhenAskedFor() {
        CudaBackendProvider p = new CudaBackendProvider();
        assertEquals(CudaAvailability.get().usable(), p.availability().usable());
        System.setProperty(CudaBackendProvider.EMULATE, "true");
        try {
            assertTrue(p.availability().usable(), p.availability().reason());
            try (var be = p.create()) {
                assertEquals("cuda", be.name());
                assertTrue(((CudaBackend) be).device() instanceof EmulatedDevice);
                assertEquals(6.0, be.sum(be.fromArray(new float[] {1, 2, 3}, 3)));
            }
        } finally {
            System.clearProperty(CudaBackendProvider.EMULATE);
        }
    }

    @Test
    void rootLineExtractsTheMissingLibrary() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /build/target/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory\n\tat java.base/...");
        assertEquals("libcuda.so.1: cannot open shared object file", CudaAvailability.rootLine(e));
        assertEquals("libcublas.so.12: cannot open shared object file", CudaAvailability.rootLine(
                new NoClassDefFoundError("Could not initialize class jcuda.jcublas.JCublas2").initCause(
                        new ExceptionInInitializerError("x: libcublas.so.12: cannot open shared object file: No such file"))));
    }

    @Test
    void requiredFlagDemandsADevice() {
        if (GpuAssumptions.required()) {
            assertTrue(CudaAvailability.get().usable(), "-Drnn4j.cuda.required=true: " + CudaAvailability.get().reason());
        }
    }
}
