package io.rnn4j.cuda;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;

/**
 * Registers the {@code cuda} backend: the highest priority when a usable GPU is present;
 * {@code auto} skips it otherwise, and {@code -Drnn4j.backend=cuda} then fails with
 * {@link CudaAvailability#reason()}.
 *
 * <p>With {@code -Drnn4j.cuda.emulate=true} the backend runs on {@link EmulatedDevice} instead
 * (the whole cuda backend on the host, slowly): a way to run applications and examples through
 * the cuda code path on a machine without a GPU. It is never chosen without that property.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** The system property that puts the cuda backend on the host emulation. */
    public static final String EMULATE = "rnn4j.cuda.emulate";

    private static boolean emulate() {
        return Boolean.getBoolean(EMULATE);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability availability() {
        if (emulate()) {
            return Availability.usable("host emulation of a CUDA device (-D" + EMULATE + "=true): for testing, not speed");
        }
        CudaAvailability a = CudaAvailability.get();
        return a.usable() ? Availability.usable(a.reason()) : Availability.unusable(a.reason());
    }

    @Override
    public Backend create() {
        if (emulate()) {
            return new CudaBackend(new EmulatedDevice());
        }
        CudaAvailability a = CudaAvailability.get();
        if (!a.usable()) {
            throw new IllegalStateException("rnn4j: backend 'cuda' is not usable: " + a.reason());
        }
        return new CudaBackend(new JCudaDevice());
    }
}
