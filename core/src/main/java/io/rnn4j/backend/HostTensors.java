package io.rnn4j.backend;

import io.rnn4j.Tensor;

import java.util.Arrays;

/**
 * Checks and accessors for backends whose tensors live in host {@code float[]} storage
 * ({@code java}, {@code simd}). Every check runs before any work, so a rejected call changes nothing.
 */
public final class HostTensors {
    private HostTensors() {
    }

    /** The {@code float[]} of {@code t}, after checking that {@code owner} owns it. */
    public static float[] data(Backend owner, Tensor t, String what) {
        if (t == null) {
            throw new IllegalArgumentException(owner.name() + " backend: " + what + " must not be null");
        }
        if (t.backend() != owner) {
            throw new IllegalArgumentException(owner.name() + " backend: " + what + " " + t
                    + " belongs to backend '" + t.backend().name() + "'; tensors cannot be mixed across backends");
        }
        return (float[]) t.storage();
    }

    /** Checks that {@code [offset, offset + length)} lies inside {@code t}. */
    public static void range(String op, String what, Tensor t, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > t.size()) {
            throw new IllegalArgumentException(op + ": " + what + " range [" + offset + ", " + (offset + length)
                    + ") is outside a tensor of " + t.size() + " elements " + Arrays.toString(t.shape()));
        }
    }

    /**
     * Checks a {@code rows x cols} block with row stride {@code ld} starting at {@code offset}:
     * {@code ld >= cols} and the last element inside {@code t}.
     */
    public static void block(String op, String what, Tensor t, int offset, int rows, int cols, int ld) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": negative size " + rows + " x " + cols + " for " + what);
        }
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": leading dimension of " + what + " is " + ld
                    + " but its rows hold " + cols + " elements (need ld >= " + Math.max(1, cols) + ")");
        }
        if (offset < 0) {
            throw new IllegalArgumentException(op + ": negative offset " + offset + " for " + what);
        }
        if (rows > 0 && cols > 0) {
            long last = offset + (long) (rows - 1) * ld + cols;
            if (last > t.size()) {
                throw new IllegalArgumentException(op + ": " + what + " block " + rows + " x " + cols + " with ld " + ld
                        + " at offset " + offset + " needs " + last + " elements, tensor has " + t.size()
                        + " " + Arrays.toString(t.shape()));
            }
        }
    }

    /** Checks that all tensors have the same number of elements. */
    public static void sameSize(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t.size() != ts[0].size()) {
                throw new IllegalArgumentException(op + ": size mismatch " + Arrays.toString(ts[0].shape())
                        + " vs " + Arrays.toString(t.shape()));
            }
        }
    }
}
