package org.infrakit4j.docker;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * Container set-ups and removals, which go on after Provision or Destroy answered: a fixed pool of threads and a
 * bounded backlog. A call takes its slot before it touches the engine, so a created container always gets its
 * set-up; with every slot taken the call is refused at once ("backend unavailable"), never queued without end.
 */
final class DockerBackgroundWork {
    /** Set-ups and removals running at once: each mostly waits on the engine. */
    static final int THREADS = 8;
    /**
     * Set-ups and removals under way or waiting, at most. Each container has at most one of each, so this also
     * bounds how many containers can be between create and running (or between Destroy and gone) at a time.
     */
    static final int LIMIT = 64;

    /** One reserved slot; released once, by the work it was handed to or by the call that did not need it. */
    final class Ticket {
        private final AtomicBoolean held = new AtomicBoolean(true);

        void release() {
            if (held.compareAndSet(true, false)) {
                slots.release();
            }
        }
    }

    private final String host;
    private final Semaphore slots = new Semaphore(LIMIT);
    private final ThreadPoolExecutor pool;

    DockerBackgroundWork(String host) {
        this.host = host;
        // The queue can never overflow: the slots admit at most LIMIT pieces of work.
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(LIMIT),
                r -> {
                    Thread t = new Thread(r, "ik4j-docker-background");
                    t.setDaemon(true);
                    return t;
                });
        this.pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Reserves a slot for {@code what} ("setting up a container from busybox").
     *
     * @throws InstanceException BACKEND_UNAVAILABLE when {@link #LIMIT} set-ups and removals are already under way
     */
    Ticket reserve(String what) {
        if (!slots.tryAcquire()) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + host + ": " + LIMIT
                    + " container set-ups and removals already under way, not " + what + "; retry later");
        }
        return new Ticket();
    }

    /** Runs {@code work} in the background on the slot of {@code ticket}, which it releases when done. */
    CompletableFuture<Void> start(Ticket ticket, String what, Runnable work) {
        try {
            return CompletableFuture.runAsync(() -> {
                try {
                    work.run();
                } finally {
                    ticket.release();
                }
            }, pool);
        } catch (RejectedExecutionException e) {
            ticket.release();
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is stopping: not " + what);
        }
    }

    /** Set-ups and removals under way or waiting now. */
    int underWay() {
        return LIMIT - slots.availablePermits();
    }

    /** Stops taking work and waits up to {@code wait} for what is under way; returns how many were dropped. */
    int close(Duration wait) throws InterruptedException {
        pool.shutdown();
        if (pool.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            return 0;
        }
        return pool.shutdownNow().size() + pool.getActiveCount();
    }
}
