package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containers the engine restarts by their RestartPolicy are never dead: between a death and its restart the engine
 * says {@code restarting}, so Describe keeps listing them and the reaper (here {@code --reap-after 0}) never takes
 * them. Once the engine gives up (on-failure's retry count), the container is dead like any other.
 */
class DockerRestartPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ReapPolicy REAP_AT_ONCE = new ReapPolicy(false, Optional.of(Duration.ZERO), false);
    private static final ReapPolicy KEEP = new ReapPolicy(false, Optional.empty(), false);
    /** Restarts to see: the engine's back-off doubles from 0.1 s, so three take a few seconds past the runs. */
    private static final int RESTARTS = 3;

    @TempDir
    Path dir;

    private final Map<String, String> namespace = Map.of("ik4j.namespace", "restart-" + DockerTestBackend.randomHex(4));
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> reaped = new ConcurrentHashMap<>();
    private DockerClient docker;
    private DockerInstancePlugin plugin;

    @BeforeEach
    void connect() {
        docker = DockerTestBackend.client(DockerTestBackend.host());
    }

    private void open(ReapPolicy policy) throws Exception {
        BackendMeter meter = new BackendMeter() {
            @Override
            public void record(String operation, long nanos, boolean failed) {
            }

            @Override
            public void deadInstanceSeen(String state) {
                seen.computeIfAbsent(state, s -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void deadInstanceReaped(String state) {
                reaped.computeIfAbsent(state, s -> new AtomicInteger()).incrementAndGet();
            }
        };
        plugin = DockerInstancePlugin.open(DockerEngine.Config.of(DockerTestBackend.host()), namespace,
                dir.resolve("labels.json"), meter, Duration.ofMinutes(2), policy);
    }

    @AfterEach
    void close() throws Exception {
        if (plugin != null) {
            plugin.close();
        }
        for (Container c : DockerTestBackend.containersLabelled(docker, namespace)) {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        docker.close();
    }

    private InstanceId provision(String restartPolicy, String command) {
        return plugin.provision(Spec.of(new RawJson("{\"Image\":\"" + DockerTestBackend.image()
                + "\",\"Pull\":\"never\",\"Cmd\":[\"sh\",\"-c\",\"" + command + "\"],\"NetworkMode\":\"none\","
                + "\"StopTimeout\":1,\"RestartPolicy\":" + restartPolicy + "}"), Map.of("role", "restarted")));
    }

    private String describedState(InstanceId id) throws Exception {
        Description d = plugin.describeInstances(Map.of("role", "restarted"), true).stream()
                .filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(id.value() + " left out of Describe"));
        return JSON.readTree(d.properties().json()).path("State").asText();
    }

    @ParameterizedTest
    @ValueSource(strings = {"always", "unless-stopped", "on-failure"})
    void aContainerTheEngineRestartsIsListedThroughoutAndNeverCountedDead(String name) throws Exception {
        open(REAP_AT_ONCE);
        InstanceId id = provision("{\"Name\":\"" + name + "\"}", "sleep 1; exit 3");
        Set<String> states = new LinkedHashSet<>();
        int describes = 0;
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(120).toNanos();
        // At least one reaper sweep (every 10 s) runs while the container dies and comes back.
        long sweepSeen = start + Reaper.SWEEP_INTERVAL.plusSeconds(3).toNanos();
        long restarts = 0;
        while (restarts < RESTARTS || System.nanoTime() < sweepSeen) {
            assertThat(System.nanoTime()).as("%d restarts within 120 s", RESTARTS).isLessThan(deadline);
            states.add(describedState(id)); // fails when Describe leaves it out
            describes++;
            restarts = docker.inspectContainerCmd(id.value()).exec().getRestartCount();
            Thread.sleep(100);
        }
        System.out.printf("RESTART-POLICY %s: %d restarts by the engine, listed by all %d Describes, states %s%n",
                name, restarts, describes, states);
        assertThat(states).as("states Describe showed").doesNotContainAnyElementsOf(DockerDeadContainers.DEAD_STATES);
        assertThat(seen).as("dead instances seen").isEmpty();
        assertThat(reaped).as("dead instances reaped").isEmpty();
        assertThat(docker.inspectContainerCmd(id.value()).exec().getState().getStatus()).isIn("running",
                "restarting");
    }

    @Test
    void onceOnFailureGivesUpTheContainerIsDead() throws Exception {
        open(KEEP);
        InstanceId id = provision("{\"Name\":\"on-failure\",\"MaximumRetryCount\":2}", "exit 3");
        DockerTestBackend.await(Duration.ofSeconds(120), "the engine to give up after 2 restarts", () -> {
            InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
            return c.getRestartCount() == 2 && "exited".equals(c.getState().getStatus());
        });
        assertThat(plugin.describeInstances(Map.of("role", "restarted"), false)).as("left out once dead").isEmpty();
        assertThat(seen).as("dead instances seen").containsOnlyKeys("exited");
        assertThat(seen.get("exited")).hasValue(1);
    }

    @Test
    void dockerKillOfAnAlwaysContainerStopsItForGoodSoItIsDead() throws Exception {
        // The engine takes a killed container as stopped by hand and does not restart it, whatever its
        // RestartPolicy (Engine 20.10): it is dead like a container without one. Were it restarted, it would be
        // "restarting", never "exited", and this would time out.
        open(KEEP);
        InstanceId id = provision("{\"Name\":\"always\"}", "sleep 3600");
        DockerTestBackend.await(Duration.ofSeconds(60), "the container running",
                () -> Boolean.TRUE.equals(docker.inspectContainerCmd(id.value()).exec().getState().getRunning()));
        docker.killContainerCmd(id.value()).exec();
        DockerTestBackend.await(Duration.ofSeconds(30), "the killed container exited",
                () -> "exited".equals(docker.inspectContainerCmd(id.value()).exec().getState().getStatus()));
        Thread.sleep(2000); // the engine's first restart back-off is 0.1 s: time enough to start it again
        InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
        assertThat(c.getState().getStatus()).isEqualTo("exited");
        assertThat(c.getRestartCount()).as("restarted by the engine").isZero();
        assertThat(plugin.describeInstances(Map.of("role", "restarted"), false)).as("left out: dead").isEmpty();
        assertThat(seen).as("dead instances seen").containsOnlyKeys("exited");
    }
}
