package org.infrakit4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.infrakit4j.docker.DockerEngine.Operation;
import org.infrakit4j.runtime.LogEscaper;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;

/**
 * Which of the plugin's containers are dead, and the reaper's view of them. Dead: {@code exited} or {@code dead}, or
 * {@code created} more than {@link #START_GRACE} ago (its start failed, or the plugin stopped before starting it),
 * unless this plugin is starting it right now. A container the engine will restart by its RestartPolicy is
 * {@code restarting}, never {@code exited}, so it is alive; so are {@code running} and {@code paused}.
 */
final class DockerDeadContainers implements Reaper.Backend, AutoCloseable {
    /** The states a dead container is in: metrics labels, so a fixed set. */
    static final Set<String> DEAD_STATES = Set.of("exited", "dead", "created");
    /**
     * How long a container may stay {@code created} before it counts as a start that failed: far beyond a start on a
     * busy engine, and the plugin's own set-ups are never counted, however long they take.
     */
    static final Duration START_GRACE = Duration.ofSeconds(60);
    /** Output lines logged before a dead container is reaped, and their bound in bytes. */
    static final int LOG_LINES = 20;
    static final int LOG_BYTES = 4096;
    /** Log bytes read at most, the newest kept: 20 lines can be as long as the container likes. */
    private static final int LOG_READ_LIMIT = 64 * 1024;

    /** The removal of a found container through the plugin's own Destroy path (checks, bookkeeping, locks). */
    @FunctionalInterface
    interface Removal {
        CompletableFuture<Void> start(Container found, String reason);
    }

    /** The reaper's own engine worker. */
    private final DockerEngine engine;
    private final DockerClient docker;
    private final DockerLabels labels;
    private final DockerInstanceLocks locks;
    private final Predicate<String> stopping;
    private final Removal removal;
    /** Containers this plugin is starting now (a set-up after create, a pet started again): never dead. */
    private final Set<String> starting = ConcurrentHashMap.newKeySet();

    /**
     * @param engine the plugin's engine; the sweeps' own calls go through {@link DockerEngine#forSweeps()}
     */
    DockerDeadContainers(DockerEngine engine, DockerLabels labels, DockerInstanceLocks locks,
                         Predicate<String> stopping, Removal removal) {
        this.engine = engine.forSweeps();
        this.docker = engine.client();
        this.labels = labels;
        this.locks = locks;
        this.stopping = stopping;
        this.removal = removal;
    }

    /** The plugin starts {@code id} now; call {@link #started} when that is over, however it ended. */
    void starting(String id) {
        starting.add(id);
    }

    void started(String id) {
        starting.remove(id);
    }

    boolean isStarting(String id) {
        return starting.contains(id);
    }

    /** The container's dead state, or empty when it is alive (or this plugin is starting it). */
    Optional<String> deadState(String id, String state, Instant created, Instant now) {
        if (state == null || starting.contains(id)) {
            return Optional.empty();
        }
        return switch (state) {
            case "exited", "dead" -> Optional.of(state);
            case "created" -> created.plus(START_GRACE).isBefore(now) ? Optional.of(state) : Optional.empty();
            default -> Optional.empty();
        };
    }

    Optional<String> deadState(Container c, Instant now) {
        return deadState(c.getId(), c.getState(), created(c), now);
    }

    Optional<String> deadState(InspectContainerResponse c, Instant now) {
        Instant created;
        try {
            created = c.getCreated() == null ? now : Instant.parse(c.getCreated());
        } catch (DateTimeParseException e) {
            created = now; // unreadable: not counted as an old failed start
        }
        return deadState(c.getId(), c.getState() == null ? null : c.getState().getStatus(), created, now);
    }

    private static Instant created(Container c) {
        return c.getCreated() == null ? Instant.now() : Instant.ofEpochSecond(c.getCreated());
    }

    Reaper.DeadInstance deadInstance(Container c, String state) {
        return new Reaper.DeadInstance(new InstanceId(c.getId()), DockerLabels.logicalId(c.getLabels()), state);
    }

    /** One engine list of the plugin's containers (marker and namespace) in a dead state. */
    @Override
    public List<Reaper.DeadInstance> listDead() {
        List<Container> listed = engine.call(Operation.CONTAINER_LIST, "list dead containers",
                () -> docker.listContainersCmd().withShowAll(true)
                        .withLabelFilter(labels.engineFilter(Map.of(), Set.of()))
                        .withStatusFilter(DEAD_STATES).exec());
        Instant now = Instant.now();
        List<Reaper.DeadInstance> dead = new ArrayList<>();
        for (Container c : listed) {
            if (!ours(c.getLabels()) || stopping.test(c.getId())) {
                continue; // the engine filtered already; checked again since the reaper destroys what this returns
            }
            deadState(c, now).ifPresent(state -> dead.add(deadInstance(c, state)));
        }
        return dead;
    }

    private boolean ours(Map<String, String> have) {
        return labels.isManaged(have) && labels.inNamespace(have);
    }

    /** Exit code, OOM kill, the engine's error, when it finished, and the last lines of its output. */
    @Override
    public Map<String, String> lastState(Reaper.DeadInstance dead) {
        String id = dead.id().value();
        Map<String, String> last = new LinkedHashMap<>();
        Optional<InspectContainerResponse> found = engine.inspectContainer(id);
        if (found.isEmpty()) {
            last.put("lastState", "gone");
            return last;
        }
        InspectContainerResponse.ContainerState s = found.get().getState();
        if (s != null) {
            last.put("exitCode", String.valueOf(s.getExitCodeLong()));
            last.put("oomKilled", String.valueOf(Boolean.TRUE.equals(s.getOOMKilled())));
            if (s.getError() != null && !s.getError().isEmpty()) {
                last.put("error", LogEscaper.escape(s.getError()));
            }
            last.put("finishedAt", String.valueOf(s.getFinishedAt()));
        }
        try {
            last.put("output", output(id));
        } catch (InstanceException e) {
            last.put("output", "unavailable: " + e.getMessage()); // a log driver that cannot be read, say
        }
        return last;
    }

    /** The last {@link #LOG_LINES} lines of stdout and stderr, each escaped, at most {@link #LOG_BYTES} bytes. */
    String output(String id) {
        byte[] bytes = engine.call(Operation.CONTAINER_LOGS, "read the logs of container " + id, () -> {
            Tail tail = new Tail();
            try (ResultCallback.Adapter<Frame> read = docker.logContainerCmd(id).withStdOut(true).withStdErr(true)
                    .withTail(LOG_LINES).exec(tail)) {
                read.awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstanceException(ErrorCode.INTERNAL, "interrupted reading the logs of " + id, e);
            } catch (IOException e) {
                // closing the stream: what was read stands
            }
            return tail.bytes();
        });
        return lastLines(new String(bytes, StandardCharsets.UTF_8));
    }

    /** The last lines of {@code text}, each escaped, joined by an escaped line break, within the bounds. */
    static String lastLines(String text) {
        String[] lines = text.split("\r?\n", -1);
        int end = lines.length;
        if (end > 0 && lines[end - 1].isEmpty()) {
            end--; // the text's final line break
        }
        Deque<String> kept = new ArrayDeque<>();
        int bytes = 0;
        for (int i = end - 1; i >= 0 && kept.size() < LOG_LINES; i--) {
            String line = LogEscaper.escape(lines[i]);
            int size = line.getBytes(StandardCharsets.UTF_8).length + (kept.isEmpty() ? 0 : 2);
            if (bytes + size > LOG_BYTES) {
                if (kept.isEmpty()) {
                    kept.addFirst("..." + tailOf(line, LOG_BYTES - 3)); // one line longer than the bound
                }
                break;
            }
            kept.addFirst(line);
            bytes += size;
        }
        return String.join("\\n", kept);
    }

    /** The end of an (escaped, so mostly ASCII) line in at most {@code max} UTF-8 bytes. */
    private static String tailOf(String line, int max) {
        int from = line.length();
        int bytes = 0;
        while (from > 0) {
            int size = String.valueOf(line.charAt(from - 1)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > max) {
                break;
            }
            bytes += size;
            from--;
        }
        return line.substring(from);
    }

    /** The newest log bytes, at most {@link #LOG_READ_LIMIT}. */
    private static final class Tail extends ResultCallback.Adapter<Frame> {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        @Override
        public synchronized void onNext(Frame frame) {
            byte[] payload = frame.getPayload();
            if (payload == null) {
                return;
            }
            buffer.write(payload, 0, payload.length);
            if (buffer.size() > 2 * LOG_READ_LIMIT) {
                byte[] all = buffer.toByteArray();
                buffer.reset();
                buffer.write(all, all.length - LOG_READ_LIMIT, LOG_READ_LIMIT);
            }
        }

        synchronized byte[] bytes() {
            return buffer.toByteArray();
        }
    }

    /**
     * Checks under the container's lock that it is still ours and dead, then removes it through the plugin's own
     * Destroy path and waits for the removal to end, so that only a container really removed is counted as reaped.
     */
    @Override
    public boolean reapIfStillDead(Reaper.DeadInstance dead) {
        String id = dead.id().value();
        List<CompletableFuture<Void>> started = new ArrayList<>(1);
        int[] grace = {0};
        locks.run(id, () -> {
            if (stopping.test(id)) {
                return; // a Destroy is removing it
            }
            Optional<Container> found = engine.findContainer(id);
            if (found.isEmpty() || !ours(found.get().getLabels())
                    || deadState(found.get(), Instant.now()).isEmpty()) {
                return; // gone, or started again
            }
            // Under the lock, so a pet's Provision cannot start it between this check and the removal's start.
            grace[0] = DockerLabels.stopTimeout(found.get().getLabels()).orElse(DockerLabels.DEFAULT_STOP_TIMEOUT);
            started.add(removal.start(found.get(), "reaped: dead (" + dead.state() + ")"));
        });
        if (started.isEmpty()) {
            return false;
        }
        // Its stop (at once: it is not running) and its removal, each bounded by the engine timeout.
        Duration bound = engine.timeout().multipliedBy(2).plusSeconds(grace[0]);
        try {
            started.get(0).get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + engine.host()
                    + ": removal of dead container " + id + " not done within " + bound.toSeconds() + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InstanceException ie) {
                throw ie;
            }
            throw new InstanceException(ErrorCode.INTERNAL, "removal of dead container " + id + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.INTERNAL, "interrupted waiting for the removal of " + id, e);
        }
    }


    /** Stops the sweeps' engine worker; the engine's client stays open. */
    @Override
    public void close() throws IOException {
        engine.close();
    }
}
