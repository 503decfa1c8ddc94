package org.infrakit4j.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Properties examples of InfraKit's Go file plugin (github docker/infrakit at f9e924e7) validate and provision
 * here through the socket, and Describe gives them back as given.
 */
class FileReferenceExamplesTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {
        // pkg/plugin/instance/file/plugin.go, ExampleProperties()
        "{\"exampleBool\":true,\"exampleInt\":1,\"exampleString\":\"a_string\"}",
        // pkg/plugin/instance/file/plugin_test.go, TestUsage (Terraform-like properties, stored verbatim)
        "\n{\n            \"ami\" : \"${lookup(var.aws_amis, var.aws_region)}\",\n"
                + "            \"instance_type\" : \"m1.small\",\n            \"key_name\": \"PUBKEY\",\n"
                + "            \"vpc_security_group_ids\" : [\"${aws_security_group.default.id}\"],\n"
                + "            \"subnet_id\": \"${aws_subnet.default.id}\"\n}"})
    void aReferenceExampleValidatesProvisionsAndComesBackAsGiven(String properties) throws Exception {
        try (FileInstancePlugin plugin = FileInstancePlugin.open(tmp.resolve("instances"), BackendMeter.NONE);
             PluginHarness harness = PluginHarness.serve(plugin, Duration.ofSeconds(10))) {
            InstancePluginClient client = harness.client();
            RawJson json = new RawJson(properties);
            client.validate(json);
            InstanceId id = client.provision(new Spec(json, Map.of("label1", "value1", "label2", "value2"),
                    "apt-get update -y", java.util.Optional.empty(), List.of(new Attachment("ebs1", "ebs"))));
            List<Description> found = client.describeInstances(Map.of("label1", "value1"), true);
            assertThat(found).extracting(Description::id).containsExactly(id);
            // Describe's Properties are the whole provision Spec, as the Go plugin gave them; the example is in it,
            // its values as given (the wire carries it compacted, as InfraKit's Go client does).
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            assertThat(mapper.readTree(found.get(0).properties().json()).get("Properties"))
                    .isEqualTo(mapper.readTree(properties));
        }
    }
}
