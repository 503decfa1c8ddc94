package org.infrakit4j.file;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import org.infrakit4j.spi.BackendMeter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves journalled changes into the instance files in the background. Each checkpoint takes the changes pending
 * since the last one, switches the journal to a new segment (writers wait only for that moment, on the store's
 * gate), writes the changed files on {@value #SYNC_THREADS} thread (two, creating files in one directory, spent much
 * of their time spinning on its lock in the kernel, CPU a burst of Provisions needs), makes them durable with one
 * flush, and only then deletes the segments that covered them. A failed checkpoint puts its changes back and keeps
 * its journal, so the next one (or a restart's replay) retries; the failure is what health reports until one
 * succeeds.
 */
final class FileCheckpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileCheckpointer.class);
    private static final int SYNC_THREADS = 1;

    private final FileInstanceFiles files;
    private final FileJournal journal;
    private final ReadWriteLock gate;
    private final BackendMeter meter;
    /** Files to write (the instance) or delete (empty) at the next checkpoint, by instance ID. */
    private final ConcurrentMap<String, Optional<FileInstance>> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            daemon("ik4j-file-checkpoint"));
    private final ExecutorService syncers = Executors.newFixedThreadPool(SYNC_THREADS, daemon("ik4j-file-sync"));
    /** Why the last checkpoint failed, or null when it succeeded. */
    private volatile String failure;

    FileCheckpointer(FileInstanceFiles files, FileJournal journal, ReadWriteLock gate, BackendMeter meter) {
        this.files = files;
        this.journal = journal;
        this.gate = gate;
        this.meter = meter;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    void start(long everyMs) {
        scheduler.scheduleWithFixedDelay(this::checkpointQuietly, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /** Records a journalled change (the caller holds the gate shared): the instance's file, or its deletion. */
    void changed(String id, Optional<FileInstance> instance) {
        pending.put(id, instance);
    }

    /** Why the last checkpoint failed, or null. */
    String failure() {
        return failure;
    }

    /**
     * Runs the failed checkpoint again now, on the checkpoint thread, waiting at most half a second, so health
     * turns ok as soon as the cause is gone rather than at the next scheduled checkpoint. Returns the failure
     * that remains, or null.
     */
    String retry() {
        try {
            scheduler.submit(this::checkpointQuietly).get(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            // still failing, or still running: report what is known
        }
        return failure;
    }

    /**
     * Writes the files changed since the last checkpoint durably, then deletes the journal segments that covered
     * them. Writers wait only while the journal switches to a new segment.
     */
    void checkpoint() throws IOException {
        Map<String, Optional<FileInstance>> changed;
        long closed;
        gate.writeLock().lock();
        try {
            if (pending.isEmpty()) {
                return;
            }
            closed = journal.rotate(); // first: if it fails, nothing has been taken out of pending
            changed = Map.copyOf(pending);
            pending.clear();
        } finally {
            gate.writeLock().unlock();
        }
        List<Future<?>> writes = new ArrayList<>();
        for (Map.Entry<String, Optional<FileInstance>> e : changed.entrySet()) {
            writes.add(syncers.submit(() -> {
                if (e.getValue().isPresent()) {
                    files.write(e.getValue().get());
                } else {
                    files.delete(e.getKey());
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : writes) {
                f.get();
            }
            files.flush();
        } catch (InterruptedException | ExecutionException | IOException e) {
            // Not durable as files yet: retry them next time (unless changed since) and keep the journal.
            changed.forEach(pending::putIfAbsent);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
        journal.deleteUpTo(closed);
    }

    private void checkpointQuietly() {
        if (pending.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            checkpoint();
            failure = null;
            meter.record("checkpoint", System.nanoTime() - start, false);
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
            meter.record("checkpoint", System.nanoTime() - start, true);
            // The journal still holds every change; the next checkpoint or a restart's replay retries.
            LOG.atWarn().addKeyValue("error", e.toString()).log("checkpoint failed");
        }
    }

    /**
     * Stops the schedule and runs a last checkpoint, so a clean stop leaves every change in the files.
     *
     * @throws IOException when that checkpoint failed or was interrupted: the journal must then be kept
     */
    @Override
    public void close() throws IOException {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(60, TimeUnit.SECONDS);
            checkpoint();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted before the last checkpoint; the journal is kept");
        } finally {
            syncers.shutdownNow();
        }
    }
}
