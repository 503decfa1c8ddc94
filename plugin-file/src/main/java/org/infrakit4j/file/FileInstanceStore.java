package org.infrakit4j.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance files of one directory and their in-memory index. A change is durable when its record is in the
 * {@link FileJournal} (one fsync shared by concurrent writers) and visible at once through the index, which every
 * read uses. A background checkpoint (every 200 ms) then writes the changed instance files — each {@code <ID>.json}
 * replaced atomically: temp file, rename — makes them durable with one file-system sync ({@link FileSystemSync};
 * an fsync per file where that is unavailable), and drops the journal segment that covered them. Creating a file
 * costs about a millisecond of directory work on these disks, which is why it is not done in the call. At open,
 * segments left by a crash are replayed the same way, then the index is loaded. A lock file keeps a second process off the directory. Only IDs this store generates become paths.
 */
final class FileInstanceStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileInstanceStore.class);
    /** Our IDs (16 hex digits), and the decimal ones of InfraKit's Go file plugin, kept when adopted. */
    static final Pattern ID = Pattern.compile("instance-([0-9a-f]{16}|[0-9]{1,19})");
    private static final String SUFFIX = ".json";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SYNC_THREADS = 2;
    static final long CHECKPOINT_MS = 200;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ConcurrentMap<String, Indexed> index = new ConcurrentHashMap<>();
    /** Writers hold it shared; a checkpoint holds it exclusively for the moment it rotates the journal. */
    private final ReadWriteLock gate = new ReentrantReadWriteLock();
    /** Files to write (the instance) or delete (empty) at the next checkpoint, by instance ID. */
    private final ConcurrentMap<String, java.util.Optional<FileInstance>> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checkpointer;
    private final ExecutorService syncers;
    private final BackendMeter meter;
    /** One file-system flush per checkpoint while available, else an fsync per file. */
    private final FileSystemSync fsSync;
    /** Why the last checkpoint failed, or null when it succeeded. */
    private volatile String checkpointFailure;
    private FileJournal journal;

    private FileInstanceStore(Path dir, FileChannel lockChannel, FileLock lock, BackendMeter meter) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.meter = meter;
        this.fsSync = new FileSystemSync(dir);
        this.checkpointer = Executors.newSingleThreadScheduledExecutor(daemon("ik4j-file-checkpoint"));
        this.syncers = Executors.newFixedThreadPool(SYNC_THREADS, daemon("ik4j-file-sync"));
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Opens (creating, mode 0700) and locks the directory, then loads every valid instance file. */
    static FileInstanceStore open(Path dir, long checkpointMs, BackendMeter meter) throws IOException {
        return open(dir, checkpointMs, meter, false);
    }

    /**
     * As {@link #open(Path, long, BackendMeter)}; with {@code adopt}, the instance files InfraKit's Go file plugin
     * left in the directory become ours ({@link FileReferenceLayout}).
     */
    static FileInstanceStore open(Path dir, long checkpointMs, BackendMeter meter, boolean adopt) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Files.createDirectories(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path lockFile = abs.resolve(".lock");
        FileChannel ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ), OWNER_ONLY);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = Files.readString(lockFile).trim();
            ch.close();
            throw new IOException("another plugin process is using " + abs + " (lock " + lockFile
                    + (holder.isEmpty() ? "" : " held by process " + holder) + ")");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)),
                0);
        FileInstanceStore store = new FileInstanceStore(abs, ch, lock, meter);
        try {
            store.recover();
            store.load(adopt);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        store.checkpointer.scheduleWithFixedDelay(store::checkpointQuietly, checkpointMs, checkpointMs,
                TimeUnit.MILLISECONDS);
        return store;
    }

    /** Replays journal segments a crash left, writing each file durably, then drops them. */
    private void recover() throws IOException {
        List<Path> segments = FileJournal.segments(dir);
        int applied = 0;
        for (Path segment : segments) {
            for (String record : FileJournal.records(segment)) {
                String arg = record.substring(2);
                if (record.startsWith("P ")) {
                    FileInstance instance = FileJson.MAPPER.readValue(arg, FileInstance.class);
                    writeFile(instance);
                } else if (record.startsWith("D ") && ID.matcher(arg).matches()) {
                    Files.deleteIfExists(pathOf(arg));
                }
                applied++;
            }
        }
        if (!segments.isEmpty()) {
            boolean triedFileSystemSync = fsSync.available();
            try {
                flushFiles();
            } catch (IOException e) {
                // Only a failed file-system sync earns one replay with an fsync per file; a flush that fails
                // that way too is the error (retrying it again would recurse until the stack overflowed).
                if (!triedFileSystemSync || fsSync.available()) {
                    throw e;
                }
                recover();
                return;
            }
            for (Path segment : segments) {
                Files.delete(segment);
            }
            LOG.atInfo().addKeyValue("records", applied).addKeyValue("segments", segments.size())
                    .log("replayed the journal left by an unclean stop");
        }
        journal = FileJournal.open(dir, segments);
    }

    private void load(boolean adopt) throws IOException {
        int skipped = 0;
        List<Path> reference = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (FileReferenceLayout.isReferenceName(name)) {
                    reference.add(p); // after our own files: ours wins where both exist
                    continue;
                }
                if (name.startsWith(TEMP_PREFIX)) {
                    Files.deleteIfExists(p); // an interrupted write: the rename never happened
                    continue;
                }
                if (name.equals(".lock") || FileJournal.isJournalFile(name)) {
                    continue;
                }
                String id = name.endsWith(SUFFIX) ? name.substring(0, name.length() - SUFFIX.length()) : name;
                if (!name.endsWith(SUFFIX) || !ID.matcher(id).matches() || !Files.isRegularFile(p)) {
                    LOG.atWarn().addKeyValue("file", p).log("skipping a file that is not an instance file");
                    skipped++;
                    continue;
                }
                try {
                    FileInstance instance = FileJson.MAPPER.readValue(p.toFile(), FileInstance.class);
                    if (!instance.id().equals(id)) {
                        throw new IOException("its ID " + instance.id() + " does not match its name");
                    }
                    index.put(id, new Indexed(instance));
                } catch (IOException | RuntimeException e) {
                    LOG.atWarn().addKeyValue("file", p).addKeyValue("error", e.getMessage())
                            .log("skipping a corrupt instance file");
                    skipped++;
                }
            }
        }
        if (!reference.isEmpty() && !adopt) {
            LOG.atWarn().addKeyValue("dir", dir).addKeyValue("files", reference.size())
                    .log("instance files of InfraKit's Go file plugin are here and not served: start with --adopt "
                            + "to take them over");
        }
        int adopted = adopt ? adopt(reference) : 0;
        LOG.atInfo().addKeyValue("dir", dir).addKeyValue("instances", index.size()).addKeyValue("skipped", skipped)
                .addKeyValue("adopted", adopted).log("loaded instance files");
    }

    /**
     * Makes the Go plugin's instance files ours: each is journalled as our instance under its own ID (durable
     * before anything is deleted), then its file is removed, so a later start needs no --adopt. A file whose ID
     * is already ours is the leftover of an adoption interrupted after the journal write: it is only removed.
     * A file that cannot be read as the Go plugin's is left alone and reported.
     */
    private int adopt(List<Path> files) throws IOException {
        int adopted = 0;
        for (Path file : files) {
            String id = file.getFileName().toString();
            if (!index.containsKey(id)) {
                FileInstance instance;
                try {
                    instance = FileReferenceLayout.read(file);
                } catch (IOException e) {
                    LOG.atWarn().addKeyValue("file", file).addKeyValue("error", e.getMessage())
                            .log("not adopting a file that is not one InfraKit's Go file plugin wrote");
                    continue;
                }
                put(instance);
                adopted++;
            }
            Files.delete(file);
        }
        return adopted;
    }

    Path directory() {
        return dir;
    }

    /** A fresh ID of the form {@code instance-<16 hex digits>}, not in use. */
    String newId() {
        byte[] bytes = new byte[8];
        String id;
        do {
            RANDOM.nextBytes(bytes);
            id = "instance-" + HexFormat.of().formatHex(bytes);
        } while (index.containsKey(id));
        return id;
    }

    FileInstance get(String id) {
        Indexed found = ID.matcher(id).matches() ? index.get(id) : null;
        return found == null ? null : found.instance();
    }

    /**
     * An instance and its Description, made once per change: Describe returns the same Description object for an
     * unchanged instance, so the RPC layer's encoded-JSON cache finds it by identity, without hashing its tags.
     */
    record Indexed(FileInstance instance, Description description) {
        Indexed(FileInstance instance) {
            this(instance, instance.description());
        }
    }

    Collection<Indexed> all() {
        return index.values();
    }

    /** Journals the instance (durable on return) and makes it visible in the index; its file follows at the checkpoint. */
    void put(FileInstance instance) throws IOException {
        String record = "P " + FileJson.COMPACT.writeValueAsString(instance);
        gate.readLock().lock();
        try {
            append(record);
            index.put(instance.id(), new Indexed(instance));
            pending.put(instance.id(), java.util.Optional.of(instance));
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Journals the deletion and drops it from the index (the file goes at the checkpoint); false if unknown. */
    boolean remove(String id) throws IOException {
        if (!ID.matcher(id).matches() || !index.containsKey(id)) {
            return false;
        }
        gate.readLock().lock();
        try {
            append("D " + id);
            pending.put(id, java.util.Optional.empty());
            return index.remove(id) != null;
        } finally {
            gate.readLock().unlock();
        }
    }

    private void append(String record) throws IOException {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            journal.append(record);
            failed = false;
        } finally {
            meter.record("journal.append", System.nanoTime() - start, failed);
        }
    }

    /** Throws when the directory is gone, not writable, no longer locked, or the last checkpoint failed. */
    void checkHealth() {
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "directory " + dir
                    + " is missing or not writable");
        }
        if (!lock.isValid()) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "lost the lock on " + dir);
        }
        String failure = checkpointFailure;
        if (failure != null) {
            failure = retryCheckpoint();
        }
        if (failure != null) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "writing instance files failed: " + failure);
        }
    }

    /**
     * Runs the failed checkpoint again now, on the checkpoint thread, waiting at most half a second, so health
     * turns ok as soon as the cause is gone rather than at the next scheduled checkpoint. Returns the failure
     * that remains, or null.
     */
    private String retryCheckpoint() {
        try {
            checkpointer.submit(this::checkpointQuietly).get(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            // still failing, or still running: report what is known
        }
        return checkpointFailure;
    }

    /**
     * Replaces the instance's file atomically: a temp file renamed over it. Durable once the caller has run
     * {@link #flushFiles} (the temp file is fsynced here when the file-system sync is not available).
     */
    private void writeFile(FileInstance instance) throws IOException {
        byte[] json = FileJson.MAPPER.writeValueAsBytes(instance);
        Path temp = dir.resolve(TEMP_PREFIX + instance.id() + "-" + Long.toHexString(RANDOM.nextLong()));
        try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OWNER_ONLY)) {
            ByteBuffer buffer = ByteBuffer.wrap(json);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            if (!fsSync.available()) {
                ch.force(true);
            }
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Files.move(temp, pathOf(instance.id()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /**
     * Writes the files changed since the last checkpoint durably, then deletes the journal segments that covered
     * them. Writers wait only while the journal switches to a new segment.
     */
    void checkpoint() throws IOException {
        Map<String, java.util.Optional<FileInstance>> changed;
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
        for (Map.Entry<String, java.util.Optional<FileInstance>> e : changed.entrySet()) {
            writes.add(syncers.submit(() -> {
                if (e.getValue().isPresent()) {
                    writeFile(e.getValue().get());
                } else {
                    Files.deleteIfExists(pathOf(e.getKey()));
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : writes) {
                f.get();
            }
            flushFiles();
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

    /** Makes the files written and renamed so far durable, with their directory entries. */
    private void flushFiles() throws IOException {
        if (fsSync.available()) {
            fsSync.run();
        } else {
            FileJournal.syncDirectory(dir);
        }
    }

    private void checkpointQuietly() {
        if (pending.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            checkpoint();
            checkpointFailure = null;
            meter.record("checkpoint", System.nanoTime() - start, false);
        } catch (IOException | RuntimeException e) {
            checkpointFailure = e.toString();
            meter.record("checkpoint", System.nanoTime() - start, true);
            // The journal still holds every change; the next checkpoint or a restart's replay retries.
            LOG.atWarn().addKeyValue("dir", dir).addKeyValue("error", e.toString()).log("checkpoint failed");
        }
    }

    private Path pathOf(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an instance ID of this store");
        }
        return dir.resolve(id + SUFFIX);
    }

    /** A last checkpoint, so a clean stop leaves no journal behind; then the lock is released. */
    @Override
    public void close() throws IOException {
        checkpointer.shutdown();
        try {
            checkpointer.awaitTermination(60, TimeUnit.SECONDS);
            if (journal != null) {
                checkpoint();
                journal.close();
                journal.deleteUpTo(Long.MAX_VALUE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            syncers.shutdownNow();
            try {
                lock.release();
            } finally {
                lockChannel.close();
            }
        }
    }
}
