package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.SchemaChecks;
import org.junit.jupiter.api.Test;

/**
 * The Properties JSON Schema, derived from {@link DockerProperties}: what the plugin accepts conforms to it, its
 * required members, listed values and defaults agree with the records, and {@code --properties-schema} prints it.
 */
class DockerPropertiesSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Properties the plugin accepts, with every nested record present. */
    private static final String FULL = "{\"Image\":\"registry:5000/team/app:1.2\",\"Pull\":\"always\","
            + "\"Cmd\":[\"sleep\",\"60\"],\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Env\":{\"A\":\"1\"},\"WorkingDir\":\"/w\","
            + "\"User\":\"1000\",\"Hostname\":\"h\",\"Labels\":{\"team\":\"a\"},\"ExposedPorts\":[\"80\",\"53/udp\"],"
            + "\"PortBindings\":[{\"ContainerPort\":\"80/tcp\",\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8000-8010\"}],"
            + "\"Mounts\":[{\"Target\":\"/data\",\"ReadOnly\":true},{\"Type\":\"bind\",\"Source\":\"/srv\",\"Target\":\"/srv\"}],"
            + "\"Volumes\":[\"/cache\"],\"NetworkMode\":\"none\",\"Networks\":[\"n1\"],"
            + "\"RestartPolicy\":{\"Name\":\"always\"},"
            + "\"Resources\":{\"Memory\":\"512m\",\"Cpus\":0.5},\"Init\":false,"
            + "\"InitScript\":{\"Path\":\"/opt/init.sh\",\"Run\":false,\"Shell\":\"/bin/bash\"},\"Privileged\":false,"
            + "\"CapAdd\":[\"NET_ADMIN\"],\"CapDrop\":[\"MKNOD\"],\"StopTimeout\":30}";

    private final JsonNode schema = PropertiesSchema.of(DockerProperties.class);

    @Test
    void propertiesThePluginAcceptsConformToTheSchema() throws Exception {
        for (String accepted : List.of(FULL, DockerProperties.EXAMPLE.json(), "{\"Image\":\"busybox\"}")) {
            DockerPropertiesDecoder.ours(new RawJson(accepted));
            assertThat(PropertiesSchema.violations(schema, JSON.readTree(accepted))).as(accepted).isEmpty();
        }
        assertThat(schema.path("title").asText()).isEqualTo("infrakit4j Docker instance Properties");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    }

    @Test
    void whatTheSchemaRequiresTheRecordsRequire() throws Exception {
        assertThat(schema.path("required").toString()).isEqualTo("[\"Image\"]");
        assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson("{\"Pull\":\"always\"}")))
                .hasMessageContaining("Properties.Image: is required");
        assertThat(schema.at("/properties/Mounts/items/required").toString()).isEqualTo("[\"Target\"]");
        assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"busybox\",\"Mounts\":[{}]}")))
                .hasMessageContaining("Properties.Mounts[0].Target: is required");
        assertThat(schema.at("/properties/PortBindings/items/required").toString()).isEqualTo("[\"ContainerPort\"]");
        assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"busybox\",\"PortBindings\":[{}]}")))
                .hasMessageContaining("Properties.PortBindings[0].ContainerPort: is required");
    }

    @Test
    void everyListedValueIsAcceptedAndAValueOutsideIsRefusedByBoth() throws Exception {
        Map<String, String> lists = Map.of("/properties/Pull", "/Pull",
                "/properties/RestartPolicy/properties/Name", "/RestartPolicy/Name");
        for (Map.Entry<String, String> e : lists.entrySet()) {
            JsonNode values = schema.at(e.getKey() + "/enum");
            assertThat(values.size()).as(e.getKey()).isGreaterThan(2);
            for (JsonNode value : values) {
                JsonNode p = SchemaChecks.replaced(FULL, e.getValue(), value);
                DockerPropertiesDecoder.ours(new RawJson(p.toString()));
            }
            JsonNode bad = SchemaChecks.replaced(FULL, e.getValue(), JSON.getNodeFactory().textNode("sometimes"));
            assertThat(PropertiesSchema.violations(schema, bad)).hasSize(1);
            assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson(bad.toString()))).as(e.getKey())
                    .isInstanceOfSatisfying(InstanceException.class,
                            ex -> assertThat(ex.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES));
        }
        JsonNode types = schema.at("/properties/Mounts/items/properties/Type/enum");
        assertThat(types.toString()).isEqualTo("[\"volume\",\"bind\",\"tmpfs\"]");
        for (JsonNode type : types) { // a bind mount needs a host path, a tmpfs takes none
            String source = type.asText().equals("bind") ? ",\"Source\":\"/srv\"" : "";
            DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"busybox\",\"Mounts\":[{\"Type\":" + type + source
                    + ",\"Target\":\"/data\"}]}"));
        }
        for (String port : List.of("65536x", "80/icmp")) {
            JsonNode bad = SchemaChecks.replaced(FULL, "/ExposedPorts/0", JSON.getNodeFactory().textNode(port));
            assertThat(PropertiesSchema.violations(schema, bad)).hasSize(1);
            assertThatThrownBy(() -> DockerPropertiesDecoder.ours(new RawJson(bad.toString())))
                    .hasMessageContaining("Properties.ExposedPorts[0]: must be PORT or PORT/PROTOCOL");
        }
    }

    @Test
    void theDocumentedDefaultsAreWhatTheRecordsTakeWhenAbsent() throws Exception {
        DockerProperties decoded = DockerPropertiesDecoder.ours(new RawJson("{\"Image\":\"busybox\",\"Mounts\":[{\"Target\":"
                + "\"/d\"}],\"RestartPolicy\":{},\"InitScript\":{}}"));
        int checked = SchemaChecks.defaultsAgree(schema, JSON.valueToTree(decoded));
        assertThat(checked).as("defaults compared").isEqualTo(9);
    }
    @Test
    void thePropertiesSchemaFlagPrintsTheSchemaAndExitsZeroTouchingNothing() throws Exception {
        // a backend where nothing listens: printing must not need it, nor the plugins directory
        SchemaChecks.printsTheSchemaAlone(DockerMain.class, schema, "--docker-host", "tcp://127.0.0.1:9");
    }

}
