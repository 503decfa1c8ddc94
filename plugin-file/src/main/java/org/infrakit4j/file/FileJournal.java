package org.infrakit4j.file;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead journal of an instance directory. Every change is appended here and made durable before it is
 * applied to the instance files, and concurrent appends share one fsync (group commit): that is what lets many
 * clients provision durably at once, where an fsync per instance file would cap the rate at the disk's flush rate.
 * Instance files are fsynced later, in bulk, by a checkpoint; only then is the journal segment that covers them
 * deleted. After a crash, the segments left are replayed in order. Each line is {@code <crc32> <json>\n}, so a torn
 * last line is recognised and ignored. Segments are preallocated with zeros (and that made durable) ahead of the
 * records, so an append's fdatasync flushes data only: it never waits for the file system's metadata journal,
 * which the instance files' creations keep busy.
 */
final class FileJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileJournal.class);
    private static final Pattern SEGMENT = Pattern.compile("\\.journal-(\\d{12})");
    private static final int CHUNK = 512 << 10;

    private final Path dir;
    private final Object syncLock = new Object();
    private FileChannel channel;
    private long segment;
    private long bytes;
    private long allocated;
    private long appended;
    private long synced;

    private FileJournal(Path dir) {
        this.dir = dir;
    }

    /** Segments left from an earlier run, oldest first. */
    static List<Path> segments(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".journal-*")) {
            for (Path p : entries) {
                if (SEGMENT.matcher(p.getFileName().toString()).matches()) {
                    found.add(p);
                }
            }
        }
        found.sort(null);
        return found;
    }

    static boolean isJournalFile(String name) {
        return SEGMENT.matcher(name).matches();
    }

    /** The valid records of a segment, in order; reading stops at the first torn or corrupt line. */
    static List<String> records(Path segment) throws IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(segment, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty() || line.charAt(0) == '\0') {
                    break; // the preallocated, never written part
                }
                int space = line.indexOf(' ');
                String json = space == 8 ? line.substring(9) : null;
                if (json == null || !String.format("%08x", crc(json)).equals(line.substring(0, 8))) {
                    LOG.atWarn().addKeyValue("segment", segment).addKeyValue("record", out.size())
                            .log("journal ends in an incomplete or corrupt record (a write cut short by a crash); ignored");
                    break;
                }
                out.add(json);
            }
        }
        return out;
    }

    /** Opens a new, empty segment numbered after every existing one. */
    static FileJournal open(Path dir, List<Path> existing) throws IOException {
        FileJournal j = new FileJournal(dir);
        long last = 0;
        for (Path p : existing) {
            Matcher m = SEGMENT.matcher(p.getFileName().toString());
            if (m.matches()) {
                last = Math.max(last, Long.parseLong(m.group(1)));
            }
        }
        j.startSegment(last + 1);
        return j;
    }

    /**
     * Switches to a new, preallocated segment. The current one stays in use until the new one is ready, so a
     * failure here (say the directory is briefly gone) leaves the journal appendable.
     */
    private void startSegment(long number) throws IOException {
        Path p = dir.resolve(String.format(".journal-%012d", number));
        FileChannel next = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            preallocate(next, 0);
            syncDirectory(dir); // the segment's name must be durable before its records are relied on
        } catch (IOException | RuntimeException e) {
            next.close();
            try {
                Files.deleteIfExists(p);
            } catch (IOException gone) {
                e.addSuppressed(gone);
            }
            throw e;
        }
        FileChannel previous = channel;
        channel = next;
        segment = number;
        bytes = 0;
        allocated = CHUNK;
        if (previous != null) {
            previous.close();
        }
    }

    /** Appends one record and returns once it is on disk, sharing the fsync with concurrent appends. */
    void append(String json) throws IOException {
        if (json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a journal record must be one line");
        }
        byte[] line = (String.format("%08x", crc(json)) + " " + json + "\n").getBytes(StandardCharsets.UTF_8);
        long ticket;
        FileChannel ch;
        synchronized (this) {
            while (bytes + line.length > allocated) {
                preallocate();
            }
            ch = channel;
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                ch.write(b, bytes + b.position());
            }
            bytes += line.length;
            ticket = ++appended;
        }
        synchronized (syncLock) {
            if (synced >= ticket) {
                return;
            }
            long upTo;
            synchronized (this) {
                upTo = appended;
            }
            ch.force(false);
            synced = upTo;
        }
    }

    /** Extends the segment by a chunk of zeros, durably (size included), before records are written there. */
    private void preallocate() throws IOException {
        preallocate(channel, allocated);
        allocated += CHUNK;
    }

    private static void preallocate(FileChannel ch, long from) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
        for (long at = from; at < from + CHUNK; at += zeros.capacity()) {
            zeros.clear();
            while (zeros.hasRemaining()) {
                ch.write(zeros, at + zeros.position());
            }
        }
        ch.force(true);
    }

    /**
     * Starts a new segment and returns the number of the last one closed. The caller makes sure no append is in
     * flight, and deletes segments up to that number once what they cover is durable.
     */
    synchronized long rotate() throws IOException {
        long closed = segment;
        channel.force(false);
        startSegment(closed + 1);
        return closed;
    }

    /** Deletes the segments numbered up to {@code last}. */
    void deleteUpTo(long last) throws IOException {
        for (Path p : segments(dir)) {
            Matcher m = SEGMENT.matcher(p.getFileName().toString());
            if (m.matches() && Long.parseLong(m.group(1)) <= last) {
                Files.deleteIfExists(p);
            }
        }
        syncDirectory(dir);
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static long crc(String json) {
        CRC32 crc = new CRC32();
        crc.update(json.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
