package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

class LibvirtPropertiesTest {
    private static LibvirtProperties decode(String json) {
        return LibvirtPropertiesDecoder.decode(new RawJson(json));
    }

    private static void assertInvalid(String json, String message) {
        assertThatThrownBy(() -> decode(json)).as(json)
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + message);
                });
    }

    @Test
    void absentPropertiesGiveADisklessDomainWithDefaults() {
        LibvirtProperties p = LibvirtPropertiesDecoder.decode(RawJson.NULL);
        assertThat(p).isEqualTo(decode("{}"));
        assertThat(p.namePrefix()).isEqualTo("infrakit");
        assertThat(p.type()).isNull();
        assertThat(p.memoryMiB()).isEqualTo(256);
        assertThat(p.vcpus()).isEqualTo(1);
        assertThat(p.os().boot()).containsExactly("hd");
        assertThat(p.disks()).isEmpty();
        assertThat(p.console()).isTrue();
        assertThat(p.stopTimeoutSeconds()).isZero();
    }

    @Test
    void everyFieldDecodesAndNamesMatchCaseInsensitivelyAsInGo() {
        LibvirtProperties p = decode("{\"nameprefix\":\"web\",\"TYPE\":\"kvm\",\"MemoryMiB\":512,\"vcpus\":2,"
                + "\"CPUModel\":\"host-passthrough\",\"OS\":{\"Kernel\":\"/k\",\"Initrd\":\"/i\",\"Cmdline\":\"c\"},"
                + "\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":10,\"Format\":\"raw\",\"Pool\":\"p\",\"Bus\":\"sata\"},"
                + "{\"Kind\":\"overlay\",\"Base\":\"images/base.qcow2\"},{\"Kind\":\"existing\",\"Volume\":\"v\","
                + "\"ReadOnly\":true}],\"Interfaces\":[{\"Bridge\":\"br0\",\"Model\":\"e1000\","
                + "\"MAC\":\"52:54:00:AA:bb:01\"}],\"Console\":false,\"StopTimeoutSeconds\":30}");
        assertThat(p.namePrefix()).isEqualTo("web");
        assertThat(p.type()).isEqualTo("kvm");
        assertThat(p.os().boot()).isEmpty();
        assertThat(p.disks().get(0).format()).isEqualTo("raw");
        assertThat(p.disks().get(1).format()).isEqualTo("qcow2");
        assertThat(p.disks().get(1).bus()).isEqualTo("virtio");
        assertThat(p.disks().get(2).readOnly()).isTrue();
        assertThat(p.interfaces().get(0).mac()).isEqualTo("52:54:00:aa:bb:01");
        assertThat(p.stopTimeoutSeconds()).isEqualTo(30);
    }

    @Test
    void validateNamesTheFieldPathOfWrongTypes() {
        assertInvalid("{\"MemoryMiB\":\"64\"}", "Properties.MemoryMiB: must be an integer, got a string");
        assertInvalid("{\"MemoryMiB\":1.5}", "Properties.MemoryMiB: must be an integer, got a number");
        assertInvalid("{\"Type\":5}", "Properties.Type: must be a string, got a number");
        assertInvalid("{\"Console\":\"yes\"}", "Properties.Console: must be a boolean, got a string");
        assertInvalid("{\"Disks\":{}}", "Properties.Disks: must be an array, got an object");
        assertInvalid("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":true}]}",
                "Properties.Disks[0].SizeMiB: must be an integer, got a boolean");
        assertInvalid("{\"OS\":[]}", "Properties.OS: must be an object, got an array");
        assertInvalid("[1]", "Properties: must be an object, got an array");
        assertInvalid("{\"MemoryMiB\":64,\"MemoryMiB\":32}",
                "Properties: is not valid JSON: Duplicate field 'MemoryMiB'");
    }

    @Test
    void validateRefusesUnknownFieldsListingTheKnownOnes() {
        assertInvalid("{\"Memory\":64}", "Properties.Memory: unknown field (known: CPUModel, Console, Disks, "
                + "DomainXML, Interfaces, MemoryMiB, NamePrefix, OS, StopTimeoutSeconds, Type, VCPUs)");
        assertInvalid("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1},{\"Kind\":\"new\",\"Sise\":1}]}",
                "Properties.Disks[1].Sise: unknown field (known: Base, Bus, Format, Kind, Pool, ReadOnly, "
                        + "SizeMiB, Volume)");
    }

    @Test
    void validateChecksValuesWithTheirPath() {
        assertInvalid("{\"MemoryMiB\":0}", "Properties.MemoryMiB: must be > 0 and at most 16 TiB");
        assertInvalid("{\"VCPUs\":0}", "Properties.VCPUs: must be between 1 and 4096");
        assertInvalid("{\"Type\":\"xen\"}", "Properties.Type: must be qemu, kvm or test");
        assertInvalid("{\"NamePrefix\":\"a/b\"}", "Properties.NamePrefix: must be 1-40 letters, digits, '_', '.', "
                + "'+' or '-', starting with a letter or digit");
        assertInvalid("{\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1},{\"Kind\":\"floppy\"}]}",
                "Properties.Disks[1].Kind: must be new, overlay or existing");
        assertInvalid("{\"Disks\":[{\"SizeMiB\":1}]}",
                "Properties.Disks[0].Kind: is required: new, overlay or existing");
        assertInvalid("{\"Disks\":[{\"Kind\":\"new\"}]}", "Properties.Disks[0].SizeMiB: is required for a new disk");
        assertInvalid("{\"Disks\":[{\"Kind\":\"existing\",\"Volume\":\"p/v\",\"SizeMiB\":1}]}",
                "Properties.Disks[0].SizeMiB: does not apply to Kind existing");
        assertInvalid("{\"Disks\":[{\"Kind\":\"existing\",\"Volume\":\"p/../../etc\"}]}",
                "Properties.Disks[0].Volume: invalid volume name \"../../etc\": want pool/volume or volume, made of "
                        + "letters, digits, '_', '.', '+' or '-'");
        assertInvalid("{\"Disks\":[null]}", "Properties.Disks[0]: must not be null");
        assertInvalid("{\"Interfaces\":[{\"Model\":\"virtio\"}]}",
                "Properties.Interfaces[0].Network: give exactly one of Network and Bridge");
        assertInvalid("{\"Interfaces\":[{\"Network\":\"n\",\"MAC\":\"01:00:5e:00:00:01\"}]}",
                "Properties.Interfaces[0].MAC: must be a unicast address (even first octet)");
        assertInvalid("{\"OS\":{\"Kernel\":\"vmlinuz\"}}", "Properties.OS.Kernel: must be an absolute path on the "
                + "libvirt host");
        assertInvalid("{\"OS\":{\"Boot\":[\"hd\",\"usb\"]}}",
                "Properties.OS.Boot[1]: must be hd, cdrom, network or fd");
        assertInvalid("{\"StopTimeoutSeconds\":-1}",
                "Properties.StopTimeoutSeconds: must be between 0 (hard stop) and 3600");
    }

    @Test
    void aDomainXmlTemplateMustParseAndExcludesTheFieldsItDefines() {
        assertInvalid("{\"DomainXML\":\"<domain type='qemu'><name>x</domain>\"}",
                "Properties.DomainXML: does not parse as XML: line 1, column 30: The element type \"name\" must be "
                        + "terminated by the matching end-tag \"</name>\".");
        assertInvalid("{\"DomainXML\":\"<network/>\"}", "Properties.DomainXML: root element must be <domain>, not "
                + "<network>");
        assertInvalid("{\"DomainXML\":\"<domain/>\"}",
                "Properties.DomainXML: <domain> needs a type attribute (qemu, kvm, ...)");
        assertInvalid("{\"DomainXML\":\"<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain type='qemu'>"
                + "&x;</domain>\"}", "Properties.DomainXML: does not parse as XML: line 1, column 10: DOCTYPE is "
                + "disallowed when the feature \"http://apache.org/xml/features/disallow-doctype-decl\" set to true.");
        assertInvalid("{\"DomainXML\":\"<domain type='qemu'/>\",\"VCPUs\":2}",
                "Properties.VCPUs: cannot be combined with DomainXML: put it in the template");
        assertThat(decode("{\"DomainXML\":\"<domain type='qemu'/>\",\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1}]}")
                .hasTemplate()).isTrue();
    }

    @Test
    void theExampleIsValid() {
        LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", java.util.Map.of(), null);
        plugin.validate(plugin.exampleProperties());
    }
}
