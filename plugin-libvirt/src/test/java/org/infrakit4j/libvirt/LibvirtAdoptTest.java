package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * {@code --adopt} on the test driver: domains laid out as InfraKit's Go plugin made them ({@link
 * LibvirtReferenceLayout}) stay invisible without it, and with it are described, labelled and destroyed, and get
 * our metadata when first seen, so a plugin started later without the flag still sees them.
 */
class LibvirtAdoptTest {
    private static final String POOL = LibvirtTestDriverContractTest.POOL;
    private final String run = "adopt" + java.util.UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> tags = Map.of("infrakit.group", run, "infrakit.config_sha", "abc");
    private final List<LibvirtInstancePlugin> plugins = new ArrayList<>();
    private final Connect libvirt;

    LibvirtAdoptTest() throws LibvirtException {
        libvirt = new Connect("test:///default");
    }

    @AfterEach
    void close() throws LibvirtException {
        plugins.forEach(LibvirtInstancePlugin::close);
        for (Domain d : libvirt.listAllDomains(0)) {
            if (d.getXMLDesc(0).contains("<value>" + run + "</value>")) {
                d.destroy(); // transient: gone
            }
        }
        libvirt.close();
    }

    private LibvirtInstancePlugin plugin(boolean adopt, Map<String, String> namespace) {
        LibvirtInstancePlugin p = new LibvirtInstancePlugin("test:///default", namespace, POOL, BackendMeter.NONE,
                Duration.ofSeconds(10), 0, LibvirtInstancePlugin.WAITING_WORK, ReapPolicy.DEFAULT, null, adopt);
        plugins.add(p);
        return p;
    }

    private boolean exists(String name) throws LibvirtException {
        return List.of(names()).contains(name);
    }

    private String[] names() throws LibvirtException {
        List<String> out = new ArrayList<>();
        for (Domain d : libvirt.listAllDomains(0)) {
            out.add(d.getName());
        }
        return out.toArray(String[]::new);
    }

    private boolean volumeExists(String name) throws LibvirtException {
        return List.of(libvirt.storagePoolLookupByName(POOL).listVolumes()).contains(name);
    }

    @Test
    void withoutAdoptTheGoPluginsDomainsStayInvisibleAndUntouched() throws LibvirtException {
        String id = LibvirtReferenceLayout.newId();
        LibvirtReferenceLayout.provision(libvirt, "test", id, id, tags, null);
        LibvirtInstancePlugin plugin = plugin(false, Map.of());
        assertThat(plugin.describeInstances(Map.of("infrakit.group", run), false)).isEmpty();
        assertThatThrownBy(() -> plugin.label(new InstanceId(id), Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        plugin.destroy(new InstanceId(id), DestroyContext.TERMINATE); // not ours: nothing to do
        assertThat(exists(id)).as("the Go plugin's domain is left alone").isTrue();
        assertThat(libvirt.domainLookupByName(id).getXMLDesc(0)).doesNotContain(LibvirtMetadata.NAMESPACE);
    }

    @Test
    void adoptedDomainsAreDescribedGetOurMetadataAndAreDestroyedWithTheirMetadataDisk() throws LibvirtException {
        String id = LibvirtReferenceLayout.newId();
        LibvirtReferenceLayout.provision(libvirt, "test", id, "da:37:60:0c:e2:fe", tags, POOL);
        assertThat(volumeExists(id + "-metadata")).isTrue();
        LibvirtInstancePlugin adopting = plugin(true, Map.of("cluster", "c1"));
        Map<String, String> expected = new java.util.HashMap<>(tags);
        expected.put("cluster", "c1");
        assertThat(adopting.describeInstances(Map.of("infrakit.group", run), false)).singleElement()
                .satisfies(d -> {
                    assertThat(d.id().value()).isEqualTo(id);
                    assertThat(d.logicalId()).contains("da:37:60:0c:e2:fe");
                    assertThat(d.tags()).isEqualTo(expected);
                });
        String xml = libvirt.domainLookupByName(id).getXMLDesc(0);
        assertThat(xml).as("our metadata beside the Go plugin's own").contains(LibvirtMetadata.NAMESPACE)
                .contains(LibvirtReferenceLayout.NAMESPACE + "\"");
        LibvirtInstancePlugin later = plugin(false, Map.of("cluster", "c1"));
        assertThat(later.describeInstances(Map.of("infrakit.group", run), false)).as("a later start without "
                + "--adopt").extracting(Description::id).containsExactly(new InstanceId(id));
        later.label(new InstanceId(id), Map.of("infrakit.config_sha", "def"));
        assertThat(later.describeInstances(Map.of("infrakit.group", run), false)).singleElement()
                .satisfies(d -> assertThat(d.tags()).containsEntry("infrakit.config_sha", "def")
                        .containsEntry("cluster", "c1").containsEntry("infrakit.group", run));
        later.destroy(new InstanceId(id), DestroyContext.TERMINATE);
        assertThat(exists(id)).isFalse();
        assertThat(volumeExists(id + "-metadata")).as("the metadata ISO the Go plugin made for it").isFalse();
    }

    @Test
    void aDomainTheGoPluginsLabelAdoptedIsRecognisedAsItsOwnAndLabelAdoptsToo() throws LibvirtException {
        // instance_test.go TestLabel: a domain made outside the plugin, then labelled by it
        String name = "test-instance" + run;
        Domain d = libvirt.domainCreateXML("<domain type='test'><name>" + name + "</name><memory unit='MiB'>1024"
                + "</memory><vcpu>1</vcpu><os><type>hvm</type><kernel>/foo/bar/Kernel</kernel><initrd>"
                + "/foo/bar/Ramdisk</initrd><cmdline>root=/dev/sda2</cmdline></os></domain>", 0);
        LibvirtReferenceLayout.label(d, name, Map.of("foo", "bar", "foo2", "bar", "run", run));
        assertThat(plugin(false, Map.of()).describeInstances(Map.of("run", run), false)).isEmpty();
        LibvirtInstancePlugin adopting = plugin(true, Map.of());
        assertThat(adopting.describeInstances(Map.of("run", run), false)).singleElement().satisfies(x -> {
            assertThat(x.id().value()).isEqualTo(name);
            assertThat(x.logicalId()).contains(name);
            assertThat(x.tags()).isEqualTo(Map.of("foo", "bar", "foo2", "bar", "run", run));
        });
        // a Go plugin's domain first reached by a Label (no Describe before): adopted by that Label
        String id = LibvirtReferenceLayout.newId();
        LibvirtReferenceLayout.provision(libvirt, "test", id, id, Map.of("run", run), null);
        adopting.label(new InstanceId(id), Map.of("extra", "1"));
        assertThat(libvirt.domainLookupByName(id).getXMLDesc(0)).contains(LibvirtMetadata.NAMESPACE);
        assertThat(plugin(false, Map.of()).describeInstances(Map.of("extra", "1"), false)).singleElement()
                .satisfies(x -> assertThat(x.tags()).isEqualTo(Map.of("run", run, "extra", "1")));
        adopting.destroy(new InstanceId(id), DestroyContext.TERMINATE);
        adopting.destroy(new InstanceId(name), DestroyContext.TERMINATE);
        assertThat(exists(id)).isFalse();
        assertThat(exists(name)).isFalse();
    }
}
