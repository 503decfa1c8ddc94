package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
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
            DockerJson.decode(new RawJson(accepted));
            assertThat(PropertiesSchema.violations(schema, JSON.readTree(accepted))).as(accepted).isEmpty();
        }
        assertThat(schema.path("title").asText()).isEqualTo("infrakit4j Docker instance Properties");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    }

    @Test
    void whatTheSchemaRequiresTheRecordsRequire() throws Exception {
        assertThat(schema.path("required").toString()).isEqualTo("[\"Image\"]");
        assertThatThrownBy(() -> DockerJson.decode(new RawJson("{\"Pull\":\"always\"}")))
                .hasMessageContaining("Properties.Image: is required");
        assertThat(schema.at("/properties/Mounts/items/required").toString()).isEqualTo("[\"Target\"]");
        assertThatThrownBy(() -> DockerJson.decode(new RawJson("{\"Image\":\"busybox\",\"Mounts\":[{}]}")))
                .hasMessageContaining("Properties.Mounts[0].Target: is required");
        assertThat(schema.at("/properties/PortBindings/items/required").toString()).isEqualTo("[\"ContainerPort\"]");
        assertThatThrownBy(() -> DockerJson.decode(new RawJson("{\"Image\":\"busybox\",\"PortBindings\":[{}]}")))
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
                JsonNode p = with(e.getValue(), value);
                DockerJson.decode(new RawJson(p.toString()));
            }
            JsonNode bad = with(e.getValue(), JSON.getNodeFactory().textNode("sometimes"));
            assertThat(PropertiesSchema.violations(schema, bad)).hasSize(1);
            assertThatThrownBy(() -> DockerJson.decode(new RawJson(bad.toString()))).as(e.getKey())
                    .hasMessageContaining("invalid properties");
        }
        JsonNode types = schema.at("/properties/Mounts/items/properties/Type/enum");
        assertThat(types.toString()).isEqualTo("[\"volume\",\"bind\",\"tmpfs\"]");
        for (JsonNode type : types) { // a bind mount needs a host path, a tmpfs takes none
            String source = type.asText().equals("bind") ? ",\"Source\":\"/srv\"" : "";
            DockerJson.decode(new RawJson("{\"Image\":\"busybox\",\"Mounts\":[{\"Type\":" + type + source
                    + ",\"Target\":\"/data\"}]}"));
        }
        for (String port : List.of("65536x", "80/icmp")) {
            JsonNode bad = with("/ExposedPorts/0", JSON.getNodeFactory().textNode(port));
            assertThat(PropertiesSchema.violations(schema, bad)).hasSize(1);
            assertThatThrownBy(() -> DockerJson.decode(new RawJson(bad.toString())))
                    .hasMessageContaining("Properties.ExposedPorts[0]: must be PORT or PORT/PROTOCOL");
        }
    }

    @Test
    void theDocumentedDefaultsAreWhatTheRecordsTakeWhenAbsent() throws Exception {
        DockerProperties decoded = DockerJson.decode(new RawJson("{\"Image\":\"busybox\",\"Mounts\":[{\"Target\":"
                + "\"/d\"}],\"RestartPolicy\":{},\"InitScript\":{}}"));
        int checked = defaultsAgree(schema, JSON.valueToTree(decoded));
        assertThat(checked).as("defaults compared").isEqualTo(9);
    }

    /** Compares each documented default with the decoded value where the member is present; returns how many. */
    static int defaultsAgree(JsonNode schema, JsonNode decoded) {
        int checked = 0;
        if (schema.has("items") && decoded.isArray()) {
            for (JsonNode element : decoded) {
                checked += defaultsAgree(schema.get("items"), element);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            JsonNode value = decoded.path(member.getKey());
            if (member.getValue().has("default")) {
                assertThat(value.toString()).as(member.getKey()).isEqualTo(member.getValue().get("default").toString());
                checked++;
            }
            checked += defaultsAgree(member.getValue(), value);
        }
        return checked;
    }

    private static JsonNode with(String pointer, JsonNode value) throws Exception {
        JsonNode p = JSON.readTree(FULL);
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = p.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent.isArray()) {
            ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
        return p;
    }

    @Test
    void thePropertiesSchemaFlagPrintsTheSchemaAndExitsZeroTouchingNothing() throws Exception {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ik4jd-");
        try (PluginProcess processes = new PluginProcess(DockerMain.class, home, Map.of())) {
            // an engine where nothing listens: printing must not need Docker, nor the plugins directory
            Process p = processes.start("--properties-schema", "--docker-host", "tcp://127.0.0.1:9",
                    "--plugins-dir", home.resolve("plugins").toString());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_OK);
            // the whole output is the schema, one JSON document: nothing logged before or after it
            assertThat(new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(processes.output(0)).toString()).isEqualTo(schema.toString());
            assertThat(home.resolve("plugins")).doesNotExist();
        } finally {
            try (var files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
