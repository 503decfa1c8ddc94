package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * The plugin's collaborators wired as the plugin wires them, on the real engine, for tests of one of them: containers
 * made here are created as Provision creates them (same spec, same labels) and carry a run tag, so {@link #close}
 * removes every one of them.
 */
final class DockerPluginParts implements AutoCloseable {
    /** Long enough that a start or a removal on a busy engine finishes within it: the tests assert outcomes. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    final Map<String, String> namespace = Map.of("ik4j.test.parts", DockerTestBackend.randomHex(6));
    final Map<String, String> runTag = Map.of("ik4j-run", DockerTestBackend.randomHex(6));
    final DockerClient docker = DockerTestBackend.client(DockerTestBackend.host());
    final DockerEngine engine = DockerEngine.connect(DockerEngine.Config.of(DockerTestBackend.host()),
            BackendMeter.NONE);
    final DockerLabels labels = new DockerLabels(namespace);
    final DockerLabelStore store;
    final DockerInstanceLocks locks = new DockerInstanceLocks();
    final DockerDeadContainers dead;
    final DockerContainerWork work;
    final DockerPets pets;

    private final Path dir;

    /** Wired afresh, with a label store in a temporary directory of its own (removed by {@link #close}). */
    DockerPluginParts() {
        try {
            dir = Files.createTempDirectory("ik4j-docker-parts");
            store = DockerLabelStore.open(dir.resolve("labels.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // No reaper runs here: nothing asks the dead containers for a removal.
        dead = new DockerDeadContainers(engine, labels, locks, id -> false,
                (c, why) -> CompletableFuture.failedFuture(new AssertionError("no reaper here")));
        work = new DockerContainerWork(engine, locks, store, dead, PATIENCE);
        pets = new DockerPets(engine, labels, store, dead, work);
    }

    /** A pet's spec running {@code cmd} (a JSON array) on no network, with the run tag and {@code tags}. */
    Spec pet(String logicalId, String cmd, Map<String, String> tags) {
        return petWith(logicalId, "\"Cmd\":" + cmd + ",\"NetworkMode\":\"none\"", tags);
    }

    /** A pet's spec with these Properties {@code members} besides Image and Pull, the run tag and {@code tags}. */
    Spec petWith(String logicalId, String members, Map<String, String> tags) {
        Map<String, String> all = new HashMap<>(tags);
        all.putAll(runTag);
        return Spec.of(new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + members + "}"), all).withLogicalId(logicalId);
    }

    /** What Provision makes of {@code spec}, with this namespace's labels. */
    DockerContainerSpec containerSpec(Spec spec) {
        return containerSpec(spec, labels);
    }

    DockerContainerSpec containerSpec(Spec spec, DockerLabels as) {
        DockerRequest request = DockerPropertiesDecoder.decode(spec.properties());
        return DockerContainerSpec.of(request, spec, as.forCreate(request.properties(), spec.tags(),
                spec.logicalId()));
    }

    /** Creates the container as Provision's create call does, without starting it. */
    String create(DockerContainerSpec c) {
        return c.apply(docker.createContainerCmd(DockerTestBackend.image()), null).exec().getId();
    }

    /** The container's state ({@code running}, {@code exited}, ...), or empty when it is gone. */
    Optional<String> state(String id) {
        try {
            return Optional.of(docker.inspectContainerCmd(id).exec().getState().getStatus());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** Holds the lock of container {@code id} until released, so work on that container waits behind it. */
    HeldLock hold(String id) throws InterruptedException {
        return new HeldLock(id);
    }

    /** Holds a container's lock on another thread until released, so work on that container waits behind it. */
    final class HeldLock implements AutoCloseable {
        private final CountDownLatch release = new CountDownLatch(1);
        private final CompletableFuture<Void> holder;

        HeldLock(String id) throws InterruptedException {
            CountDownLatch holding = new CountDownLatch(1);
            holder = CompletableFuture.runAsync(() -> locks.run(id, () -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertThat(holding.await(60, TimeUnit.SECONDS)).as("lock taken").isTrue();
        }

        void release() {
            release.countDown();
        }

        @Override
        public void close() throws Exception {
            release.countDown();
            holder.get(60, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            for (Container c : DockerTestBackend.containersLabelled(docker, runTag)) {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
        } finally {
            work.close();
            dead.close();
            engine.close();
            docker.close();
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
