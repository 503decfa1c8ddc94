package org.infrakit4j.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The instance files of a directory, {@code <ID>.json} each: written atomically (a temp file renamed over the old
 * one), deleted, and made durable together ({@link #flush}: one file-system sync while {@link FileSystemSync}
 * works, else the directory is fsynced after each temp file was). Only IDs of {@link #ID}'s form become paths.
 */
final class FileInstanceFiles {
    /** Our IDs (16 hex digits), and the decimal ones of InfraKit's Go file plugin, kept when adopted. */
    static final Pattern ID = Pattern.compile("instance-([0-9a-f]{16}|[0-9]{1,19})");
    static final String SUFFIX = ".json";
    static final String TEMP_PREFIX = ".tmp-";
    static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final FileSystemSync fsSync;

    FileInstanceFiles(Path dir) {
        this.dir = dir;
        this.fsSync = new FileSystemSync(dir);
    }

    /** Whether the next flush is one file-system sync (false once it has failed). */
    boolean fileSystemSync() {
        return fsSync.available();
    }

    /**
     * Replaces the instance's file atomically: a temp file renamed over it. Durable once {@link #flush} has run
     * (the temp file is fsynced here when the file-system sync is not available).
     */
    void write(FileInstance instance) throws IOException {
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

    void delete(String id) throws IOException {
        Files.deleteIfExists(pathOf(id));
    }

    /** Makes the files written, renamed and deleted so far durable, with their directory entries. */
    void flush() throws IOException {
        if (fsSync.available()) {
            fsSync.run();
        } else {
            FileJournal.syncDirectory(dir);
        }
    }

    Path pathOf(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an instance ID of this store");
        }
        return dir.resolve(id + SUFFIX);
    }
}
