package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.SchemaChecks;
import org.junit.jupiter.api.Test;

/**
 * The Properties JSON Schema, derived from {@link LibvirtProperties}: what the plugin accepts conforms to it, its
 * required members, listed values and defaults agree with the records, and {@code --properties-schema} prints it.
 */
class LibvirtPropertiesSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Properties the plugin accepts, with every nested record and each disk kind present. */
    private static final String FULL = "{\"NamePrefix\":\"web\",\"Type\":\"qemu\",\"MemoryMiB\":512,\"VCPUs\":2,"
            + "\"CPUModel\":\"host-model\",\"OS\":{\"Boot\":[\"hd\",\"network\"]},\"Disks\":[{\"Kind\":\"new\","
            + "\"SizeMiB\":64,\"Format\":\"raw\",\"Pool\":\"default\",\"Bus\":\"sata\",\"ReadOnly\":false},"
            + "{\"Kind\":\"overlay\",\"Base\":\"images/base.qcow2\"},{\"Kind\":\"existing\",\"Volume\":\"data\","
            + "\"ReadOnly\":true}],\"Interfaces\":[{\"Network\":\"default\",\"Model\":\"e1000\","
            + "\"MAC\":\"52:54:00:12:34:56\"},{\"Bridge\":\"br0\"}],\"Console\":false,\"StopTimeoutSeconds\":30}";

    private final JsonNode schema = PropertiesSchema.of(LibvirtProperties.class);

    private static LibvirtProperties decode(String json) {
        return LibvirtPropertiesDecoder.ours(new RawJson(json));
    }

    @Test
    void propertiesThePluginAcceptsConformToTheSchema() throws Exception {
        String example = new LibvirtInstancePlugin("test:///default", Map.of(), null).exampleProperties().json();
        for (String accepted : List.of(FULL, example, "{}",
                "{\"OS\":{\"Kernel\":\"/boot/vmlinuz\",\"Initrd\":\"/boot/initrd\",\"Cmdline\":\"console=ttyS0\"}}",
                "{\"DomainXML\":\"<domain type='qemu'/>\",\"NamePrefix\":\"t\"}")) {
            decode(accepted);
            assertThat(PropertiesSchema.violations(schema, JSON.readTree(accepted))).as(accepted).isEmpty();
        }
        assertThat(schema.path("title").asText()).isEqualTo("infrakit4j instance-libvirt Properties");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    }

    @Test
    void whatTheSchemaRequiresTheRecordsRequire() throws Exception {
        assertThat(schema.has("required")).as("every top-level member is optional").isFalse();
        assertThat(schema.at("/properties/Disks/items/required").toString()).isEqualTo("[\"Kind\"]");
        assertThatThrownBy(() -> decode("{\"Disks\":[{\"SizeMiB\":1}]}"))
                .hasMessageContaining("Properties.Disks[0].Kind: is required");
        assertThat(PropertiesSchema.violations(schema, JSON.readTree("{\"Disks\":[{\"SizeMiB\":1}]}")))
                .containsExactly("Disks[0]: Kind is required");
    }

    @Test
    void everyListedValueIsAcceptedAndAValueOutsideIsRefusedByBoth() throws Exception {
        Map<String, String> lists = Map.of("/properties/Type", "/Type",
                "/properties/OS/properties/Boot/items", "/OS/Boot/0",
                "/properties/Disks/items/properties/Format", "/Disks/0/Format",
                "/properties/Disks/items/properties/Bus", "/Disks/0/Bus");
        for (Map.Entry<String, String> e : lists.entrySet()) {
            JsonNode values = schema.at(e.getKey() + "/enum");
            assertThat(values.size()).as(e.getKey()).isGreaterThan(1);
            for (JsonNode value : values) {
                decode(SchemaChecks.replaced(FULL, e.getValue(), value).toString());
            }
            JsonNode bad = SchemaChecks.replaced(FULL, e.getValue(), JSON.getNodeFactory().textNode("floppy"));
            assertThat(PropertiesSchema.violations(schema, bad)).as(e.getKey()).hasSize(1);
            assertThatThrownBy(() -> decode(bad.toString())).as(e.getKey()).isInstanceOfSatisfying(
                    InstanceException.class, ex -> assertThat(ex.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES));
        }
        for (String prefix : List.of("-web", "a".repeat(41))) {
            JsonNode bad = SchemaChecks.replaced(FULL, "/NamePrefix", JSON.getNodeFactory().textNode(prefix));
            assertThat(PropertiesSchema.violations(schema, bad)).as(prefix).hasSize(1);
            assertThatThrownBy(() -> decode(bad.toString())).hasMessageContaining("Properties.NamePrefix: must be");
        }
        JsonNode tooBig = SchemaChecks.replaced(FULL, "/MemoryMiB", JSON.getNodeFactory().numberNode(16777217L));
        assertThat(PropertiesSchema.violations(schema, tooBig)).hasSize(1);
        assertThatThrownBy(() -> decode(tooBig.toString())).hasMessageContaining("Properties.MemoryMiB: must be");
    }

    @Test
    void theDocumentedDefaultsAreWhatTheRecordsTakeWhenAbsent() {
        LibvirtProperties decoded = decode("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1}],"
                + "\"Interfaces\":[{\"Network\":\"default\"}]}");
        assertThat(SchemaChecks.defaultsAgree(schema, JSON.valueToTree(decoded))).as("defaults compared").isEqualTo(10);
    }
    @Test
    void thePropertiesSchemaFlagPrintsTheSchemaAndExitsZeroTouchingNothing() throws Exception {
        // a backend where nothing listens: printing must not need it, nor the plugins directory
        SchemaChecks.printsTheSchemaAlone(LibvirtMain.class, schema, "--uri", "qemu+tcp://127.0.0.1:9/system");
    }

}
