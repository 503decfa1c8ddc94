package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pet check Provision runs when a pet's container name is taken: on the real engine. */
class DockerPetsTest {
    private static final String SLEEP = "[\"sleep\",\"3600\"]";

    private final DockerPluginParts parts = new DockerPluginParts();
    private final String name = "ik4j-pet-" + DockerTestBackend.randomHex(4);

    @AfterEach
    void close() throws Exception {
        parts.close();
    }

    @Test
    void theSamePetsRunningContainerIsTheAnswerAndNothingIsStarted() {
        Spec pet = parts.pet(name, SLEEP, Map.of("role", "db"));
        String id = started(parts.containerSpec(pet));

        assertThat(parts.pets.existing(parts.containerSpec(pet), pet)).isEqualTo(new InstanceId(id));
        assertThat(parts.work.underWay()).as("no start was needed").isZero();
        assertThat(DockerTestBackend.containersLabelled(parts.docker, parts.runTag)).hasSize(1);
    }

    @Test
    void tagsLabelAddedCountButOtherTagsAreAConflict() throws Exception {
        Spec pet = parts.pet(name, SLEEP, Map.of("role", "db"));
        String id = started(parts.containerSpec(pet));
        parts.store.merge(id, Map.of("zone", "b"));

        Spec withLabelTag = pet.withTags(with(pet.tags(), "zone", "b"));
        assertThat(parts.pets.existing(parts.containerSpec(withLabelTag), withLabelTag)).isEqualTo(new InstanceId(id));

        Spec other = pet.withTags(with(pet.tags(), "zone", "c"));
        assertConflict(() -> parts.pets.existing(parts.containerSpec(other), other),
                "LogicalID \"" + name + "\" is held by container " + id + " with other tags");
    }

    @Test
    void aContainerNotOursOrOfAnotherNamespaceHoldingTheNameIsAConflict() {
        Spec pet = parts.pet(name, SLEEP, Map.of());
        String foreign = parts.docker.createContainerCmd(DockerTestBackend.image()).withName(name)
                .withLabels(parts.runTag).withCmd("sleep", "3600").exec().getId();
        assertConflict(() -> parts.pets.existing(parts.containerSpec(pet), pet), "LogicalID \"" + name
                + "\" is the name of container " + foreign + ", which this plugin does not manage");

        String otherName = name + "-b";
        Spec otherPet = parts.pet(otherName, SLEEP, Map.of());
        DockerLabels otherNamespace = new DockerLabels(Map.of("ik4j.test.parts", "someone-else"));
        String theirs = parts.create(parts.containerSpec(otherPet, otherNamespace));
        assertConflict(() -> parts.pets.existing(parts.containerSpec(otherPet), otherPet), "LogicalID \""
                + otherName + "\" is the name of container " + theirs + ", which this plugin does not manage");
    }

    @Test
    void aNameFreedSinceTheClashIsAConflictToRetry() {
        Spec pet = parts.pet(name, SLEEP, Map.of());
        assertConflict(() -> parts.pets.existing(parts.containerSpec(pet), pet),
                "LogicalID \"" + name + "\": the container name was in use but is gone now; retry");
    }

    @Test
    void aDeadPetIsStartedAgainAsItselfKeepingItsContainer() throws Exception {
        Spec pet = parts.pet(name, SLEEP, Map.of());
        String id = dead(parts.containerSpec(pet));

        assertThat(parts.pets.existing(parts.containerSpec(pet), pet)).isEqualTo(new InstanceId(id));
        assertThat(parts.state(id)).as("started within the patience").contains("running");
        assertThat(parts.dead.isStarting(id)).isFalse();
        assertThat(DockerTestBackend.containersLabelled(parts.docker, parts.runTag)).hasSize(1);
    }

    @Test
    void aDeadPetWhoseContainerIsBeingDestroyedIsAConflictAndIsNotStarted() throws Exception {
        Spec pet = parts.pet(name, SLEEP, Map.of());
        String id = dead(parts.containerSpec(pet));
        // The container's lock is held, so the removal stays under way (queued behind it) while the pet is checked.
        try (DockerPluginParts.HeldLock held = parts.hold(id)) {
            CompletableFuture<Void> removal = parts.work.remove(id, 0, "test");

            assertConflict(() -> parts.pets.existing(parts.containerSpec(pet), pet),
                    "LogicalID \"" + name + "\": its dead container " + id + " is being destroyed; retry");
            assertThat(parts.state(id)).as("not started").contains("exited");

            held.release();
            removal.get(60, TimeUnit.SECONDS);
        }
        assertThat(parts.state(id)).as("removed").isEmpty();
    }

    private String started(DockerContainerSpec c) {
        String id = parts.create(c);
        parts.docker.startContainerCmd(id).exec();
        return id;
    }

    /** A pet's container that ran and exited (killed): dead at once, START_GRACE is for those that never ran. */
    private String dead(DockerContainerSpec c) throws InterruptedException {
        String id = started(c);
        parts.docker.killContainerCmd(id).exec();
        DockerTestBackend.await(Duration.ofSeconds(60), "the pet's container to exit",
                () -> parts.state(id).orElse("").equals("exited"));
        return id;
    }

    private static Map<String, String> with(Map<String, String> tags, String key, String value) {
        Map<String, String> out = new HashMap<>(tags);
        out.put(key, value);
        return out;
    }

    /** The kind, and the detail at the end of the message (the wire prefix, if any, is not this class's). */
    private static void assertConflict(Runnable call, String detail) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(InstanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(e.getMessage()).endsWith(detail);
        });
    }
}
