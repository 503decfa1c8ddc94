package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin as its own process, killed with SIGKILL while provisioning, then restarted on the same engine. */
class DockerKillNineTest {
    private static final Map<String, String> NAMESPACE = Map.of("ik4j.namespace",
            "docker-kill-" + DockerTestBackend.randomHex(4));

    @TempDir
    Path home;

    @Test
    void killNineDuringProvisionsOrphansNothingAndLosesNoAcknowledgedContainer() throws Exception {
        DockerClient docker = DockerTestBackend.client(DockerTestBackend.host());
        String[] args = {"--docker-host", DockerTestBackend.host(), "--namespace",
            "ik4j.namespace=" + NAMESPACE.get("ik4j.namespace"), "--log-level", "warn"};
        RawJson properties = new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"],\"NetworkMode\":\"none\"}");
        Set<InstanceId> acknowledged = ConcurrentHashMap.newKeySet();
        try (PluginProcess processes = new PluginProcess(DockerMain.class, home, Map.of())) {
            Path socket = processes.socket(DockerMain.DEFAULT_NAME);
            Process first = processes.start(args);
            PluginProcess.awaitSocket(socket, first, Duration.ofSeconds(60));
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(60))) {
                for (int t = 0; t < 4; t++) {
                    clients.submit(() -> {
                        while (true) {
                            acknowledged.add(client.provision(Spec.of(properties, Map.of("kill", "test"))));
                        }
                    });
                }
                DockerTestBackend.await(Duration.ofSeconds(120), "8 acknowledged provisions",
                        () -> acknowledged.size() >= 8);
                PluginProcess.kill9(first);
            } finally {
                clients.shutdownNow();
                clients.awaitTermination(30, TimeUnit.SECONDS);
            }
            assertThat(socket).as("a killed plugin leaves its socket behind").exists();

            Process again = processes.start(args);
            PluginProcess.awaitSocket(socket, again, Duration.ofSeconds(60));
            try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(60))) {
                List<Description> described = client.describeInstances(Map.of("kill", "test"), false);
                List<String> inEngine = ids(DockerTestBackend.containersLabelled(docker, NAMESPACE));
                assertThat(described).extracting(d -> d.id().value())
                        .as("every container in the engine is described, acknowledged or not")
                        .containsExactlyInAnyOrderElementsOf(inEngine)
                        .containsAll(acknowledged.stream().map(InstanceId::value).toList());
                System.out.printf("RELIABILITY: plugin-docker kill -9 under 4 provisioning clients: %d acknowledged,"
                        + " %d described after restart, %d in the engine, %d made but unacknowledged (described), "
                        + "0 lost%n", acknowledged.size(), described.size(), inEngine.size(),
                        inEngine.size() - acknowledged.size());
                for (Description d : described) {
                    client.destroy(d.id(), DestroyContext.TERMINATE);
                }
                assertThat(client.describeInstances(Map.of("kill", "test"), false)).as("described after Destroy")
                        .isEmpty();
                // Destroy answers within 0.5 s and the removal may go on a little longer.
                DockerTestBackend.await(Duration.ofSeconds(60), "no container of the test left in the engine",
                        () -> DockerTestBackend.containersLabelled(docker, NAMESPACE).isEmpty());
            }
        } finally {
            for (Container c : DockerTestBackend.containersLabelled(docker, NAMESPACE)) {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
            }
            Files.deleteIfExists(home.resolve("plugins").resolve(DockerMain.DEFAULT_NAME + ".labels.json"));
        }
    }

    private static List<String> ids(List<Container> containers) {
        List<String> ids = new ArrayList<>();
        containers.forEach(c -> ids.add(c.getId()));
        return ids;
    }
}
