package org.infrakit4j.docker;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets the Label tags of containers that no longer exist (removed with {@code docker rm}, or while the plugin was
 * down), so the label store never holds more than the engine's containers: at once when started, then every
 * {@link #INTERVAL}, on one thread of its own.
 */
final class DockerLabelStorePruner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DockerLabelStorePruner.class);
    /** How often the label store is pruned of containers removed behind the plugin's back. */
    static final Duration INTERVAL = Duration.ofMinutes(10);

    private final DockerEngine engine;
    private final DockerLabelStore store;
    private final ScheduledExecutorService thread;

    DockerLabelStorePruner(DockerEngine engine, DockerLabelStore store) {
        this.engine = engine;
        this.store = store;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ik4j-docker-prune");
            t.setDaemon(true);
            return t;
        });
    }

    /** Prunes at once (containers may have been removed while the plugin was down), then now and then. */
    void start() {
        thread.scheduleWithFixedDelay(this::pruneQuietly, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Prunes now.
     *
     * @return how many containers' tags were forgotten
     */
    int prune() {
        Set<String> known = Set.copyOf(store.ids());
        if (known.isEmpty()) {
            return 0;
        }
        Set<String> live = engine.containerIds("list containers to prune the label store");
        try {
            return store.prune(known, live);
        } catch (IOException e) {
            throw store.unwritable(e);
        }
    }

    private void pruneQuietly() {
        try {
            int gone = prune();
            if (gone > 0) {
                LOG.atInfo().addKeyValue("containers", gone).log("label store pruned of containers that are gone");
            }
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("error", e.getMessage()).log("label store not pruned this time");
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
