package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Properties example of InfraKit's reference Docker plugin (docker/infrakit f9e924e7, copied under
 * resources/org/infrakit4j/docker/reference with their sources) validates unchanged through the socket, and provisions
 * on the test dockerd with only the adaptations each test states; Describe shows what it asked for.
 */
class DockerReferenceExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> NAMESPACE = Map.of("ik4j.namespace",
            "reference-" + DockerTestBackend.randomHex(4));

    @TempDir
    Path dir;

    private DockerClient docker;
    private InstancePlugin plugin;
    private Map<String, String> runTag;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> networks = new ArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        docker = DockerTestBackend.client(DockerTestBackend.host());
        runTag = Map.of("ik4j.test", DockerTestBackend.randomHex(4));
        DockerInstancePlugin backend = DockerInstancePlugin.open(DockerEngine.Config.of(DockerTestBackend.host()),
                NAMESPACE, dir.resolve("labels.json"), BackendMeter.NONE, Duration.ofMinutes(2), ReapPolicy.DEFAULT);
        PluginHarness harness = PluginHarness.serve(backend, Duration.ofSeconds(60));
        toClose.add(backend);
        toClose.add(harness);
        plugin = harness.client();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Container c : DockerTestBackend.containersLabelled(docker, runTag)) {
            docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        }
        networks.forEach(n -> DockerTestBackend.removeNetwork(docker, n));
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        docker.close();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = DockerReferenceExamplesTest.class.getResourceAsStream("reference/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource reference/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static ObjectNode example(String name) throws IOException {
        return (ObjectNode) JSON.readTree(resource(name));
    }

    private Map<String, String> tags(Map<String, String> more) {
        Map<String, String> tags = new HashMap<>(runTag);
        tags.putAll(more);
        return tags;
    }

    @Test
    void everyReferenceExampleValidatesUnchanged() throws Exception {
        for (String name : List.of("readme-docker-vanilla.json", "instance-test-input.json",
                "example-properties.json")) {
            plugin.validate(new RawJson(resource(name))); // throws if refused
        }
        // TestCreateInstanceError: `{}` was an error there (no Config), and is one here.
        assertThatThrownBy(() -> plugin.validate(new RawJson(resource("instance-test-empty.json"))))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(e.getMessage()).contains("Properties.Image: is required");
                });
    }

    /** README.md's group example: an httpd container removed on exit, with the vanilla flavor's Init. */
    @Test
    void theReadmeExampleProvisionsWithItsTagsInitAndAutoRemove() throws Exception {
        ObjectNode p = example("readme-docker-vanilla.json");
        // Adapted: no registry here, so the local image; httpd's server kept the container running, sleep does.
        ((ObjectNode) p.get("Config")).put("Image", DockerTestBackend.image())
                .set("Cmd", JSON.createArrayNode().add("sleep").add("3600"));
        Map<String, String> group = tags(Map.of("infrakit.group", "docker-example", "infrakit.config_sha", "x"));
        InstanceId id = plugin.provision(Spec.of(new RawJson(p.toString()), group)
                .withInit("sh -c \"echo 'Hello, World!' > /hello\""));

        List<Description> described = plugin.describeInstances(Map.of("infrakit.group", "docker-example",
                "ik4j.test", runTag.get("ik4j.test")), false);
        assertThat(described).hasSize(1);
        assertThat(described.get(0).id()).isEqualTo(id);
        Map<String, String> expected = new HashMap<>(group);
        expected.put("Name", "infrakit-example");
        assertThat(described.get(0).tags()).isEqualTo(expected);
        InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
        assertThat(c.getHostConfig().getAutoRemove()).isTrue();
        assertThat(c.getConfig().getLabels()).containsEntry("Name", "infrakit-example");
        assertThat(DockerTestBackend.readFile(docker, id.value(), "/hello").content()).isEqualTo("Hello, World!\n");

        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
    }

    /** instance_test.go's TestInstanceLifecycle: a network attachment, Env as a list, an Init script. */
    @Test
    void theInstanceTestExampleProvisionsOnItsNetworkWithItsEnvAndInit() throws Exception {
        ObjectNode p = example("instance-test-input.json");
        String network = "deleteme-" + DockerTestBackend.randomHex(4);
        DockerTestBackend.createNetwork(docker, network);
        networks.add(network);
        // Adapted: the local image for alpine:3.5; its nc is a busybox applet without a link; the overlay driver
        // needs swarm mode, which this engine is not in, so an existing (internal) bridge network stands in.
        ObjectNode config = (ObjectNode) p.get("Config");
        config.put("Image", DockerTestBackend.image());
        ((ArrayNode) config.get("Cmd")).insert(0, "busybox");
        ((ObjectNode) p.get("NetworkAttachments").get(0)).put("Name", network).put("Driver", "bridge");
        Map<String, String> spec = tags(Map.of("group", "workers"));
        InstanceId id = plugin.provision(Spec.of(new RawJson(p.toString()), spec)
                .withInit(resource("instance-test-init.sh")));

        List<Description> described = plugin.describeInstances(spec, false);
        assertThat(described).extracting(Description::id).containsExactly(id);
        assertThat(described.get(0).tags()).containsEntry("test", "docker-create-test")
                .containsEntry("group", "workers");
        InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
        assertThat(c.getConfig().getEnv()).contains("var1=value1", "var2=value2");
        assertThat(c.getNetworkSettings().getNetworks()).containsOnlyKeys(network);
        assertThat(c.getState().getRunning()).isTrue();
        assertThat(DockerTestBackend.readFile(docker, id.value(), "/tmp/touched").content()).isEmpty();
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
    }

    @Test
    void aMissingNetworkIsAnErrorNamingTheAttachmentAndNothingIsCreated() throws Exception {
        ObjectNode p = example("instance-test-input.json");
        ((ObjectNode) p.get("Config")).put("Image", DockerTestBackend.image());
        // Unadapted network: "deleteme" does not exist; the reference would have created it, this plugin does not.
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson(p.toString()), tags(Map.of()))))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.NetworkAttachments[0].Name: "
                            + "network \"deleteme\" does not exist; create it first (this plugin does not create "
                            + "networks, the reference plugin did)");
                });
        String network = "deleteme-" + DockerTestBackend.randomHex(4);
        DockerTestBackend.createNetwork(docker, network);
        networks.add(network);
        ((ObjectNode) p.get("NetworkAttachments").get(0)).put("Name", network);
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson(p.toString()), tags(Map.of()))))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.NetworkAttachments[0].Driver: network \"" + network
                        + "\" has driver bridge, not overlay"));
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
        assertThat(docker.listNetworksCmd().withNameFilter("deleteme").exec()).extracting(n -> n.getName())
                .doesNotContain("deleteme");
    }

    /** ExampleProperties() as Go's encoder wrote it: every field of Config and HostConfig, most at zero. */
    @Test
    void theExamplePropertiesProvisionWithTheirTags() throws Exception {
        ObjectNode p = example("example-properties.json");
        // Adapted: the local image for docker/dind; dind's daemon kept the container running, sleep does.
        ((ObjectNode) p.get("Config")).put("Image", DockerTestBackend.image())
                .set("Cmd", JSON.createArrayNode().add("sleep").add("3600"));
        ((ObjectNode) p.get("HostConfig")).put("NetworkMode", "none");
        InstanceId id = plugin.provision(Spec.of(new RawJson(p.toString()), tags(Map.of("infrakit.group", "g"))));
        List<Description> described = plugin.describeInstances(tags(Map.of("tag1", "value1")), false);
        assertThat(described).extracting(Description::id).containsExactly(id);
        assertThat(described.get(0).tags()).containsEntry("tag1", "value1").containsEntry("tag2", "value2")
                .containsEntry("infrakit.group", "g");
        assertThat(docker.inspectContainerCmd(id.value()).exec().getConfig().getEnv())
                .contains("var1=value1", "var2=value2");
    }

    /** The reference let a Properties tag override infrakit.group, hiding the container from its group: not here. */
    @Test
    void theSpecsTagsWinOverPropertiesTags() throws Exception {
        String json = "{\"Tags\": {\"infrakit.group\": \"other\", \"role\": \"db\"}, \"Config\": {\"Image\": \""
                + DockerTestBackend.image() + "\", \"Cmd\": [\"sleep\", \"3600\"]}, "
                + "\"HostConfig\": {\"NetworkMode\": \"none\"}}";
        InstanceId id = plugin.provision(Spec.of(new RawJson(json), tags(Map.of("infrakit.group", "mine"))));
        assertThat(plugin.describeInstances(tags(Map.of("infrakit.group", "mine")), false))
                .extracting(Description::id).containsExactly(id);
        assertThat(plugin.describeInstances(tags(Map.of("infrakit.group", "other")), false)).isEmpty();
        assertThat(docker.inspectContainerCmd(id.value()).exec().getConfig().getLabels())
                .containsEntry("infrakit.group", "mine").containsEntry("role", "db");
    }
}
