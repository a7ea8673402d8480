package io.rnn4j.simd;

import jdk.incubator.vector.FloatVector;

/** Describes the vector shape and thread count in use; only loaded once the Vector API is known present. */
final class SimdInfo {
    private SimdInfo() {
    }

    static String describe() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors, "
                + Threads.configured() + " thread(s) (-D" + Threads.PROPERTY + ")";
    }
}
