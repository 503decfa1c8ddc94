package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.Capabilities;
import org.infrakit4j.testkit.ExpectedError;
import org.infrakit4j.testkit.InstancePluginContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite against plugin-docker on the real engine, in a namespace of its own. */
class DockerInstancePluginContractTest extends InstancePluginContract {
    private static final String RUN = DockerTestBackend.randomHex(4);
    private static final Map<String, String> NAMESPACE = Map.of("ik4j.namespace", "contract-" + RUN);
    private static final String NETWORK = "ik4j-contract-" + RUN;
    private static final String VOLUME = "ik4j-contract-" + RUN;
    private static DockerClient docker;

    @TempDir
    Path dir;

    @BeforeAll
    static void createNetwork() {
        docker = DockerTestBackend.client(DockerTestBackend.host());
        DockerTestBackend.createNetwork(docker, NETWORK);
    }

    @AfterAll
    static void removeNetworkAndVolume() throws Exception {
        if (docker != null) {
            DockerTestBackend.removeNetwork(docker, NETWORK);
            DockerTestBackend.removeVolume(docker, VOLUME);
            docker.close();
        }
    }

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) throws Exception {
        // The plugin's own patience (0.5 s), as it runs: a call never waits out a slow start or removal, so it
        // answers well within the call timeout however busy the machine is.
        return DockerInstancePlugin.open(DockerEngine.Config.of(DockerTestBackend.host()), NAMESPACE,
                dir.resolve("instance-docker.labels.json"), meter);
    }

    /**
     * Each container has at most one set-up and one removal in the plugin's bounded backlog
     * ({@link DockerBackgroundWork#LIMIT}, 64), so 32 containers at once never reach it however slowly a busy engine
     * starts and removes them: the test then proves concurrency, not back-pressure (DockerBackPressureTest does).
     * On a shared 2-core machine 100 real containers at once also take minutes of dockerd and containerd work.
     * Attachments: volume and network, anything else refused before any engine call; Init and Label work.
     */
    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(DockerBackgroundWork.LIMIT / 2)
                .attachments(Set.of("volume", "network"), "ebs", ExpectedError.exactly(ErrorCode.INVALID_PROPERTIES,
                        "invalid properties: Attachments[0].Type: unsupported type \"ebs\" (volume or network)"))
                .build();
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"],\"NetworkMode\":\"none\"}");
    }

    @Override
    protected List<BadProperties> badProperties() {
        return List.of(new BadProperties("[1,2]", ""), new BadProperties("{}", "Image"),
                new BadProperties("{\"Image\":5}", "Image"),
                new BadProperties("{\"Image\":\"x\",\"Memory\":\"1g\"}", "Memory"),
                new BadProperties("{\"Image\":\"x\",\"Resources\":{\"Cpus\":\"2\"}}", "Resources.Cpus"),
                new BadProperties("{\"Image\":\"x\",\"Mounts\":[{\"Target\":\"/a\"},{\"Target\":\"b\"}]}",
                        "Mounts[1].Target"),
                new BadProperties("{\"Image\":\"x\",\"Pull\":\"sometimes\"}", "Pull"));
    }

    @Override
    protected Duration callTimeout() {
        return Duration.ofSeconds(60);
    }

    @Override
    protected Spec specWithInitAndAttachments() {
        return new Spec(new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"]}"), Map.of(), "#!/bin/sh\necho 'hello <&>' > /tmp/init-ran\n",
                Optional.empty(), List.of(new Attachment(VOLUME, "volume"), new Attachment(NETWORK, "network")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) throws Exception {
        // Provision answers once the container exists; its set-up (Init copied, networks, start) may go on.
        DockerTestBackend.await(Duration.ofSeconds(60), "container " + id.value() + " running",
                () -> Boolean.TRUE.equals(docker.inspectContainerCmd(id.value()).exec().getState().getRunning()));
        InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
        assertThat(c.getHostConfig().getNetworkMode()).isEqualTo(NETWORK);
        assertThat(c.getNetworkSettings().getNetworks()).containsOnlyKeys(NETWORK);
        assertThat(c.getMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(VOLUME);
            assertThat(m.getDestination().getPath()).isEqualTo("/mnt/" + VOLUME);
        });
        assertThat(DockerTestBackend.readFile(docker, id.value(), "/infrakit/init.sh").content())
                .isEqualTo(spec.init());
        DockerTestBackend.await(Duration.ofSeconds(10), "the Init script's output", () -> {
            try {
                return DockerTestBackend.readFile(docker, id.value(), "/tmp/init-ran").content().equals("hello <&>\n");
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode props = JSON.readTree(plugin.describeInstances(runTag, true).get(0).properties().json());
        assertThat(props.path("State").asText()).isEqualTo("running");
        assertThat(props.path("Networks").path(NETWORK).path("IPAddress").asText()).startsWith("198.1");
    }
}
