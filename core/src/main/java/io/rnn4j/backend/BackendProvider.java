package io.rnn4j.backend;

/**
 * Service-provider entry of a backend module, registered in
 * {@code META-INF/services/io.rnn4j.backend.BackendProvider}. Providers must be cheap to
 * construct and must never throw from {@link #availability()} (not even linkage errors).
 */
public interface BackendProvider {

    /** The backend's name, e.g. {@code "simd"}. */
    String name();

    /** Preference of {@code auto} selection among usable backends: higher wins ({@code java} is 0). */
    int priority();

    /** Whether the backend can run here and, if not, a sentence a user can act on. */
    Availability availability();

    /** Creates the backend; only called when {@link #availability()} is usable. */
    Backend create();

    /**
     * Whether a backend is usable, and why (not).
     *
     * @param usable true if {@link #create()} will succeed
     * @param reason a sentence saying why it is (not) usable and, if not, what to do about it
     */
    record Availability(boolean usable, String reason) {
        /** A usable backend. */
        public static Availability usable(String reason) {
            return new Availability(true, reason);
        }

        /** An unusable backend with the reason. */
        public static Availability unusable(String reason) {
            return new Availability(false, reason);
        }
    }
}
