package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.command.CreateContainerCmdImpl;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.ValidateFuzzHarness;

/**
 * Validate under random and mutated Properties, sent through the real socket to a plugin on the real engine: every
 * answer is success or an invalid-properties error naming a field path, never another kind, and the engine is never
 * called. Properties that Validate accepts also make a complete create request offline, as Provision would send it.
 */
class DockerValidateFuzzTest {
    private static final ObjectMapper DOCKER_JAVA_JSON = DockerClientConfig.getDefaultObjectMapper();
    private static Path dir;
    private static ValidateFuzzHarness fuzz;

    @BeforeContainer
    static void serve() throws Exception {
        dir = Files.createTempDirectory("ik4j-fuzz-");
        // The reaper lists dead containers every 10 s on its own thread: those engine calls are not Validate's.
        fuzz = ValidateFuzzHarness.serve("engine", meter -> DockerInstancePlugin.open(
                DockerEngine.Config.of(DockerTestBackend.host()),
                Map.of("ik4j.namespace", "fuzz-" + DockerTestBackend.randomHex(4)), dir.resolve("labels.json"),
                (operation, nanos, failed) -> {
                    if (!Thread.currentThread().getName().equals("ik4j-reaper")) {
                        meter.record(operation, nanos, failed);
                    }
                }));
    }

    @AfterContainer
    static void close() throws Exception {
        if (fuzz != null) { // null when serving failed: that error is the one to report
            fuzz.close();
        }
        Files.deleteIfExists(dir.resolve("labels.json"));
        Files.deleteIfExists(dir);
    }

    private static void validateOnly(String properties) throws Exception {
        if (fuzz.validate(properties)) {
            assertCreateRequestIsMadeOffline(properties);
        }
    }

    /** What Provision does before its first engine call, and the JSON body docker-java would send. */
    private static void assertCreateRequestIsMadeOffline(String properties) throws Exception {
        DockerProperties p = DockerPropertiesDecoder.ours(new RawJson(properties));
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
            fuzz.client().validate(new RawJson(valid));
            assertCreateRequestIsMadeOffline(valid);
        }
        fuzz.assertNoBackendCall();
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
