package org.infrakit4j.file;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * Loads the instance-file JSON mapping (Jackson's databind, several hundred classes) and seeds the random source
 * on another core while the command line is parsed, so the first Provision after start does not pay for them. In
 * memory only: no file is written.
 */
final class FileWarmUp {
    private FileWarmUp() {
    }

    /** Starts the warm-up on a daemon thread; nothing waits for it (the first call would load the same anyway). */
    static void start() {
        Thread t = new Thread(FileWarmUp::run, "ik4j-file-warmup");
        t.setDaemon(true);
        t.start();
    }

    static void run() {
        try {
            // First: the plugin's factory needs the random source (instance IDs) about 150 ms into start-up, and
            // seeding it first loads the JDK's security providers (20-30 ms); Jackson is needed only by the first call.
            new SecureRandom().nextLong();
            Instant now = Instant.now();
            FileInstance sample = FileInstance.create("instance-0000000000000000",
                    Spec.of(RawJson.of("{\"size\":\"small\",\"i\":1}"), Map.of("a", "b")), now);
            // What Provision does: a journal record, then the instance file. Reading is left out: only a restart
            // reads, and its deserializers would cost idle memory (about 10 MB) for nothing.
            FileJson.COMPACT.writeValueAsString(sample);
            FileJson.MAPPER.writeValueAsBytes(sample);
        } catch (IOException | RuntimeException e) {
            // Only a head start: the calls load what they need themselves.
        }
    }
}
