package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.command.CreateContainerCmdImpl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;

/**
 * Validate under random and mutated Properties, sent through the real socket to a plugin on the real engine: every
 * answer is success or an invalid-properties error naming a field path, never another kind, and the engine is never
 * called. Properties that Validate accepts also make a complete create request offline, as Provision would send it.
 */
class DockerValidateFuzzTest {
    private static final ObjectMapper DOCKER_JAVA_JSON = DockerClientConfig.getDefaultObjectMapper();
    private static PluginMetrics metrics;
    private static long callsAtStart;
    private static Path dir;
    private static DockerInstancePlugin plugin;
    private static PluginHarness harness;
    private static InstancePluginClient client;

    @BeforeContainer
    static void serve() throws Exception {
        metrics = new PluginMetrics(PluginHarness.NAME);
        dir = Files.createTempDirectory("ik4j-fuzz-");
        plugin = DockerInstancePlugin.open(DockerEngine.Config.of(DockerTestBackend.host()),
                Map.of("ik4j.namespace", "fuzz-" + DockerTestBackend.randomHex(4)), dir.resolve("labels.json"),
                metrics);
        callsAtStart = metrics.backendCalls(); // open() pings the engine once
        harness = PluginHarness.serve(Map.of("", plugin), PluginServer.Config.DEFAULT_MAX_BODY,
                Duration.ofSeconds(30), metrics);
        client = harness.client();
    }

    @AfterContainer
    static void close() throws Exception {
        if (harness != null) { // null when serving failed: that error is the one to report
            harness.close();
            plugin.close();
        }
        Files.deleteIfExists(dir.resolve("labels.json"));
        Files.deleteIfExists(dir);
    }

    private static void validateOnly(String properties) throws Exception {
        try {
            client.validate(new RawJson(properties));
            Statistics.collect("valid");
            assertCreateRequestIsMadeOffline(properties);
        } catch (InstanceException e) {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
            assertThat(e.getMessage()).startsWith("invalid properties: Properties");
            Statistics.collect("invalid properties");
        }
        assertThat(metrics.backendCalls() - callsAtStart).as("engine calls made by Validate").isZero();
    }

    /** What Provision does before its first engine call, and the JSON body docker-java would send. */
    private static void assertCreateRequestIsMadeOffline(String properties) throws Exception {
        DockerProperties p = DockerJson.decode(new RawJson(properties));
        Spec spec = Spec.of(new RawJson(properties), Map.of("group", "fuzz")).withInit("echo hi\n");
        DockerContainerSpec c = DockerContainerSpec.of(p, spec,
                new DockerLabels(Map.of()).forCreate(p, spec.tags(), Optional.empty()));
        CreateContainerCmdImpl create = new CreateContainerCmdImpl(cmd -> {
            throw new AssertionError("no engine here");
        }, null, p.image());
        JsonNode body = DOCKER_JAVA_JSON.valueToTree(c.apply(create, new ContainerConfig()));
        assertThat(body.path("Image").asText()).isEqualTo(p.image());
        assertThat(c.initArchive()).isNotEmpty();
    }

    @Example
    void theValidPropertiesAreValid() throws Exception {
        for (String valid : DockerFuzzProperties.VALID) {
            client.validate(new RawJson(valid));
            assertCreateRequestIsMadeOffline(valid);
        }
        assertThat(metrics.backendCalls() - callsAtStart).isZero();
    }

    @Property(tries = 400)
    void anyJsonIsValidOrInvalidPropertiesAndNeverReachesTheEngine(@ForAll("trees") JsonNode properties)
            throws Exception {
        validateOnly(properties.toString());
    }

    @Property(tries = 600)
    void mutatedPropertiesAreValidOrInvalidAndNeverReachTheEngine(@ForAll("mutated") String properties)
            throws Exception {
        validateOnly(properties);
    }

    // Without jqwik's edge cases, which it mixes into every level of nested generators and which would crowd out
    // everything else.
    @Provide
    Arbitrary<JsonNode> trees() {
        return Arbitraries.frequencyOf(Tuple.of(1, DockerFuzzProperties.FUZZ.trees(4)),
                Tuple.of(1, DockerFuzzProperties.imageAndMembers())).withoutEdgeCases();
    }

    @Provide
    Arbitrary<String> mutated() {
        return DockerFuzzProperties.FUZZ.mutated().withoutEdgeCases();
    }
}
