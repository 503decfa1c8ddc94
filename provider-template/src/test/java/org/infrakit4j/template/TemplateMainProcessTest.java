package org.infrakit4j.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.CommandRun;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The plugin as a user runs it: its own JVM through the real main, serving on its socket until SIGTERM. */
class TemplateMainProcessTest {
    private Path home;
    private PluginProcess processes;

    @BeforeEach
    void home() throws Exception {
        // Under /tmp: a unix socket path must stay under ~100 bytes, which a build directory may not.
        processes = PluginProcess.inNewHome(TemplateMain.class, "ik4jt-", Map.of());
        home = processes.home();
    }

    @AfterEach
    void cleanup() throws Exception {
        processes.close();
    }

    @Test
    void servesOnItsSocketProvisionsAndRemovesTheSocketOnSigterm() throws Exception {
        Process p = processes.start();
        Path socket = processes.socket(TemplateMain.DEFAULT_NAME);
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            InstanceId id = client.provision(Spec.of(new RawJson("{\"Size\":\"medium\"}"), Map.of("a", "b"))
                    .withLogicalId("web-1"));
            assertThat(client.describeInstances(Map.of("a", "b"), false)).extracting(Description::id)
                    .containsExactly(id);
        }
        PluginProcess.term(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_OK);
        assertThat(socket).doesNotExist();
        assertThat(processes.output(0)).contains("provisioned");
    }

    @Test
    void aBadFlagValueExitsTwoWithoutServing() {
        CommandRun run = CommandRun.of(new TemplateMain(), "--max-instances", "0",
                "--plugins-dir", home.resolve("plugins").toString());
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("--max-instances must be at least 1, not 0");
        assertThat(home.resolve("plugins")).doesNotExist();
    }

    @Test
    void printsThePropertiesSchema() throws Exception {
        Process p = processes.start("--properties-schema");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_OK);
        // the whole output is the schema, as one JSON document: nothing logged before or after it
        String printed = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .readTree(processes.output(0)).toString();
        assertThat(printed).isEqualTo(PropertiesSchema.of(TemplateProperties.class).toString());
        assertThat(printed).contains("\"required\":[\"Size\"]");
    }
}
