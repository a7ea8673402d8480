package io.rnn4j.cuda;

/** One device allocation of float32 elements, made by a {@link Device}. */
public interface DeviceBuffer {
    /** Number of float elements allocated. */
    long length();

    /** True once {@link Device#free(DeviceBuffer)} released it. */
    boolean isFreed();
}
