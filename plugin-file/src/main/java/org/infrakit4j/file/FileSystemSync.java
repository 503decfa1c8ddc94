package org.infrakit4j.file;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a checkpoint's instance files durable with one {@code syncfs(2)} (coreutils {@code sync -f}) instead of an
 * fsync per file. Per-file fsyncs made each checkpoint cost one disk flush per changed instance, and under load
 * those flushes starved the journal's group commits (Provision fell from about 3,500/s to 1,400/s in-process).
 * Once {@code sync -f} fails, it is not used again: the failed checkpoint keeps its journal and is retried with
 * per-file fsyncs.
 */
final class FileSystemSync {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemSync.class);
    private static final long TIMEOUT_SECONDS = 120;

    private final Path dir;
    private volatile boolean available = true;

    FileSystemSync(Path dir) {
        this.dir = dir;
    }

    /** False once {@code sync -f} has failed: files must then be fsynced one by one. */
    boolean available() {
        return available;
    }

    /** Returns once every write to the file system so far is durable. */
    void run() throws IOException {
        try {
            syncFileSystem();
        } catch (IOException e) {
            available = false;
            LOG.atWarn().addKeyValue("error", e.getMessage())
                    .log("sync -f failed: instance files are fsynced one by one from now on");
            throw e;
        }
    }

    private void syncFileSystem() throws IOException {
        Process p = new ProcessBuilder("sync", "-f", dir.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("sync -f " + dir + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during sync -f " + dir, e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("sync -f " + dir + " exited with " + p.exitValue());
        }
    }
}
