package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Set-ups, starts and removals that go on after a call answered: on the real engine. */
class DockerContainerWorkTest {
    private final DockerPluginParts parts = new DockerPluginParts();
    private final String name = "ik4j-work-" + DockerTestBackend.randomHex(4);

    @AfterEach
    void close() throws Exception {
        parts.close();
    }

    @Test
    void aSetUpStartsTheContainerWhichCountsAsStartingUntilItIsDone() throws Exception {
        DockerContainerSpec spec = parts.containerSpec(parts.pet(name, "[\"sleep\",\"3600\"]", Map.of()));
        String id = parts.create(spec);
        try (DockerPluginParts.HeldLock held = parts.hold(id)) {
            CompletableFuture<Void> setUp = parts.work.setUp(id, spec, parts.work.reserve("test set-up"));
            assertThat(parts.dead.isStarting(id)).as("queued behind the lock").isTrue();
            assertThat(parts.work.underWay()).isEqualTo(1);
            held.release();
            assertThat(parts.work.await(setUp, "test set-up")).isTrue();
        }
        assertThat(parts.state(id)).contains("running");
        assertThat(parts.dead.isStarting(id)).isFalse();
        DockerTestBackend.await(Duration.ofSeconds(30), "the slot back", () -> parts.work.underWay() == 0);
    }

    @Test
    void aSetUpThatFailsRemovesTheHalfMadeContainerAndReportsTheEnginesError() throws Exception {
        String network = DockerTestBackend.createNetwork(parts.docker, "ik4j-work-" + DockerTestBackend.randomHex(4));
        String missing = "ik4j-missing-" + DockerTestBackend.randomHex(4);
        try {
            DockerContainerSpec spec = parts.containerSpec(parts.petWith(name, "\"Cmd\":[\"sleep\",\"3600\"],"
                    + "\"Networks\":[\"" + network + "\",\"" + missing + "\"]", Map.of()));
            String id = parts.create(spec);
            CompletableFuture<Void> setUp = parts.work.setUp(id, spec, parts.work.reserve("test set-up"));

            assertThatThrownBy(() -> setUp.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_ERROR);
                        // The engine takes the connect of a created container and refuses its start.
                        assertThat(e.getMessage()).contains("start container " + id + ": network " + missing
                                + " not found");
                    });
            assertThat(parts.state(id)).as("removed, not left half-made").isEmpty();
            assertThat(parts.dead.isStarting(id)).isFalse();
        } finally {
            DockerTestBackend.removeNetwork(parts.docker, network);
        }
    }

    @Test
    void aSecondRemovalJoinsTheFirstAndTheContainersLabelTagsAreForgotten() throws Exception {
        Spec pet = parts.pet(name, "[\"sleep\",\"3600\"]", Map.of());
        String id = parts.create(parts.containerSpec(pet));
        parts.docker.startContainerCmd(id).exec();
        parts.store.merge(id, Map.of("zone", "b"));

        CompletableFuture<Void> first;
        try (DockerPluginParts.HeldLock held = parts.hold(id)) {
            first = parts.work.remove(id, 0, "test");
            assertThat(parts.work.remove(id, 0, "again")).as("joined").isSameAs(first);
            assertThat(parts.work.isRemoving(id)).isTrue();
            assertThat(parts.work.removing()).containsExactly(id);
            assertThat(parts.work.removal(id)).containsSame(first);
            assertThat(parts.work.underWay()).as("one slot: the second gave its own back").isEqualTo(1);
            held.release();
            first.get(60, TimeUnit.SECONDS);
        }
        assertThat(parts.state(id)).as("removed").isEmpty();
        assertThat(parts.store.get(id)).as("Label's tags forgotten").isEmpty();
        assertThat(parts.work.isRemoving(id)).isFalse();
        assertThat(parts.work.removal(id)).isEmpty();
    }

    @Test
    void aDeadPetThatNeverRanIsStartedAgainAsItWasCreated() throws Exception {
        DockerContainerSpec spec = parts.containerSpec(parts.pet(name, "[\"sleep\",\"3600\"]", Map.of()));
        String id = parts.create(spec);

        CompletableFuture<Void> start = parts.work.startAgain(id, spec, "created", Set.of());
        assertThat(parts.work.await(start, "test start")).isTrue();
        assertThat(parts.state(id)).contains("running");
        // A start of a running container is no error: a retried start finds it running.
        assertThat(parts.work.await(parts.work.startAgain(id, spec, "exited", Set.of()), "again")).isTrue();
        assertThat(parts.state(id)).contains("running");
    }
}
