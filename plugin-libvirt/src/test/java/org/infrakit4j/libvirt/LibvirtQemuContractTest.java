package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.Capabilities;
import org.infrakit4j.testkit.InstancePluginContract;
import org.junit.jupiter.api.AfterEach;

/**
 * The conformance suite against a real libvirtd (qemu:///system) with diskless 32 MiB TCG domains. Domains are
 * shared with everything else on that libvirtd; the kit's per-test tag keeps each test to its own.
 */
class LibvirtQemuContractTest extends InstancePluginContract {
    static final String PROPERTIES = "{\"NamePrefix\":\"ik4j-ct\",\"Type\":\"qemu\",\"MemoryMiB\":32,"
            + "\"Console\":false}";
    private String attachedVolume;

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) {
        LibvirtInstancePlugin plugin = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(),
                LibvirtTestEnv.pool(), meter);
        // Its sweeps list domains every 10 s, which the kit's count of the calls Validate makes would see; the
        // reaper is LibvirtSelfHealingTest's.
        plugin.reaper().close();
        return plugin;
    }

    /**
     * Each instance is a qemu process (about 50-70 MiB resident for a 32 MiB TCG guest) whose start takes 0.5-3 s of
     * a core, four at a time. 100 would be 100 qemu processes starting on two shared cores, more than the plugin's
     * background work may hold (it refuses the excess with backend unavailable, by design). Twelve is three rounds
     * of four starts: real concurrency for the plugin, and what qemu here finishes well within the kit's
     * timeouts while other work keeps both cores busy. Attachments here: volume only; the plugin's network
     * attachment needs a libvirt network, which this libvirtd does not have (LibvirtTestDriverContractTest applies
     * it). Init (the seed disk) and Label work.
     */
    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(12).attachments(Set.of("volume"), "ebs", LibvirtTestDriverContractTest.NO_EBS)
                .build();
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson(PROPERTIES);
    }

    @Override
    protected List<BadProperties> badProperties() {
        return LibvirtBadProperties.LIST;
    }

    /**
     * Init (the seed disk) and a volume attachment. No network attachment: this libvirtd has no network, and
     * starting one would add a bridge and firewall rules to the host (backends.md); the test driver covers it.
     */
    @Override
    protected Spec specWithInitAndAttachments() {
        attachedVolume = "ik4j-att-" + UUID.randomUUID().toString().substring(0, 8) + ".img";
        LibvirtTestEnv.virsh("vol-create-as", LibvirtTestEnv.pool(), attachedVolume, "1M", "--format", "raw");
        return new Spec(validProperties(), Map.of(), "#cloud-config\nruncmd: [echo '<hi & bye>']\n",
                Optional.empty(), List.of(new Attachment(attachedVolume, "volume")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) throws InterruptedException {
        String xml = LibvirtTestEnv.virsh("dumpxml", id.value());
        assertThat(xml).contains("<source pool='" + LibvirtTestEnv.pool() + "' volume='" + attachedVolume + "'")
                .contains("<source pool='" + LibvirtTestEnv.pool() + "' volume='" + id.value() + "-seed.iso'");
        // Provision answers within 0.5 s; the TCG start may still be going on.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (!LibvirtTestEnv.virsh("domstate", id.value()).strip().equals("running")
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(LibvirtTestEnv.virsh("domstate", id.value()).strip()).isEqualTo("running");
    }

    @AfterEach
    void removeAttachedVolume() {
        if (attachedVolume != null) {
            LibvirtTestEnv.virsh("vol-delete", "--pool", LibvirtTestEnv.pool(), attachedVolume);
        }
    }
}
