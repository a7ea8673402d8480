package io.rnn4j.backend.conformance;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.java.JavaBackend;

/**
 * Runs the conformance suite on the java backend itself: it checks the suite (every test must
 * pass on the reference, so a failure elsewhere is the other backend's), and a second
 * {@link JavaBackend} instance is a foreign backend for the error checks.
 */
class JavaBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend backend() {
        return new JavaBackend();
    }
}
