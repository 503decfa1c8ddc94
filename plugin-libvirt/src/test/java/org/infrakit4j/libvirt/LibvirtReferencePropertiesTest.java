package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The Go plugin's Properties shape: recognised, decoded strictly, written as domain XML that cannot be injected. */
class LibvirtReferencePropertiesTest {
    private static final String MINIMAL = "{\"Domain\":{\"Type\":\"test\",\"Memory\":{\"Value\":32,\"Unit\":\"MiB\"}}}";

    private static LibvirtProperties decode(String json) {
        return LibvirtPropertiesDecoder.decode(new RawJson(json));
    }

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> decode(json)).as(json).isInstanceOf(InstanceException.class)
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + message));
    }

    @Test
    void isRecognisedByItsTopLevelMembersAndOurShapeIsNot() {
        assertThat(LibvirtReferenceProperties.recognises(new RawJson(MINIMAL))).isTrue();
        assertThat(LibvirtReferenceProperties.recognises(new RawJson("{\"metadatastoragepool\":\"p\"}"))).isTrue();
        assertThat(LibvirtReferenceProperties.recognises(new RawJson("{\"DomainXML\":\"<domain type='test'/>\"}")))
                .isFalse();
        assertThat(LibvirtReferenceProperties.recognises(new RawJson("{\"MemoryMiB\":32,\"Tag\":\"Domain\"}")))
                .isFalse();
        assertThat(decode("{\"MemoryMiB\":32}").memoryMiB()).isEqualTo(32);
    }

    @Test
    void becomesATemplateInGoFieldOrderWithTheNameAsPrefixAndNoUuid() {
        LibvirtProperties p = decode("{\"MetadataStoragePool\":\"pool1\",\"Domain\":{\"Type\":\"kvm\","
                + "\"Name\":\"web\",\"VCPU\":{\"Value\":2,\"Placement\":\"static\"},\"Memory\":{\"Unit\":\"GiB\","
                + "\"Value\":1},\"OS\":{\"Type\":{\"Arch\":\"x86_64\",\"Type\":\"hvm\"},\"KernelArgs\":\"a=b\","
                + "\"Kernel\":\"/k\",\"BootDevices\":[{\"Dev\":\"hd\"}],\"InitArgs\":[\"x\",\"y\"]},"
                + "\"Devices\":{\"Disks\":[{\"Type\":\"file\",\"Device\":\"disk\",\"Source\":{\"File\":\"/d.img\"},"
                + "\"Target\":{\"Dev\":\"vda\",\"Bus\":\"virtio\"}}],\"Videos\":[{}],\"Channels\":[{\"Type\":\"unix\","
                + "\"Address\":{\"Type\":\"virtio-serial\",\"Port\":0}}]},\"SysInfo\":{\"Type\":\"smbios\","
                + "\"System\":[{\"Name\":\"vendor\",\"Value\":\"ik\"}]},\"OnReboot\":\"restart\"}}");
        assertThat(p.namePrefix()).isEqualTo("web");
        assertThat(p.domainXml()).isEqualTo("<domain type=\"kvm\"><memory unit=\"GiB\">1</memory>"
                + "<vcpu placement=\"static\">2</vcpu><devices><disk device=\"disk\" type=\"file\">"
                + "<source file=\"/d.img\"/><target bus=\"virtio\" dev=\"vda\"/></disk>"
                + "<video><model/></video><channel type=\"unix\"><address port=\"0\" type=\"virtio-serial\"/>"
                + "</channel></devices><os><type arch=\"x86_64\">hvm</type><kernel>/k</kernel><cmdline>a=b</cmdline>"
                + "<boot dev=\"hd\"/><initarg>x</initarg><initarg>y</initarg></os><sysinfo type=\"smbios\"><system>"
                + "<entry name=\"vendor\">ik</entry></system></sysinfo><on_reboot>restart</on_reboot></domain>");
    }

    @Test
    void unknownFieldsAndWrongTypesAreErrorsWithTheirPath() {
        refused("{\"Domain\":{\"Type\":\"test\",\"Devices\":{\"Interfaces\":[{\"Type\":\"bridge\"},"
                + "{\"Type\":\"network\",\"Source\":{\"Netwrk\":\"n\"}}]}}}",
                "Properties.Domain.Devices.Interfaces[1].Source.Netwrk: unknown field (known: Bridge, Network, "
                        + "Address, Type, Path, Mode, Port; names match case-insensitively)");
        refused("{\"Domain\":{\"Type\":\"test\",\"VCPU\":{\"Value\":\"2\"}}}",
                "Properties.Domain.VCPU.Value: must be an integer, got a string");
        refused("{\"Domain\":{\"Type\":\"test\",\"VCPU\":{\"Value\":1.5}}}",
                "Properties.Domain.VCPU.Value: must be an integer, got a fraction");
        refused("{\"Domain\":{\"Type\":\"test\",\"Devices\":{\"Interfaces\":[{\"Source\":{\"Port\":-1}}]}}}",
                "Properties.Domain.Devices.Interfaces[0].Source.Port: must be a non-negative integer, got -1");
        refused("{\"Domain\":{\"Type\":\"test\",\"OnCrash\":true}}",
                "Properties.Domain.OnCrash: must be a string, got a boolean");
        refused("{\"Domain\":{\"Type\":\"test\",\"Devices\":{\"Disks\":{}}}}",
                "Properties.Domain.Devices.Disks: must be an array, got an object");
        refused("{\"Domain\":{\"Type\":\"test\"},\"Pool\":\"x\"}",
                "Properties.Pool: unknown field (known: Domain, MetadataStoragePool; names match case-insensitively)");
        refused("{\"Domain\":{\"Type\":\"test\",\"Metadata\":{}}}", "Properties.Domain.Metadata: unknown field "
                + "(known: XMLName, Type, Name, UUID, Memory, CurrentMemory, MaximumMemory, VCPU, CPU, Resource, "
                + "Devices, OS, SysInfo, OnPoweroff, OnReboot, OnCrash; names match case-insensitively)");
    }

    @Test
    void namesMatchCaseInsensitivelyAsInGoButOneFieldTwiceIsAnError() {
        assertThat(decode("{\"domain\":{\"type\":\"test\",\"vcpu\":{\"value\":3}}}").domainXml())
                .isEqualTo("<domain type=\"test\"><vcpu>3</vcpu></domain>");
        refused("{\"Domain\":{\"Type\":\"test\",\"type\":\"kvm\"}}",
                "Properties.Domain.type: given twice (also as Type; names match case-insensitively)");
    }

    @Test
    void whatThePluginOwnsOrCannotHonourIsAnErrorNamingTheField() {
        refused("{\"Domain\":{\"Type\":\"test\",\"UUID\":\"c7a5fdbd-cdaf-9455-926a-d65c16db1809\"}}",
                "Properties.Domain.UUID: cannot be honoured: every instance would get the same UUID; leave it out "
                        + "and libvirt gives each domain its own");
        refused("{\"Domain\":{\"Memory\":{\"Value\":1}}}", "Properties.Domain.Type: is required: kvm, qemu, test "
                + "or another libvirt domain type");
        refused("{\"MetadataStoragePool\":\"default\"}", "Properties.Domain: is required: the libvirt-go-xml "
                + "domain to make");
        refused("{\"Domain\":{\"Type\":\"test\",\"OS\":{\"Kernel\":\"/k\",\"Initrd\":\"initrd.img\"}}}",
                "Properties.Domain.OS.Initrd: must be an absolute path on the libvirt host, not \"initrd.img\"");
        refused("{\"Domain\":{\"Type\":\"test\",\"Devices\":{\"Disks\":[{\"Source\":{\"File\":\"d.img\"}}]}}}",
                "Properties.Domain.Devices.Disks[0].Source.File: must be an absolute path on the libvirt host, not "
                        + "\"d.img\"");
        refused("{\"Domain\":{\"Type\":\"test\",\"Name\":\"../x\"}}", "Properties.Domain.Name: must be 1-40 "
                + "letters, digits, '_', '.', '+' or '-', starting with a letter or digit");
        refused("{\"Domain\":{\"Type\":\"test\",\"XMLName\":{\"Local\":\"vm\"}}}", "Properties.Domain.XMLName: "
                + "cannot be honoured: the root element is always <domain>, in no namespace");
        refused("{\"MetadataStoragePool\":\"a/b\",\"Domain\":{\"Type\":\"test\"}}",
                "Properties.MetadataStoragePool: is not a storage pool name");
        assertThat(decode("{\"Domain\":{\"Type\":\"test\",\"XMLName\":{\"Space\":\"\",\"Local\":\"domain\"}}}")
                .domainXml()).isEqualTo("<domain type=\"test\"/>");
    }

    @Test
    void valuesCannotInjectXml() {
        String evil = "virbr0\\\"/><qemu:commandline xmlns:qemu=\\\"http://libvirt.org/schemas/domain/qemu/1.0\\\">"
                + "<qemu:arg value=\\\"-evil\\\"/></qemu:commandline><x a=\\\"";
        LibvirtProperties p = decode("{\"Domain\":{\"Type\":\"test\",\"OnCrash\":\"</on_crash><devices/>&amp;\","
                + "\"Devices\":{\"Interfaces\":[{\"Type\":\"bridge\",\"Source\":{\"Bridge\":\"" + evil + "\"}}]}}}");
        Document doc = LibvirtXml.parse(p.domainXml());
        Element root = doc.getDocumentElement();
        assertThat(root.getElementsByTagName("qemu:commandline").getLength()).isZero();
        assertThat(root.getElementsByTagName("devices").getLength()).isEqualTo(1);
        assertThat(((Element) root.getElementsByTagName("source").item(0)).getAttribute("bridge"))
                .isEqualTo(evil.replace("\\\"", "\""));
        assertThat(LibvirtXml.first(root, "on_crash").getTextContent()).isEqualTo("</on_crash><devices/>&amp;");
    }

    @Test
    void aMacLogicalIdBecomesTheFirstInterfacesMacAsInTheReference() {
        String json = "{\"Domain\":{\"Type\":\"test\",\"Devices\":{\"Interfaces\":[{\"Type\":\"bridge\","
                + "\"MAC\":{\"Address\":\"52:54:00:00:00:01\"},\"Source\":{\"Bridge\":\"br0\"}},{\"Type\":\"network\"}]}}}";
        LibvirtReferenceProperties ref = LibvirtReferenceProperties.decode(new RawJson(json));
        assertThat(ref.forLogicalId(Optional.of("DA-37-60-0C-E2-FE")).domainXml())
                .contains("<interface type=\"bridge\"><mac address=\"da:37:60:0c:e2:fe\"/>")
                .doesNotContain("52:54:00:00:00:01");
        assertThat(ref.forLogicalId(Optional.of("worker-1"))).isSameAs(ref.properties());
        assertThat(ref.forLogicalId(Optional.empty())).isSameAs(ref.properties());
    }
}
