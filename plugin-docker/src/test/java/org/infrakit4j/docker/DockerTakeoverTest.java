package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.GroupLoop;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking over a group from InfraKit's reference Docker plugin: its containers, laid out here as its Provision made
 * them (docker/infrakit f9e924e7 examples/instance/docker/instance.go: spec.Tags merged with Properties.Tags as the
 * only labels, no namespace, no marker; created and started, named only for pets), become ours with --adopt, stay
 * ours after a restart without it, and roll to a new config through InfraKit's group logic with nothing orphaned.
 */
class DockerTakeoverTest {
    private static final String GROUP = "workers-" + DockerTestBackend.randomHex(4);

    @TempDir
    Path dir;

    private DockerClient docker;
    private Map<String, String> runTag;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void client() {
        docker = DockerTestBackend.client(DockerTestBackend.host());
        runTag = Map.of("ik4j.test", DockerTestBackend.randomHex(4));
    }

    @AfterEach
    void cleanUp() throws Exception {
        closePlugins();
        for (Container c : DockerTestBackend.containersLabelled(docker, runTag)) {
            docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        }
        docker.close();
    }

    private void closePlugins() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }

    /** The plugin as `infrakit-instance-docker [--adopt]` serves it (no namespace, as the reference had none). */
    private InstancePlugin serve(boolean adopt) throws Exception {
        DockerInstancePlugin backend = DockerInstancePlugin.open(DockerEngine.Config.of(DockerTestBackend.host()),
                Map.of(), dir.resolve("instance-docker.labels.json"), BackendMeter.NONE,
                DockerInstancePlugin.PATIENCE, ReapPolicy.DEFAULT, adopt);
        PluginHarness harness = PluginHarness.serve(backend, Duration.ofSeconds(60));
        open.add(backend);
        open.add(harness);
        return harness.client();
    }

    /** The group's instance Properties, in the reference's shape. */
    private RawJson properties(String sleep) {
        return new RawJson("{\"Tags\": {\"role\": \"worker\"}, \"Config\": {\"Image\": \"" + DockerTestBackend.image()
                + "\", \"Cmd\": [\"sleep\", \"" + sleep + "\"]}, \"HostConfig\": {\"NetworkMode\": \"none\"}}");
    }

    /**
     * A container as the reference's Provision made it: labels = spec.Tags merged with Properties.Tags, the Config and
     * HostConfig as given (NetworkMode none: this engine has no default bridge), then started.
     */
    private String referenceContainer(Map<String, String> specTags, boolean start) {
        Map<String, String> labels = new HashMap<>(specTags);
        labels.put("role", "worker");
        String id = docker.createContainerCmd(DockerTestBackend.image()).withLabels(labels)
                .withCmd("sleep", "3600").withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        if (start) {
            docker.startContainerCmd(id).exec();
        }
        return id;
    }

    private static String shortId(String id) {
        return id.substring(0, 12); // the reference's instance ID
    }

    @Test
    void aGroupOfThreeIsKeptThenRolledWithNothingOrphaned() throws Exception {
        GroupLoop old = GroupLoop.cattle(null, GROUP, properties("3600"), 3).withTags(runTag);
        List<String> reference = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reference.add(referenceContainer(old.tags(), true));
        }
        Map<String, String> exitedTags = new HashMap<>(old.tags());
        exitedTags.put(GroupLoop.GROUP_TAG, GROUP + "-exited");
        String exited = referenceContainer(exitedTags, false); // created but never started: "created" counts...
        docker.startContainerCmd(exited).exec();
        docker.stopContainerCmd(exited).withTimeout(0).exec(); // ...so stop it: exited, the reference never listed it
        String foreign = docker.createContainerCmd(DockerTestBackend.image()).withLabels(runTag)
                .withCmd("sleep", "3600").withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();

        // Without --adopt they stay invisible, and nothing of them can be labelled or destroyed.
        InstancePlugin plain = serve(false);
        assertThat(plain.describeInstances(Map.of(GroupLoop.GROUP_TAG, GROUP), false)).isEmpty();
        assertThatThrownBy(() -> plain.label(new InstanceId(shortId(reference.get(0))), Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> plain.destroy(new InstanceId(reference.get(0)), DestroyContext.TERMINATE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.CONFLICT));
        assertThat(docker.inspectContainerCmd(reference.get(0)).exec().getState().getRunning()).isTrue();
        closePlugins();

        // With --adopt the group keeps its 3: no provision, no destroy.
        InstancePlugin adopting = serve(true);
        GroupLoop keep = GroupLoop.cattle(adopting, GROUP, properties("3600"), 3).withTags(runTag);
        for (int i = 0; i < 2; i++) {
            GroupLoop.Poll poll = keep.poll();
            assertThat(poll.errors()).isEmpty();
            assertThat(poll.provisioned()).isEmpty();
            assertThat(poll.destroyed()).isEmpty();
            assertThat(poll.describedIds()).extracting(InstanceId::value).containsExactlyInAnyOrderElementsOf(reference);
        }
        Description first = adopting.describeInstances(Map.of(GroupLoop.GROUP_TAG, GROUP), false).get(0);
        Map<String, String> expectedTags = new HashMap<>(keep.tags());
        expectedTags.put("role", "worker");
        assertThat(first.tags()).isEqualTo(expectedTags);
        String name = docker.inspectContainerCmd(first.id().value()).exec().getName().substring(1);
        assertThat(first.logicalId()).contains(name); // the reference reported the container name
        // The reference's short ID still names it. (A label, not the config tag: a member whose config tag changed
        // would be rolled by the group.)
        adopting.label(new InstanceId(shortId(reference.get(1))), Map.of("label1", "changed"));
        assertThat(adopting.describeInstances(Map.of(GroupLoop.GROUP_TAG, GROUP), false).stream()
                .filter(d -> d.id().value().equals(reference.get(1))).findFirst().orElseThrow().tags())
                .containsEntry("label1", "changed").doesNotContainKey(DockerLabels.ADOPTED);
        // Not adopted: an exited one (the reference never showed those), one without a group label.
        assertThat(adopting.describeInstances(Map.of(GroupLoop.GROUP_TAG, GROUP + "-exited"), false)).isEmpty();
        assertThat(adopting.describeInstances(runTag, false)).extracting(d -> d.id().value())
                .containsExactlyInAnyOrderElementsOf(reference).doesNotContain(foreign, exited);
        closePlugins();

        // The label store remembers them: a start without --adopt still has the group's 3.
        InstancePlugin later = serve(false);
        GroupLoop.Poll again = GroupLoop.cattle(later, GROUP, properties("3600"), 3).withTags(runTag).poll();
        assertThat(again.errors()).isEmpty();
        assertThat(again.provisioned()).isEmpty();
        assertThat(again.destroyed()).isEmpty();
        assertThat(again.describedIds()).hasSize(3);

        // Roll to a changed config, one at a time, as InfraKit's rolling update does: destroy one old instance,
        // then the group provisions its replacement. The first is destroyed by the reference's short ID.
        GroupLoop rolled = GroupLoop.cattle(later, GROUP, properties("7200"), 3).withTags(runTag);
        String newSha = rolled.tags().get(GroupLoop.CONFIG_SHA_TAG);
        for (int step = 0; step < 3; step++) {
            List<Description> stale = later.describeInstances(rolled.filter(), false).stream()
                    .filter(d -> !newSha.equals(d.tags().get(GroupLoop.CONFIG_SHA_TAG))).toList();
            assertThat(stale).hasSize(3 - step);
            String victim = stale.get(0).id().value();
            later.destroy(new InstanceId(step == 0 ? shortId(victim) : victim), DestroyContext.ROLLING_UPDATE);
            GroupLoop.Poll poll = rolled.poll();
            assertThat(poll.errors()).isEmpty();
            assertThat(poll.provisioned()).hasSize(1);
            assertThat(poll.destroyed()).isEmpty();
        }
        GroupLoop.Poll settled = rolled.poll();
        assertThat(settled.provisioned()).isEmpty();
        assertThat(settled.destroyed()).isEmpty();
        assertThat(settled.described()).hasSize(3).allSatisfy(d -> assertThat(d.tags())
                .containsEntry(GroupLoop.CONFIG_SHA_TAG, newSha));

        // Counted on the engine itself: the group has exactly its 3 new containers, all ours; the old ones are gone.
        // (Their removals go on after Destroy answers: a reference container's sleep ignores SIGTERM, so each stop
        // waits out the engine's 10 s grace.)
        DockerTestBackend.await(Duration.ofSeconds(90), "the old containers' removal", () ->
                DockerTestBackend.containersLabelled(docker, Map.of(GroupLoop.GROUP_TAG, GROUP)).size() == 3);
        List<Container> onEngine = DockerTestBackend.containersLabelled(docker, Map.of(GroupLoop.GROUP_TAG, GROUP));
        assertThat(onEngine).hasSize(3).allSatisfy(c -> assertThat(c.getLabels())
                .containsEntry(DockerLabels.MANAGED, "true"));
        Set<String> ids = onEngine.stream().map(Container::getId).collect(Collectors.toSet());
        assertThat(ids).doesNotContainAnyElementsOf(reference);
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).extracting(Container::getId)
                .containsExactlyInAnyOrderElementsOf(List.of(ids.toArray(String[]::new)[0],
                        ids.toArray(String[]::new)[1], ids.toArray(String[]::new)[2], exited, foreign));
        assertThat(DockerLabelStore.open(dir.resolve("instance-docker.labels.json")).anyAdopted()).isFalse();
    }
}
