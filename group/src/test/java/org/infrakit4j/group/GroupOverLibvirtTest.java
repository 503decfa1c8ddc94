package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.infrakit4j.libvirt.LibvirtMain;
import org.infrakit4j.testkit.PluginProcess;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/**
 * The group scenarios over plugin-libvirt on the real libvirtd (qemu:///system): diskless 32 MiB TCG domains named
 * with the test's prefix, watched with a libvirt-java connection of the test's own (the tags and LogicalID read from
 * the plugin's domain metadata), and killed behind the group's back with destroy and undefine.
 */
class GroupOverLibvirtTest extends GroupOverBackendScenarios {
    /** The namespace of plugin-libvirt's domain metadata (LibvirtMetadata.NAMESPACE, fixed and versioned). */
    private static final String METADATA_NAMESPACE = "https://github.com/infrakit4j/xmlns/libvirt-instance/1";

    private final String prefix = "ik4j-g" + UUID.randomUUID().toString().substring(0, 6);
    private Connect libvirt;

    @Override
    protected PluginProcess instancePluginProcess() throws Exception {
        libvirt = new Connect(env("IK4J_LIBVIRT_URI"));
        return PluginProcess.inNewHome(LibvirtMain.class, "ik4jgl-", Map.of());
    }

    @Override
    protected List<String> instancePluginArgs() {
        return List.of("--uri", env("IK4J_LIBVIRT_URI"), "--storage-pool", env("IK4J_LIBVIRT_POOL"), "--namespace",
                "ik4j.test=" + prefix, "--log-level", "info");
    }

    @Override
    protected String instancePlugin() {
        return "instance-libvirt";
    }

    @Override
    protected String instanceProperties() {
        return "{\"NamePrefix\":\"" + prefix + "\",\"Type\":\"qemu\",\"MemoryMiB\":32,\"Console\":false}";
    }

    /** The test's domains, in any state; one undefined while being listed is left out. */
    private List<Domain> domains() throws LibvirtException {
        List<Domain> out = new ArrayList<>();
        for (Domain d : libvirt.listAllDomains(0)) {
            try {
                if (d.getName().startsWith(prefix)) {
                    out.add(d);
                }
            } catch (LibvirtException e) {
                if (!gone(e)) {
                    throw e;
                }
            }
        }
        return out;
    }

    private static boolean gone(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    @Override
    protected List<Member> namespace() throws Exception {
        List<Member> out = new ArrayList<>();
        for (Domain d : domains()) {
            try {
                out.add(member(d.getName(), d.getMetadata(Domain.MetadataType.ELEMENT, METADATA_NAMESPACE, 0),
                        d.isActive() == 1));
            } catch (LibvirtException e) {
                if (!gone(e)) {
                    throw e;
                }
            }
        }
        return out;
    }

    /** A member from plugin-libvirt's metadata element: {@code <logical-id>} and {@code <tag><key/><value/></tag>}. */
    private static Member member(String name, String metadata, boolean running) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        Element root = f.newDocumentBuilder().parse(new InputSource(new StringReader(metadata))).getDocumentElement();
        Map<String, String> tags = new HashMap<>();
        Optional<String> logicalId = Optional.empty();
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals("logical-id")) {
                logicalId = Optional.of(e.getTextContent());
            } else if (n instanceof Element e && e.getTagName().equals("tag")) {
                tags.put(e.getElementsByTagName("key").item(0).getTextContent(),
                        e.getElementsByTagName("value").item(0).getTextContent());
            }
        }
        return new Member(name, tags, logicalId, running);
    }

    @Override
    protected List<String> otherResources() throws Exception {
        return List.of(libvirt.storagePoolLookupByName(env("IK4J_LIBVIRT_POOL")).listVolumes()).stream()
                .filter(v -> v.startsWith(prefix)).toList();
    }

    /** As plugin-libvirt's own tests kill a domain: destroy (once it runs: its TCG start may go on) and undefine. */
    @Override
    protected void kill(String id) throws Exception {
        Domain d = libvirt.domainLookupByName(id);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (d.isActive() != 1) {
            assertThat(System.nanoTime()).as("%s running within 60 s", id).isLessThan(deadline);
            Thread.sleep(100);
        }
        d.destroy();
        d.undefine();
    }

    @Override
    protected void cleanUp() throws Exception {
        if (libvirt == null) {
            return;
        }
        try {
            for (Domain d : domains()) {
                if (d.isActive() == 1) {
                    d.destroy();
                }
                d.undefine();
            }
            for (String v : otherResources()) {
                libvirt.storagePoolLookupByName(env("IK4J_LIBVIRT_POOL")).storageVolLookupByName(v).delete(0);
            }
        } finally {
            libvirt.close();
        }
    }
}
