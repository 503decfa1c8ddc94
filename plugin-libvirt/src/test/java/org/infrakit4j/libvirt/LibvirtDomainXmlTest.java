package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

class LibvirtDomainXmlTest {
    private static final LibvirtMetadata META = new LibvirtMetadata(Optional.empty(), Map.of("k", "v"), List.of(), 0);

    @Test
    void generatesATinyPersistentDomainFromProperties() {
        LibvirtProperties p = LibvirtPropertiesDecoder.decode(new RawJson("{\"MemoryMiB\":32,\"Console\":false,"
                + "\"Interfaces\":[{\"Network\":\"n1\",\"MAC\":\"52:54:00:00:00:01\"}]}"));
        String xml = LibvirtDomainXml.build(p, "qemu", "infrakit-0123456789ab", META,
                List.of(new LibvirtDomainXml.Disk(new LibvirtVolumeRef("p", "s.iso"), "raw", "cdrom", "sata", true)),
                p.interfaces());
        assertThat(xml).isEqualTo("<domain type=\"qemu\"><name>infrakit-0123456789ab</name>"
                + "<memory unit=\"MiB\">32</memory><vcpu>1</vcpu><os><type>hvm</type><boot dev=\"hd\"/></os>"
                + "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>"
                + "<metadata><ik4j:instance xmlns:ik4j=\"" + LibvirtMetadata.NAMESPACE + "\"><tag><key>k</key>"
                + "<value>v</value></tag></ik4j:instance></metadata><devices>"
                + "<disk device=\"cdrom\" type=\"volume\"><driver name=\"qemu\" type=\"raw\"/>"
                + "<source pool=\"p\" volume=\"s.iso\"/><target bus=\"sata\" dev=\"sda\"/><readonly/></disk>"
                + "<interface type=\"network\"><source network=\"n1\"/><mac address=\"52:54:00:00:00:01\"/>"
                + "<model type=\"virtio\"/></interface><memballoon model=\"none\"/></devices></domain>");
    }

    @Test
    void aTemplateGetsTheNameOurMetadataOnlyAndFreeTargets() {
        String template = "<domain type='kvm'><name>old</name><uuid>6e2f6b3e-1111-2222-3333-444455556666</uuid>"
                + "<memory>1024</memory><metadata><other xmlns='urn:x'/><ik4j:instance xmlns:ik4j='"
                + LibvirtMetadata.NAMESPACE + "'><tag><key>stolen</key><value>1</value></tag></ik4j:instance>"
                + "</metadata><devices><disk type='file'><target dev='vda'/></disk></devices></domain>";
        LibvirtProperties p = LibvirtPropertiesDecoder.decode(new RawJson("{\"DomainXML\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(template) + "}"));
        String xml = LibvirtDomainXml.build(p, "ignored", "web-1", META,
                List.of(new LibvirtDomainXml.Disk(new LibvirtVolumeRef("p", "d"), "qcow2", "disk", "virtio", false)),
                List.of());
        assertThat(xml).startsWith("<domain type=\"kvm\"><name>web-1</name><memory>1024</memory>")
                .doesNotContain("uuid").doesNotContain("stolen").contains("<other xmlns=\"urn:x\"/>")
                .contains("<target bus=\"virtio\" dev=\"vdb\"/>").doesNotContain("memballoon");
    }

    @Test
    void targetsAreNamedAsLibvirtNamesThem() {
        Set<String> used = new HashSet<>(Set.of("vda"));
        assertThat(LibvirtDomainXml.nextTarget("virtio", used)).isEqualTo("vdb");
        assertThat(LibvirtDomainXml.nextTarget("sata", used)).isEqualTo("sda");
        assertThat(LibvirtDomainXml.nextTarget("ide", used)).isEqualTo("hda");
        for (char c = 'c'; c <= 'z'; c++) {
            used.add("vd" + c);
        }
        assertThat(LibvirtDomainXml.nextTarget("virtio", used)).isEqualTo("vdaa");
    }
}
