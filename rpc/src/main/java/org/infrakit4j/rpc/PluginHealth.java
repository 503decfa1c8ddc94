package org.infrakit4j.rpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.HealthProbe;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstancePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /healthz}: asks every plugin that is a {@link HealthProbe} whether its backend answers, waiting at
 * most the given time. One probe round runs at a time; requests arriving meanwhile wait for that round instead of
 * piling more calls onto a backend that hangs.
 */
final class PluginHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginHealth.class);
    private final Map<String, HealthProbe> probes = new TreeMap<>();
    private final Duration wait;
    /** One round runs at a time, so one thread; a round still hung when the next is due keeps it. */
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ik4j-health");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<CompletableFuture<List<String>>> round = new AtomicReference<>();

    PluginHealth(Map<String, InstancePlugin> plugins, Duration wait) {
        plugins.forEach((type, plugin) -> {
            if (plugin instanceof HealthProbe probe) {
                probes.put(type, probe);
            }
        });
        this.wait = wait;
    }

    /** The problems found, empty when healthy. */
    List<String> check() {
        CompletableFuture<List<String>> current = round.get();
        if (current == null || current.isDone()) {
            CompletableFuture<List<String>> next = new CompletableFuture<>();
            if (round.compareAndSet(current, next)) {
                try {
                    runner.execute(() -> next.complete(probeAll()));
                } catch (RejectedExecutionException e) {
                    next.complete(List.of("stopping"));
                }
                current = next;
            } else {
                current = round.get();
            }
        }
        try {
            return current.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return List.of(WireErrors.prefix(ErrorCode.BACKEND_UNAVAILABLE) + "no answer within " + wait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("interrupted");
        } catch (ExecutionException e) {
            return List.of(WireErrors.prefix(ErrorCode.INTERNAL) + "the health check failed; the plugin's log has the details");
        }
    }

    private List<String> probeAll() {
        List<String> problems = new ArrayList<>();
        probes.forEach((type, probe) -> {
            String prefix = type.isEmpty() ? "" : type + ": ";
            try {
                probe.checkHealth();
            } catch (RuntimeException e) {
                problems.add(prefix + (e instanceof InstanceException failure ? WireErrors.text(failure)
                        : e.getMessage() == null ? WireErrors.prefix(ErrorCode.INTERNAL) + "the health probe failed" : e.getMessage()));
            } catch (LinkageError | StackOverflowError | AssertionError e) {
                // Not caught, it would end the round without an answer and every later /healthz would wait on it.
                LOG.atError().setCause(e).addKeyValue("type", type).log("health probe failed unexpectedly");
                problems.add(prefix + WireErrors.prefix(ErrorCode.INTERNAL) + "the health probe failed unexpectedly; the plugin's log has "
                        + "the details");
            }
        });
        return problems;
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
