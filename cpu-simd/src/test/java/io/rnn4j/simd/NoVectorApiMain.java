package io.rnn4j.simd;

import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.Backends;

/** Run in a JVM without the Vector API module by {@link SimdProviderTest}. */
public final class NoVectorApiMain {
    private NoVectorApiMain() {
    }

    public static void main(String[] args) {
        System.out.println("auto: " + Backends.get("auto").name()); // logs why simd was skipped
        BackendProvider.Availability a = new SimdBackendProvider().availability();
        System.out.println("availability: " + a.usable() + " " + a.reason());
        try {
            Backends.get("simd");
            System.out.println("named: no failure");
        } catch (IllegalStateException e) {
            System.out.println("named: " + e.getMessage());
        }
    }
}
