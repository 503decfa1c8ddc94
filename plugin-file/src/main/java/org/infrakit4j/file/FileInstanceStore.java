package org.infrakit4j.file;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of one directory and their in-memory index, which every read uses. A change is durable when its
 * record is in the {@link FileJournal} (one fsync shared by concurrent writers) and visible at once through the
 * index; the {@link FileCheckpointer} then moves it into the instance files ({@link FileInstanceFiles}) in the
 * background and drops the journal that covered it. Creating a file costs about a millisecond of directory work
 * on these disks, which is why it is not done in the call. At open the directory is locked
 * ({@link FileDirectoryLock}), segments left by a crash are replayed ({@link FileReplay}), then the index is loaded.
 * Only IDs this store generates (or adopted ones, {@link FileReferenceLayout}) become paths.
 */
final class FileInstanceStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileInstanceStore.class);
    static final Pattern ID = FileInstanceFiles.ID;
    private static final SecureRandom RANDOM = new SecureRandom();
    static final long CHECKPOINT_MS = 200;

    private final Path dir;
    private final FileDirectoryLock lock;
    private final FileJournal journal;
    private final ConcurrentMap<String, Indexed> index = new ConcurrentHashMap<>();
    /** Counts the index's changes; {@link #all} makes its array again when this has moved. */
    private final AtomicLong changes = new AtomicLong();
    private volatile Snapshot snapshot = new Snapshot(-1, List.of());
    /** Writers hold it shared; a checkpoint holds it exclusively for the moment it rotates the journal. */
    private final ReadWriteLock gate = new ReentrantReadWriteLock();
    private final FileCheckpointer checkpointer;
    private final BackendMeter meter;

    private FileInstanceStore(Path dir, FileDirectoryLock lock, FileInstanceFiles files, FileJournal journal,
                              BackendMeter meter) {
        this.dir = dir;
        this.lock = lock;
        this.journal = journal;
        this.meter = meter;
        this.checkpointer = new FileCheckpointer(files, journal, gate, meter);
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
        FileDirectoryLock lock = FileDirectoryLock.acquire(abs);
        FileInstanceStore store;
        try {
            FileInstanceFiles files = new FileInstanceFiles(abs);
            List<Path> segments = FileJournal.segments(abs);
            FileReplay.run(segments, files);
            store = new FileInstanceStore(abs, lock, files, FileJournal.open(abs, segments), meter);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        try {
            store.load(adopt);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        store.checkpointer.start(checkpointMs);
        return store;
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
                if (name.startsWith(FileInstanceFiles.TEMP_PREFIX)) {
                    Files.deleteIfExists(p); // an interrupted write: the rename never happened
                    continue;
                }
                if (name.equals(FileDirectoryLock.NAME) || FileJournal.isJournalFile(name)) {
                    continue;
                }
                String suffix = FileInstanceFiles.SUFFIX;
                String id = name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name;
                if (!name.endsWith(suffix) || !ID.matcher(id).matches() || !Files.isRegularFile(p)) {
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
    static final class Indexed {
        private final FileInstance instance;
        private final Description description;
        /** Made by the first Describe with Properties that meets this version of the instance, then reused. */
        private volatile Description withProperties;

        Indexed(FileInstance instance) {
            this.instance = instance;
            this.description = instance.description();
        }

        FileInstance instance() {
            return instance;
        }

        Description description() {
            return description;
        }

        /**
         * The Description with Properties, the same object for every Describe until the instance changes: building
         * the Properties document per instance per call was over half of a Describe with Properties, and a new
         * object each time missed the RPC layer's identity cache. Two racing first calls may each build one; both
         * are equal, and the last one written stays.
         */
        Description withProperties(Function<FileInstance, RawJson> document) {
            Description made = withProperties;
            if (made == null) {
                made = description.withProperties(document.apply(instance));
                withProperties = made;
            }
            return made;
        }
    }

    /** The index's values at one change count. */
    private record Snapshot(long changes, List<Indexed> items) {
    }

    /**
     * Every instance, as an array made once per change: a group polls Describe over unchanged instances, and walking
     * the hash table's buckets for each poll was a fifth of a Describe. A snapshot made while a change lands is
     * stored under the count read before it, so the next call makes it again.
     */
    Collection<Indexed> all() {
        long now = changes.get();
        Snapshot known = snapshot;
        if (known.changes != now) {
            known = new Snapshot(now, List.copyOf(index.values()));
            snapshot = known;
        }
        return known.items;
    }

    /** Journals the instance (durable on return) and makes it visible in the index; its file follows at the checkpoint. */
    void put(FileInstance instance) throws IOException {
        String record = "P " + FileJson.COMPACT.writeValueAsString(instance);
        gate.readLock().lock();
        try {
            append(record);
            index.put(instance.id(), new Indexed(instance));
            changes.incrementAndGet();
            checkpointer.changed(instance.id(), java.util.Optional.of(instance));
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
            checkpointer.changed(id, java.util.Optional.empty());
            boolean removed = index.remove(id) != null;
            changes.incrementAndGet();
            return removed;
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
        String failure = checkpointer.failure();
        if (failure != null) {
            failure = checkpointer.retry();
        }
        if (failure != null) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "writing instance files failed: " + failure);
        }
    }

    /** Writes every pending instance file now instead of at the next checkpoint. */
    void checkpoint() throws IOException {
        checkpointer.checkpoint();
    }

    /** A last checkpoint, so a clean stop leaves no journal behind; then the lock is released. */
    @Override
    public void close() throws IOException {
        try {
            checkpointer.close();
            journal.close();
            journal.deleteUpTo(Long.MAX_VALUE);
        } finally {
            lock.close();
        }
    }
}
