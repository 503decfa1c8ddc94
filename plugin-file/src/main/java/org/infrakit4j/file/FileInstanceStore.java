package org.infrakit4j.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance files of one directory and their in-memory index. Each instance is one file {@code <ID>.json},
 * written atomically and durably (temp file, fsync, rename, directory fsync), so a reader or a crash never sees a
 * partial file. The index is loaded once at open and kept in step with every write; a lock file keeps a second
 * process off the directory. Only IDs this store generates ever become paths.
 */
final class FileInstanceStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileInstanceStore.class);
    static final Pattern ID = Pattern.compile("instance-[0-9a-f]{16}");
    private static final String SUFFIX = ".json";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final DirectorySync dirSync;
    private final ConcurrentMap<String, FileInstance> index = new ConcurrentHashMap<>();

    private FileInstanceStore(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.dirSync = new DirectorySync(dir);
    }

    /** Opens (creating, mode 0700) and locks the directory, then loads every valid instance file. */
    static FileInstanceStore open(Path dir) throws IOException {
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
        FileInstanceStore store = new FileInstanceStore(abs, ch, lock);
        store.load();
        return store;
    }

    private void load() throws IOException {
        int skipped = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) {
                    Files.deleteIfExists(p); // an interrupted write: the rename never happened
                    continue;
                }
                if (name.equals(".lock")) {
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
                    index.put(id, instance);
                } catch (IOException | RuntimeException e) {
                    LOG.atWarn().addKeyValue("file", p).addKeyValue("error", e.getMessage())
                            .log("skipping a corrupt instance file");
                    skipped++;
                }
            }
        }
        LOG.atInfo().addKeyValue("dir", dir).addKeyValue("instances", index.size()).addKeyValue("skipped", skipped)
                .log("loaded instance files");
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
        return ID.matcher(id).matches() ? index.get(id) : null;
    }

    Collection<FileInstance> all() {
        return index.values();
    }

    /** Writes the instance's file durably, then makes it visible in the index. */
    void put(FileInstance instance) throws IOException {
        byte[] json = FileJson.MAPPER.writeValueAsBytes(instance);
        Path target = pathOf(instance.id());
        Path temp = dir.resolve(TEMP_PREFIX + instance.id() + "-" + Long.toHexString(RANDOM.nextLong()));
        try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OWNER_ONLY)) {
            ByteBuffer buffer = ByteBuffer.wrap(json);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        dirSync.sync();
        index.put(instance.id(), instance);
    }

    /** Deletes the instance's file durably and drops it from the index; false when it did not exist. */
    boolean remove(String id) throws IOException {
        if (!ID.matcher(id).matches() || !index.containsKey(id)) {
            return false;
        }
        try {
            Files.delete(pathOf(id));
        } catch (NoSuchFileException e) {
            LOG.atWarn().addKeyValue("instance", id).log("instance file was already gone");
        }
        dirSync.sync();
        return index.remove(id) != null;
    }

    private Path pathOf(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an instance ID of this store");
        }
        return dir.resolve(id + SUFFIX);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }

    /**
     * fsync of the directory shared by concurrent writers: one fsync covers every rename made before it began,
     * so N concurrent writes cost about one directory fsync, not N.
     */
    private static final class DirectorySync {
        private final Path dir;
        private final Object syncLock = new Object();
        private long requested;
        private long synced;

        DirectorySync(Path dir) {
            this.dir = dir;
        }

        void sync() throws IOException {
            long ticket;
            synchronized (this) {
                ticket = ++requested;
            }
            synchronized (syncLock) {
                if (synced >= ticket) {
                    return;
                }
                long upTo;
                synchronized (this) {
                    upTo = requested;
                }
                try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                    ch.force(true);
                }
                synced = upTo;
            }
        }
    }
}
