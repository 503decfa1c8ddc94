package org.infrakit4j.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up after an unclean stop: the journal segments a crash left are replayed into the instance files (each
 * {@code P} record written, each {@code D} record deleted), the files made durable, and only then the segments
 * deleted. A torn last record (a write cut short, never acknowledged) was already dropped by
 * {@link FileJournal#records}.
 */
final class FileReplay {
    private static final Logger LOG = LoggerFactory.getLogger(FileReplay.class);

    private FileReplay() {
    }

    /** Replays and deletes the segments; returns how many records were applied. */
    static int run(List<Path> segments, FileInstanceFiles files) throws IOException {
        int applied = 0;
        for (Path segment : segments) {
            for (String record : FileJournal.records(segment)) {
                String arg = record.substring(2);
                if (record.startsWith("P ")) {
                    files.write(FileJson.MAPPER.readValue(arg, FileInstance.class));
                } else if (record.startsWith("D ") && FileInstanceFiles.ID.matcher(arg).matches()) {
                    files.delete(arg);
                }
                applied++;
            }
        }
        if (segments.isEmpty()) {
            return 0;
        }
        boolean triedFileSystemSync = files.fileSystemSync();
        try {
            files.flush();
        } catch (IOException e) {
            // Only a failed file-system sync earns one replay with an fsync per file; a flush that fails that way
            // too is the error (retrying it again would recurse until the stack overflowed).
            if (!triedFileSystemSync || files.fileSystemSync()) {
                throw e;
            }
            return run(segments, files);
        }
        for (Path segment : segments) {
            Files.delete(segment);
        }
        LOG.atInfo().addKeyValue("records", applied).addKeyValue("segments", segments.size())
                .log("replayed the journal left by an unclean stop");
        return applied;
    }
}
