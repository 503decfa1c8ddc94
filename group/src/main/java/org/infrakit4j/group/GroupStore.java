package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.spi.RawJson;

/**
 * The committed groups, in one JSON file written atomically (temporary file, fsync, rename, fsync of the
 * directory), so a restart or kill -9 resumes exactly what was committed. A lock file keeps a second group plugin
 * off the same state.
 */
final class GroupStore implements AutoCloseable {
    /** One committed group: its ID, its Properties as committed, and whether a DestroyGroup is under way. */
    record Entry(String id, RawJson properties, boolean destroying) {
        Entry {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(properties, "properties");
        }
    }

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private GroupStore(Path file, FileChannel lockChannel, FileLock lock) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating its directory 0700) and locks the state file. */
    static GroupStore open(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        FileChannel channel = FileChannel.open(abs.resolveSibling(abs.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("another group plugin is using the state file " + abs);
        }
        return new GroupStore(abs, channel, lock);
    }

    Path file() {
        return file;
    }

    List<Entry> load() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        try {
            JsonNode root = GoFields.parse(Files.readString(file));
            for (JsonNode g : GoFields.field(root, "Groups")) {
                entries.add(new Entry(GoFields.string(g, "ID", "Groups[]."), GoFields.raw(g, "Properties"),
                        GoFields.bool(g, "Destroying", "Groups[].")));
            }
        } catch (GoFields.BadJson e) {
            throw new IOException("the state file " + file + " is not readable: " + e.getMessage());
        }
        return entries;
    }

    synchronized void save(Collection<Entry> entries) throws IOException {
        byte[] json = GoJson.toBytes(out -> {
            out.writeStartObject();
            out.writeArrayFieldStart("Groups");
            for (Entry e : entries) {
                out.writeStartObject();
                out.writeStringField("ID", e.id());
                out.writeFieldName("Properties");
                GoJson.writeRaw(out, e.properties());
                out.writeBooleanField("Destroying", e.destroying());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeRaw('\n');
        });
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(json);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + file + " atomically: " + e.getMessage(), e);
        }
        try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename itself is atomic
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
