package io.rnn4j.simd;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Registers the {@code simd} backend. It needs the incubating Vector API, which the JVM only
 * resolves when asked to: this class touches no Vector API type, so checking availability never
 * fails with a linkage error.
 */
public final class SimdBackendProvider implements BackendProvider {

    /** The one sentence that tells a user how to enable the backend. */
    public static final String HOW_TO_ENABLE = "the simd backend needs the incubating Vector API: "
            + "start the JVM with --add-modules jdk.incubator.vector";

    @Override
    public String name() {
        return "simd";
    }

    /** Above {@code java} (0), below {@code cuda}. */
    @Override
    public int priority() {
        return 10;
    }

    private static final AtomicBoolean SKIP_LOGGED = new AtomicBoolean();

    /**
     * Usable when {@code jdk.incubator.vector} is in the boot layer. When it is not, the first
     * call logs the reason once (so {@code auto}, which asks while choosing, says why it skipped
     * simd); naming simd then fails in {@link io.rnn4j.backend.Backends} with the same sentence.
     */
    @Override
    public Availability availability() {
        try {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                if (SKIP_LOGGED.compareAndSet(false, true)) {
                    Logger.getLogger(SimdBackendProvider.class.getName()).info("rnn4j: backend 'simd' skipped: " + HOW_TO_ENABLE);
                }
                return Availability.unusable(HOW_TO_ENABLE);
            }
            return Availability.usable("Vector API present; " + SimdInfo.describe());
        } catch (IllegalArgumentException badThreads) {
            return Availability.unusable(badThreads.getMessage()); // a bad -Drnn4j.threads
        } catch (Throwable t) {
            return Availability.unusable(HOW_TO_ENABLE + " (" + t + ")");
        }
    }

    @Override
    public Backend create() {
        Availability a = availability();
        if (!a.usable()) {
            throw new IllegalStateException(a.reason());
        }
        return new SimdBackend();
    }
}
