package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginHarness;

/**
 * Validate under random and mutated Properties, sent through the real socket to a plugin on the real libvirtd:
 * every answer is success or an invalid-properties error naming a field path, never another kind, and libvirt is
 * never called (not even connected to).
 */
class LibvirtValidateFuzzTest {
    /** The deepest JSON document the RPC layer reads; Properties sit two levels down in the envelope. */
    private static PluginMetrics metrics;
    private static LibvirtInstancePlugin plugin;
    private static PluginHarness harness;
    private static InstancePluginClient client;

    @BeforeContainer
    static void serve() throws Exception {
        metrics = new PluginMetrics(PluginHarness.NAME);
        plugin = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(), LibvirtTestEnv.pool(), metrics);
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
    }

    private static void validateOnly(String properties) {
        try {
            client.validate(new RawJson(properties));
            Statistics.collect("valid");
        } catch (InstanceException e) {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
            assertThat(e.getMessage()).startsWith("invalid properties: Properties");
            Statistics.collect("invalid properties");
        }
        assertThat(metrics.backendCalls()).as("libvirt calls made by Validate").isZero();
    }

    @Example
    void theValidPropertiesAreValid() {
        for (String valid : LibvirtFuzzProperties.VALID) {
            client.validate(new RawJson(valid));
        }
        client.validate(plugin.exampleProperties());
        assertThat(metrics.backendCalls()).isZero();
    }

    @Property(tries = 400)
    void anyJsonIsValidOrInvalidPropertiesAndNeverReachesLibvirt(@ForAll("trees") JsonNode properties) {
        validateOnly(properties.toString());
    }

    @Property(tries = 600)
    void mutatedPropertiesAreValidOrInvalidAndNeverReachLibvirt(@ForAll("mutated") String properties) {
        validateOnly(properties);
    }

    // Without jqwik's edge cases, which it mixes into every level of nested generators and which would crowd out
    // everything else.
    @Provide
    Arbitrary<JsonNode> trees() {
        return LibvirtFuzzProperties.FUZZ.trees(4).withoutEdgeCases();
    }

    @Provide
    Arbitrary<String> mutated() {
        return LibvirtFuzzProperties.FUZZ.mutated().withoutEdgeCases();
    }
}
