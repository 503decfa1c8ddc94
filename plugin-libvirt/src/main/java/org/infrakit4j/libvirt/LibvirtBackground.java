package org.infrakit4j.libvirt;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.runtime.Patience;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow domain work (starting a TCG domain, stopping one: each 0.5-3 s under load) on a few threads. The caller
 * waits a bounded time, so a call answers before the Go client gives up after 1 s (wire-protocol.md §1.2): work
 * done in time reports its own failure; work still running goes on here and cleans up after itself.
 *
 * <p>Bounded: a fixed number of threads and of places for work waiting for one. A call first {@link #reserve
 * reserves} its place, before it makes anything in libvirt, and when every place is taken it is refused at once
 * with {@code backend unavailable} (back-pressure) instead of queueing behind work that may never finish.
 */
final class LibvirtBackground implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtBackground.class);

    private final ThreadPoolExecutor pool;
    private final Semaphore places;
    private final int capacity;
    private final Duration patience;
    private final Duration drain;

    /**
     * @param threads work running at once
     * @param waiting work that may wait for a thread; more is refused
     */
    LibvirtBackground(int threads, int waiting, Duration patience, Duration drain) {
        if (threads < 1 || waiting < 0) {
            throw new IllegalArgumentException("threads must be positive and waiting not negative");
        }
        AtomicInteger n = new AtomicInteger();
        this.capacity = threads + waiting;
        // The places bound the work; the queue has room for all of it, so a place always finds room (a task that
        // has given its place back may still hold its thread for a moment).
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(capacity), r -> {
                    Thread t = new Thread(r, "libvirt-work-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.places = new Semaphore(capacity);
        this.patience = patience;
        this.drain = drain;
    }

    /** A place for one piece of work, from {@link #reserve}; given back when its work ends or if none starts. */
    final class Place {
        private final AtomicBoolean held = new AtomicBoolean(true);
        private final AtomicBoolean used = new AtomicBoolean();

        /** Starts the work in this place (once); the place is given back when it ends. */
        CompletableFuture<Void> submit(Runnable task) {
            if (!used.compareAndSet(false, true)) {
                throw new IllegalStateException("a place holds one piece of work");
            }
            try {
                return CompletableFuture.runAsync(() -> {
                    try {
                        task.run();
                    } finally {
                        release();
                    }
                }, pool);
            } catch (RejectedExecutionException e) {
                release();
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is stopping");
            }
        }

        /** Gives the place back if no work was started in it; the work gives it back otherwise. */
        void releaseUnused() {
            if (!used.get()) {
                release();
            }
        }

        private void release() {
            if (held.compareAndSet(true, false)) {
                places.release();
            }
        }
    }

    /**
     * Takes a place for work, or refuses at once.
     *
     * @param what names the refused call's work ("provision worker-..."), for the error
     * @throws InstanceException backend unavailable, when all places are taken
     */
    Place reserve(String what) {
        if (!places.tryAcquire()) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "libvirt is behind: " + capacity
                    + " domain starts and removals are running or waiting; not starting to " + what
                    + " (try again later)");
        }
        return new Place();
    }

    /** Work running or waiting now. */
    int outstanding() {
        return capacity - places.availablePermits();
    }

    int capacity() {
        return capacity;
    }

    /**
     * Waits up to the patience for work started here (by this caller or an earlier one).
     *
     * @return true when it finished in time, false when it goes on in the background
     * @throws RuntimeException the work's own failure, when it failed in time
     */
    boolean await(CompletableFuture<Void> done) {
        return Patience.await(done, patience, "libvirt work");
    }

    /** Lets queued work finish for a while: what is left stays in libvirt, described, for a later Destroy. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.atWarn().addKeyValue("tasks", pool.shutdownNow().size())
                        .log("stopped with domain starts or removals unfinished; Describe still reports them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
