package io.rnn4j.simd;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.conformance.BackendConformanceTest;

/** The full backend conformance suite from rnn4j-core's test-jar, on the simd backend with 2 threads. */
class SimdConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend backend() {
        return new SimdBackend(2);
    }
}
