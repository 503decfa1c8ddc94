package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.Capabilities;
import org.infrakit4j.testkit.ExpectedError;
import org.infrakit4j.testkit.InstancePluginContract;

/**
 * The conformance suite against libvirt's built-in test driver (test:///default, no daemon). Its fake host lives
 * while any connection to it in this process does; the kit's per-test tag keeps each test to its own domains,
 * and the driver's own domain "test" is not ours and stays invisible.
 */
class LibvirtTestDriverContractTest extends InstancePluginContract {
    static final String URI = "test:///default";
    /** The test driver's only storage pool. */
    static final String POOL = "default-pool";
    /** What the plugin answers for an attachment type it does not know, before any libvirt call. */
    static final ExpectedError NO_EBS = ExpectedError.exactly(ErrorCode.INVALID_PROPERTIES,
            "invalid properties: Attachments[0]: Type \"ebs\" is not supported: want volume or network");

    /**
     * The test driver keeps domains in memory, but every call still crosses JNA and the per-connection call limit.
     * It cannot upload into a volume (virStorageVolUpload), so Init, which becomes a seed disk, is refused after the
     * seed volume was made (and removed again, with nothing defined).
     */
    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(50).attachments(Set.of("volume", "network"), "ebs", NO_EBS)
                .initRefused(ExpectedError.matching(ErrorCode.BACKEND_ERROR,
                        Pattern.quote("backend error: create volumes for ") + "infrakit-[0-9a-f]{12}"
                                + Pattern.quote(": this function is not supported by the connection driver: "
                                        + "virStorageVolUpload")))
                .build();
    }

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) {
        LibvirtInstancePlugin plugin = new LibvirtInstancePlugin(URI, Map.of(), POOL, meter);
        // Its sweeps list domains every 10 s, which the kit's count of the calls Validate makes would see.
        plugin.reaper().close();
        return plugin;
    }

    LibvirtConnection libvirt() {
        return ((LibvirtInstancePlugin) backend).connection();
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson("{\"MemoryMiB\":32,\"Console\":false}");
    }

    @Override
    protected List<BadProperties> badProperties() {
        return LibvirtBadProperties.LIST;
    }

    /**
     * Attachments only: the test driver cannot upload into a volume (virStorageVolUpload is unsupported), so Init
     * is covered against qemu:///system, and here by {@code LibvirtTestDriverTest} (Init fails cleanly). The fake
     * host outlives a test while any handle on it is unreclaimed, so each test attaches a volume of its own.
     */
    @Override
    protected Spec specWithInitAndAttachments() {
        String volume = "data-" + runTag.get("ik4j.test") + ".img";
        libvirt().once(LibvirtOperation.STORAGE_VOL_CREATE, volume, c -> c.storagePoolLookupByName(POOL)
                .storageVolCreateXML("<volume><name>" + volume + "</name><capacity unit='MiB'>1</capacity></volume>",
                        0));
        return new Spec(validProperties(), Map.of(), "", Optional.empty(),
                List.of(new Attachment(POOL + "/" + volume, "volume"), new Attachment("default", "network")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) {
        String xml = libvirt().retrying(LibvirtOperation.DOMAIN_LOOKUP, id.value(),
                c -> c.domainLookupByName(id.value()).getXMLDesc(0));
        assertThat(xml).contains("<source pool='" + POOL + "' volume='" + spec.attachments().get(0).id()
                        .substring(POOL.length() + 1) + "'/>")
                .contains("<source network='default'/>");
        int active = libvirt().retrying(LibvirtOperation.DOMAIN_LOOKUP, id.value(),
                c -> c.domainLookupByName(id.value()).isActive());
        assertThat(active).isEqualTo(1);
    }
}
