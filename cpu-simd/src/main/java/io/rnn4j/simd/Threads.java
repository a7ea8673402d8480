package io.rnn4j.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed team of worker threads that runs the chunks of a job. The caller cuts the job into
 * chunks whose boundaries depend only on the problem sizes and the team size; the calling thread
 * and the workers then claim chunks in turn. Every element the simd kernels compute is computed
 * with the same operation order whatever chunk it is in and whichever thread runs it, and no sum
 * crosses chunks, so results are bit-for-bit reproducible (for any thread count) while a
 * descheduled thread (these machines are shared) only delays the one chunk it holds instead of
 * half the job.
 *
 * <p>Workers spin briefly before parking, since a layer hands out work every few hundred
 * microseconds (the steps of a batch-1 or unit-cut recurrent walk, the GEMMs between walks). If
 * the team is already busy (a call from another thread, or a nested call), the chunks run one
 * after another on the calling thread.
 */
final class Threads implements AutoCloseable {
    /** System property with the number of threads (default: available processors). */
    static final String PROPERTY = "rnn4j.threads";

    private static final int SPINS = 1 << 12;
    private static final int IDX_BITS = 20;
    private static final long IDX_MASK = (1L << IDX_BITS) - 1;
    /** Most chunks one job may have. */
    static final int MAX_CHUNKS = (int) IDX_MASK;

    /** One chunk of a job. */
    @FunctionalInterface
    interface Task {
        void run(int chunk);
    }

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    /** The job being run: generation (24 bits), chunk count (20 bits), next unclaimed chunk (20 bits). */
    private final AtomicLong ctl = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Task task;
    private volatile Throwable failure;
    private volatile boolean shutdown;
    private long generation;

    Threads(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("simd backend: thread count must be >= 1, got " + size);
        }
        workers = new Worker[size - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** The thread count from {@code -Drnn4j.threads}, else the number of available processors. */
    static int configured() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("-D" + PROPERTY + " must be a positive integer, got '" + v + "'");
    }

    /** Number of threads including the caller. */
    int size() {
        return workers.length + 1;
    }

    /** Runs {@code body.run(c)} once for every chunk {@code c} in {@code [0, chunks)}, on any thread. */
    void run(int chunks, Task body) {
        if (chunks > MAX_CHUNKS) {
            throw new IllegalArgumentException("simd backend: " + chunks + " chunks, at most " + MAX_CHUNKS);
        }
        if (chunks <= 1 || workers.length == 0 || !lock.tryLock()) {
            for (int i = 0; i < chunks; i++) {
                body.run(i);
            }
            return;
        }
        try {
            failure = null;
            task = body;
            done.set(0);
            generation = (generation + 1) & 0xFFFFFF;
            long job = (generation << (2 * IDX_BITS)) | ((long) chunks << IDX_BITS);
            ctl.set(job);
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            work(job);
            int spins = 0;
            while (done.get() != chunks) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable t = failure;
            if (t != null) {
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error er) {
                    throw er;
                }
                throw new IllegalStateException(t);
            }
        } finally {
            task = null;
            lock.unlock();
        }
    }

    /** Claims and runs chunks of {@code job} (its ctl value at publication) until none are left. */
    private void work(long job) {
        long gen = job >>> (2 * IDX_BITS);
        while (true) {
            long v = ctl.get();
            if (v >>> (2 * IDX_BITS) != gen) {
                return;
            }
            int idx = (int) (v & IDX_MASK);
            int chunks = (int) ((v >>> IDX_BITS) & IDX_MASK);
            if (idx >= chunks) {
                return;
            }
            if (ctl.compareAndSet(v, v + 1)) {
                // A claimed chunk is not done, so the caller is still in this job: task is its task.
                try {
                    task.run(idx);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        shutdown = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("rnn4j-simd-" + index);
            setDaemon(true);
        }

        /** True if ctl holds a job with unclaimed chunks. */
        private boolean pending(long v) {
            return (v & IDX_MASK) < ((v >>> IDX_BITS) & IDX_MASK);
        }

        @Override
        public void run() {
            while (!shutdown) {
                int spins = 0;
                long v;
                while (!pending(v = ctl.get()) && !shutdown) {
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (!pending(ctl.get())) {
                            LockSupport.park(this);
                        }
                        parked = false;
                        spins = 0;
                    }
                }
                if (shutdown) {
                    return;
                }
                work(v);
            }
        }
    }
}
