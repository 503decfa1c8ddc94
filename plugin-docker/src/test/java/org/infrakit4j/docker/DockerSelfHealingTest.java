package org.infrakit4j.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.SelfHealingContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Self-healing groups of containers: the plugin as its own process on the real engine, a member killed with
 * {@code docker kill} behind its back.
 */
class DockerSelfHealingTest extends SelfHealingContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> namespace = Map.of("ik4j.namespace", "heal-" + DockerTestBackend.randomHex(4));
    private DockerClient docker;
    private Path home;
    private PluginProcess processes;

    @BeforeEach
    void connect() throws IOException {
        docker = DockerTestBackend.client(DockerTestBackend.host());
        home = Files.createTempDirectory(Path.of("/tmp"), "ik4jheal-");
    }

    @AfterEach
    void stop() throws Exception {
        if (processes != null) {
            processes.close();
        }
        for (Container c : DockerTestBackend.containersLabelled(docker, namespace)) {
            docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        }
        docker.close();
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    protected Path startPlugin(List<String> flags) throws Exception {
        processes = new PluginProcess(DockerMain.class, home, Map.of());
        List<String> args = new ArrayList<>(List.of("--docker-host", DockerTestBackend.host(), "--namespace",
                "ik4j.namespace=" + namespace.get("ik4j.namespace"), "--log-level", "info"));
        args.addAll(flags);
        Process p = processes.start(args.toArray(String[]::new));
        Path socket = processes.socket(DockerMain.DEFAULT_NAME);
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        return socket;
    }

    @Override
    protected RawJson memberProperties() {
        return new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"],\"NetworkMode\":\"none\",\"Init\":true,\"StopTimeout\":1}");
    }

    @Override
    protected void killFromOutside(InstanceId id) throws Exception {
        docker.killContainerCmd(id.value()).exec();
        DockerTestBackend.await(Duration.ofSeconds(30), "container " + id.value() + " not running",
                () -> !Boolean.TRUE.equals(docker.inspectContainerCmd(id.value()).exec().getState().getRunning()));
    }

    @Override
    protected boolean existsInBackend(InstanceId id) {
        try {
            docker.inspectContainerCmd(id.value()).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Override
    protected String stateOf(Description described) {
        try {
            return JSON.readTree(described.properties().json()).path("State").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Set<String> deadStates() {
        return DockerDeadContainers.DEAD_STATES;
    }
}
