package org.infrakit4j.libvirt;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.rpc.Patience;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow domain work (starting a TCG domain, stopping one: each 0.5-3 s under load) on a few threads. The caller
 * waits a bounded time, so a call answers before the Go client gives up after 1 s (wire-protocol.md §1.2): work
 * done in time reports its own failure; work still running goes on here and cleans up after itself.
 */
final class LibvirtBackground implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtBackground.class);

    private final ExecutorService pool;
    private final Duration patience;
    private final Duration drain;

    LibvirtBackground(int threads, Duration patience, Duration drain) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "libvirt-work-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.patience = patience;
        this.drain = drain;
    }

    /**
     * Runs the task here, waiting up to the patience for it.
     *
     * @return true when it finished in time, false when it goes on in the background
     * @throws RuntimeException the task's own failure, when it failed in time
     */
    boolean run(Runnable task) {
        return await(CompletableFuture.runAsync(task, pool));
    }

    /** Starts the task here without waiting for it. */
    CompletableFuture<Void> submit(Runnable task) {
        return CompletableFuture.runAsync(task, pool);
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
