package io.rnn4j.cuda;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;

/**
 * Registers the {@code cuda} backend: the highest priority when a usable GPU is present;
 * {@code auto} skips it otherwise, and {@code -Drnn4j.backend=cuda} then fails with
 * {@link CudaAvailability#reason()}.
 */
public final class CudaBackendProvider implements BackendProvider {
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
        CudaAvailability a = CudaAvailability.get();
        return a.usable() ? Availability.usable(a.reason()) : Availability.unusable(a.reason());
    }

    @Override
    public Backend create() {
        CudaAvailability a = CudaAvailability.get();
        if (!a.usable()) {
            throw new IllegalStateException("rnn4j: backend 'cuda' is not usable: " + a.reason());
        }
        return new CudaBackend(new JCudaDevice());
    }
}
