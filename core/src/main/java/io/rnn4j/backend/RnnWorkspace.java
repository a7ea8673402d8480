package io.rnn4j.backend;

/**
 * Backend-owned scratch memory for one (batch, time) of a fused recurrent kernel: the gate
 * activations and states that backpropagation through time needs, allocated once and reused
 * across calls so the time loop never allocates.
 */
public interface RnnWorkspace extends AutoCloseable {
    /** Batch size this workspace was sized for. */
    int batch();

    /** Number of time steps this workspace was sized for. */
    int time();

    /** Releases the workspace's memory. */
    @Override
    void close();
}
