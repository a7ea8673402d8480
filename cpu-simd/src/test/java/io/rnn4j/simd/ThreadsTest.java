package io.rnn4j.simd;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The thread team: every chunk of a job runs exactly once, and a chunk's failure reaches the caller. */
class ThreadsTest {
    /**
     * Chunk counts below, at and above the team size, many jobs in a row (the workers spinning
     * between them), then one after the workers have had time to park.
     */
    @Test
    void everyChunkRunsExactlyOnce() throws InterruptedException {
        for (int size = 1; size <= 3; size++) {
            try (Threads team = new Threads(size)) {
                for (int chunks : new int[] {0, 1, 2, 3, 5, 70}) {
                    for (int rep = 0; rep < 200; rep++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(chunks, 1));
                        team.run(chunks, runs::incrementAndGet);
                        for (int c = 0; c < chunks; c++) {
                            assertEquals(1, runs.get(c), "chunk " + c + " of " + chunks + " on " + size + " threads");
                        }
                    }
                }
                Thread.sleep(50);
                AtomicIntegerArray runs = new AtomicIntegerArray(7);
                team.run(7, runs::incrementAndGet);
                for (int c = 0; c < 7; c++) {
                    assertEquals(1, runs.get(c), "chunk " + c + " of 7 after a pause, on " + size + " threads");
                }
            }
        }
    }

    @Test
    void aFailingChunkReachesTheCaller() {
        try (Threads team = new Threads(2)) {
            IllegalStateException boom = new IllegalStateException("chunk 1");
            IllegalStateException got = assertThrows(IllegalStateException.class, () -> team.run(4, c -> {
                if (c == 1) {
                    throw boom;
                }
            }));
            assertSame(boom, got);
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            team.run(4, runs::incrementAndGet); // the team still works afterwards
            for (int c = 0; c < 4; c++) {
                assertEquals(1, runs.get(c));
            }
        }
    }
}
