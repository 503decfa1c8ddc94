package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.infrakit4j.docker.DockerMain;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our group plugin over plugin-docker on the real engine: plugin-docker runs as its own process (its main, socket
 * {@code instance-docker}), the group plugin beside it in the same plugins directory, and the containers are watched
 * and removed behind the group's back with a docker-java client of the test's own.
 */
class GroupOverDockerTest {
    /** Generous: every step is a few engine calls and a poll or two, on a busy 2-core machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(180);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final String GROUP = "workers";

    private final String namespace = "gd-" + UUID.randomUUID().toString().substring(0, 8);
    private Path home;
    private DockerClient docker;
    private PluginProcess processes;
    private GroupMain.Running group;
    private InstancePluginClient groupClient;

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: start dockerd with scripts/backends/up.sh (or run "
                    + "scripts/test.sh) and source its env file");
        }
        return value;
    }

    @BeforeEach
    void start() throws Exception {
        String host = env("IK4J_DOCKER_HOST");
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withDockerTlsVerify(false).build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).responseTimeout(Duration.ofSeconds(60)).build());
        processes = PluginProcess.inNewHome(DockerMain.class, "ik4jgd-", Map.of());
        home = processes.home();
        Process p = processes.start("--docker-host", host, "--namespace", "ik4j.namespace=" + namespace,
                "--log-level", "info");
        try {
            PluginProcess.awaitSocket(processes.socket("instance-docker"), p, Duration.ofSeconds(60));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its output:\n" + processes.output(0), e);
        }
        PluginDirectory dir = new PluginDirectory(home.resolve("plugins"));
        group = GroupMain.start(dir, home.resolve("group").resolve("groups.json"), POLL, 4, Duration.ofSeconds(60));
        groupClient = InstancePluginClient.connect(dir.socketOf("group"), "", Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (groupClient != null) {
            groupClient.close();
        }
        if (group != null) {
            group.close();
        }
        if (processes != null) {
            processes.close();
        }
        if (docker != null) {
            for (Container c : containers(Map.of())) {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            }
            docker.close();
        }
    }

    /** Every container of this test's namespace carrying these labels too, in any state, as the engine lists it. */
    private List<Container> containers(Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put("ik4j.namespace", namespace);
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(all).exec();
    }

    private List<Container> members() {
        return containers(Map.of("infrakit.group", GROUP));
    }

    private static Set<String> ids(List<Container> cs) {
        return cs.stream().map(Container::getId).collect(Collectors.toSet());
    }

    private static boolean allRunning(List<Container> cs) {
        return cs.stream().allMatch(c -> "running".equals(c.getState()));
    }

    private static String properties(String init) {
        return "{\"Allocation\":{\"Size\":3},"
                + "\"Instance\":{\"Plugin\":\"instance-docker\",\"Properties\":{\"Image\":\""
                + env("IK4J_DOCKER_IMAGE") + "\",\"Pull\":\"never\",\"Cmd\":[\"sleep\",\"3600\"],"
                + "\"NetworkMode\":\"none\",\"Init\":true,\"StopTimeout\":1}},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{\"Init\":[\"" + init + "\"],"
                + "\"Tags\":{\"role\":\"worker\"}}}}";
    }

    private static String sha(String properties) throws Exception {
        return GroupConfig.parse(new RawJson(properties)).configSha();
    }

    private String commit(String properties) throws Exception {
        return GroupFixture.commit(groupClient, GROUP, properties, false).get("Details").asText();
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        GroupFixture.await(what, PATIENCE, done);
    }

    @Test
    void aGroupOfThreeContainersHealsRollsAndIsDestroyed() throws Exception {
        String v1 = properties("echo v1 > /tmp/version");
        String v2 = properties("echo v2 > /tmp/version");
        assertThat(commit(v1)).isEqualTo("Managing 3 instances");
        await("3 running containers of v1", () -> {
            List<Container> m = members();
            return m.size() == 3 && allRunning(m);
        });
        assertThat(members()).allSatisfy(c -> assertThat(c.getLabels())
                .containsEntry("infrakit.config_sha", sha(v1)).containsEntry("role", "worker"));

        // Self-healing: a container removed behind the group's back is replaced by a new one.
        Set<String> before = ids(members());
        String victim = before.iterator().next();
        docker.removeContainerCmd(victim).withForce(true).exec();
        await("the removed container replaced", () -> {
            List<Container> m = members();
            return m.size() == 3 && allRunning(m) && !ids(m).contains(victim);
        });
        assertThat(ids(members())).containsAll(before.stream().filter(id -> !id.equals(victim)).toList());

        // A rolling update: never more than 3 containers, never fewer than 2, until all 3 are new and of v2.
        Set<String> old = ids(members());
        assertThat(commit(v2)).isEqualTo("Performing a rolling update on 3 instances");
        String sha2 = sha(v2);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            List<Container> m = members();
            assertThat(m.size()).as("one container replaced at a time").isBetween(2, 3);
            if (m.size() == 3 && allRunning(m)
                    && m.stream().allMatch(c -> sha2.equals(c.getLabels().get("infrakit.config_sha")))) {
                break;
            }
            assertThat(System.nanoTime()).as("rolled within " + PATIENCE.toSeconds() + " s").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(ids(members())).doesNotContainAnyElementsOf(old);

        // Destroy: every container of the group is gone, and nothing else of the namespace is left either.
        assertThat(GoFields.parse(groupClient.callMethod("Group.DestroyGroup", GroupService.idResult(GROUP)).json())
                .toString()).isEqualTo("{\"ID\":\"" + GROUP + "\"}");
        await("no container left", () -> containers(Map.of()).isEmpty());
    }
}
