package org.infrakit4j.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The lock that keeps a second plugin process off an instance directory: {@code <dir>/.lock}, locked with
 * {@code flock} for as long as the store is open and holding the owner's pid, so the refusal can name it.
 */
final class FileDirectoryLock implements AutoCloseable {
    static final String NAME = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private FileDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir} (an absolute, existing directory) or says which process holds it. */
    static FileDirectoryLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ), FileInstanceFiles.OWNER_ONLY);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM: another store on the same directory
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = Files.readString(file).trim();
            ch.close();
            throw new IOException("another plugin process is using " + dir + " (lock " + file
                    + (holder.isEmpty() ? "" : " held by process " + holder) + ")");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)),
                0);
        return new FileDirectoryLock(ch, lock);
    }

    boolean isValid() {
        return lock.isValid();
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
