package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LibvirtMetadataTest {
    /** Tag keys and values that would break naive string-built XML, or that XML cannot carry as text. */
    static final Map<String, String> HOSTILE = Map.of(
            "</value></tag><tag><key>evil</key><value>", "x",
            "a&b", "<![CDATA[ ]]> <!-- --> &amp; &#x41; \"'",
            "ctl", "bell\u0007 nul\u0000 cr\r\n tab\t",
            "  spaced  ", "",
            "unicode ✓", "\uD83D\uDE00 \u2028");

    @Test
    void roundTripsEveryTagLiterallyThroughTheXmlLibvirtStores() {
        LibvirtMetadata meta = new LibvirtMetadata(Optional.of("10.0.0.7 <x>"), HOSTILE,
                List.of(new LibvirtVolumeRef("pool", "i-seed.iso")), 30);
        String xml = meta.toXml();
        assertThat(xml).doesNotContain("<key>evil</key>").startsWith("<instance>");
        assertThat(LibvirtMetadata.parse(xml)).isEqualTo(meta);
    }

    @Test
    void theDefinitionElementIsQualifiedByTheOneNamespace() {
        var doc = LibvirtXml.newDocument();
        doc.appendChild(new LibvirtMetadata(Optional.empty(), Map.of("k", "v"), List.of(), 0).toElement(doc));
        assertThat(LibvirtXml.format(doc)).isEqualTo("<ik4j:instance xmlns:ik4j=\""
                + "https://github.com/infrakit4j/xmlns/libvirt-instance/1\"><tag><key>k</key><value>v</value></tag>"
                + "</ik4j:instance>");
    }

    @Test
    void parseIgnoresElementsOfLaterVersionsAndReadsAsLibvirtReturnsIt() {
        LibvirtMetadata meta = LibvirtMetadata.parse("<instance>\n  <logical-id>mgr-1</logical-id>\n  <tag>\n"
                + "    <key>k</key>\n    <value>v</value>\n  </tag>\n  <future a='1'/>\n</instance>");
        assertThat(meta).isEqualTo(new LibvirtMetadata(Optional.of("mgr-1"), Map.of("k", "v"), List.of(), 0));
    }
}
