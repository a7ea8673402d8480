package io.rnn4j.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed team of worker threads that runs task {@code i} of {@code n} on thread {@code i}.
 * Work is split by the caller into fixed partitions (never stolen), so which thread computes which
 * element is decided by the sizes alone and results are bit-for-bit reproducible; the simd kernels
 * go further and compute every element with the same operation order whatever the partition.
 *
 * <p>Workers spin briefly before parking, since a recurrent layer hands out work every few
 * hundred microseconds. If the team is already busy (a call from another thread, or a nested
 * call), the tasks run one after another on the calling thread.
 */
final class Threads implements AutoCloseable {
    /** System property with the number of threads (default: available processors). */
    static final String PROPERTY = "rnn4j.threads";

    private static final int SPINS = 1 << 12;

    /** One task of a partitioned job. */
    @FunctionalInterface
    interface Task {
        void run(int index);
    }

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task task;
    private volatile Throwable failure;
    private volatile boolean shutdown;

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

    /** Runs {@code body.run(i)} for {@code i} in {@code [0, tasks)}, task 0 on the calling thread. */
    void run(int tasks, Task body) {
        if (tasks > size()) {
            throw new IllegalArgumentException("simd backend: " + tasks + " tasks for " + size() + " threads");
        }
        if (tasks <= 1 || !lock.tryLock()) {
            for (int i = 0; i < tasks; i++) {
                body.run(i);
            }
            return;
        }
        try {
            failure = null;
            task = body;
            pending.set(tasks - 1);
            for (int i = 0; i < tasks - 1; i++) {
                workers[i].submit();
            }
            Throwable mine = null;
            try {
                body.run(0);
            } catch (Throwable t) {
                mine = t;
            }
            int spins = 0;
            while (pending.get() != 0) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable other = failure;
            if (mine != null || other != null) {
                Throwable t = mine != null ? mine : other;
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

    @Override
    public void close() {
        shutdown = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private final class Worker extends Thread {
        private final int index;
        private volatile int generation;
        private int seen;

        Worker(int index) {
            super("rnn4j-simd-" + index);
            this.index = index;
            setDaemon(true);
        }

        void submit() {
            generation = generation + 1;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (!shutdown) {
                int spins = 0;
                while (generation == seen && !shutdown) {
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                if (shutdown) {
                    return;
                }
                seen = generation;
                try {
                    task.run(index);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }
}
