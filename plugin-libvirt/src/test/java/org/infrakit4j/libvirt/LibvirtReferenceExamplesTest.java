package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every Properties example of InfraKit's Go libvirt plugin (resources {@code reference/}, copied from InfraKit at
 * f9e924e7) through Validate, and Provision, Describe and Destroy on the test driver, as the reference's own
 * tests ran them. Where an example cannot work as written, the test shows the error and then runs it adapted,
 * saying how.
 */
class LibvirtReferenceExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String run = "ref" + java.util.UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> tags = Map.of("run", run);
    private final LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(),
            LibvirtTestDriverContractTest.POOL);

    @AfterEach
    void close() {
        for (Description d : plugin.describeInstances(tags, false)) {
            plugin.destroy(d.id(), DestroyContext.TERMINATE);
        }
        plugin.close();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = LibvirtReferenceExamplesTest.class.getResourceAsStream("reference/" + name)) {
            assertThat(in).as("resource reference/%s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The instance Properties of the reference's group config, read as InfraKit read the YAML. */
    static ObjectNode libvirtYmlProperties() throws IOException {
        Object group = new Yaml().load(resource("libvirt.yml")); // a repeated key: the last one counts, as in Go
        JsonNode tree = JSON.valueToTree(group);
        return (ObjectNode) tree.path("Properties").path("Instance").path("Properties");
    }

    private InstanceException refused(RawJson properties) {
        try {
            plugin.validate(properties);
        } catch (InstanceException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
            assertThatThrownBy(() -> plugin.provision(Spec.of(properties, tags))).as("Provision refuses it too")
                    .isInstanceOf(InstanceException.class).hasMessage(e.getMessage());
            return e;
        }
        throw new AssertionError("validated: " + properties.json());
    }

    private JsonNode describe(InstanceId id) {
        List<Description> found = plugin.describeInstances(tags, true).stream().filter(d -> d.id().equals(id))
                .toList();
        assertThat(found).as("Describe shows %s", id).hasSize(1);
        try {
            return JSON.readTree(found.get(0).properties().json());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private String definition(InstanceId id) {
        return plugin.connection().retrying(LibvirtOperation.DOMAIN_LOOKUP, id.value(),
                c -> c.domainLookupByName(id.value()).getXMLDesc(0));
    }

    @Test
    void libvirtYmlAsWrittenIsRefusedNamingBootThenItsRelativeKernel() throws IOException {
        ObjectNode props = libvirtYmlProperties();
        assertThat(refused(new RawJson(props.toString()))).isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: "
                + "Properties.Domain.OS.Boot: unknown field (known: Type, Loader, NVRam, Kernel, Initrd, KernelArgs, "
                + "BootDevices, BootMenu, SMBios, BIOS, Init, InitArgs; names match case-insensitively)"));
        // The Go plugin dropped Boot silently; its field is BootDevices.
        ObjectNode os = (ObjectNode) props.path("Domain").path("OS");
        os.set("BootDevices", JSON.readTree("[{\"Dev\":\"hd\"}]"));
        os.remove("Boot");
        assertThat(refused(new RawJson(props.toString()))).isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: "
                + "Properties.Domain.OS.Kernel: must be an absolute path on the libvirt host, not \"../bzImage\""));
    }

    @Test
    void libvirtYmlWithAbsolutePathsValidatesAndProvisionsOnTheTestDriver() throws IOException {
        ObjectNode props = libvirtYmlProperties();
        ObjectNode os = (ObjectNode) props.path("Domain").path("OS");
        os.set("BootDevices", JSON.readTree("[{\"Dev\":\"hd\"}]"));
        os.remove("Boot");
        os.put("Kernel", "/var/lib/infrakit/bzImage");
        os.put("Initrd", "/var/lib/infrakit/initrd.img");
        plugin.validate(new RawJson(props.toString())); // as written for kvm
        // The test driver runs domains of type test only; the reference's own tests used it the same way.
        ((ObjectNode) props.path("Domain")).put("Type", "test");
        InstanceId id = plugin.provision(Spec.of(new RawJson(props.toString()), tags));
        assertThat(id.value()).matches("infrakit-[0-9a-f]{12}");
        JsonNode described = describe(id);
        assertThat(described.path("MemoryMiB").asLong()).isEqualTo(1024); // Memory 1 GiB
        assertThat(described.path("VCPUs").asInt()).isEqualTo(1);
        assertThat(described.path("Interfaces").get(0).path("Type").asText()).isEqualTo("bridge");
        assertThat(described.path("Interfaces").get(0).path("Bridge").asText()).isEqualTo("virbr0");
        assertThat(definition(id)).contains("<kernel>/var/lib/infrakit/bzImage</kernel>")
                .contains("<initrd>/var/lib/infrakit/initrd.img</initrd>").contains("<cmdline>console=ttyS0</cmdline>")
                .contains("<on_poweroff>destroy</on_poweroff>").contains("<on_crash>destroy</on_crash>")
                .contains("org.qemu.guest_agent.0");
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(plugin.describeInstances(tags, false)).isEmpty();
    }

    @Test
    void basicLifecycleProvisionsWithItsMacLogicalIdOnTheFirstInterface() throws IOException {
        RawJson props = new RawJson(resource("instance_test.TestBasicLifecycle.json"));
        plugin.validate(props);
        InstanceId id = plugin.provision(Spec.of(props, tags).withLogicalId("da:37:60:0c:e2:fe"));
        Description d = plugin.describeInstances(tags, false).stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow();
        assertThat(d.logicalId()).contains("da:37:60:0c:e2:fe");
        JsonNode nic = describe(id).path("Interfaces").get(0);
        assertThat(nic.path("MAC").asText()).isEqualTo("da:37:60:0c:e2:fe");
        assertThat(nic.path("Bridge").asText()).isEqualTo("virbr0");
        assertThat(describe(id).path("MemoryMiB").asLong()).isEqualTo(1024);
        assertThat(definition(id)).contains("<kernel>/foo/bar/Image</kernel>");
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(plugin.describeInstances(tags, false)).isEmpty();
    }

    @Test
    void noDevicesAndLogicalIdNotMacProvisionWithoutInterfaces() throws IOException {
        for (String test : List.of("TestNoDevices", "TestLogicalIDNotMAC")) {
            RawJson props = new RawJson(resource("instance_test." + test + ".json"));
            plugin.validate(props);
            for (String logicalId : List.of("d2:60:fb:f5:bd:44", "worker-1")) {
                InstanceId id = plugin.provision(Spec.of(props, tags).withLogicalId(logicalId));
                assertThat(plugin.describeInstances(tags, false)).as(test).singleElement()
                        .satisfies(x -> assertThat(x.logicalId()).contains(logicalId));
                assertThat(describe(id).path("Interfaces")).as(test).isEmpty();
                plugin.destroy(id, DestroyContext.TERMINATE);
            }
        }
        assertThat(plugin.describeInstances(tags, false)).isEmpty();
    }

    @Test
    void invalidPropertiesIsRefusedAsNotJson() throws IOException {
        assertThat(refused(new RawJson(resource("instance_test.TestInvalidProperties.json").strip())))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("invalid properties: Properties: is not valid JSON"));
    }
}
