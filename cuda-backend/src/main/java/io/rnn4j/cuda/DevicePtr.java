package io.rnn4j.cuda;

/**
 * A kernel or GEMM operand: {@code buffer} plus an element offset (a {@code float*} into the
 * allocation). A {@code null} DevicePtr in a kernel argument list is the C null pointer.
 */
public record DevicePtr(DeviceBuffer buffer, long offset) {
    public DevicePtr {
        if (buffer == null) {
            throw new IllegalArgumentException("DevicePtr: buffer must not be null (pass a null DevicePtr for a null pointer)");
        }
        if (offset < 0 || offset > buffer.length()) {
            throw new IllegalArgumentException("DevicePtr: offset " + offset + " outside an allocation of " + buffer.length() + " floats");
        }
    }

    /** The pointer {@code delta} elements further. */
    public DevicePtr plus(long delta) {
        return new DevicePtr(buffer, offset + delta);
    }
}
