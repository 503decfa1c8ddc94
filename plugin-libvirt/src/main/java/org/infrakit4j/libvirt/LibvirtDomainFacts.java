package org.infrakit4j.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.infrakit4j.spi.RawJson;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.DomainInterface;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;

/** What the plugin reads from a domain: its metadata (if it is ours) and the Properties Describe reports. */
final class LibvirtDomainFacts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int METADATA_ELEMENT = Domain.MetadataType.ELEMENT;
    private static final int SOURCE_LEASE = 0;
    private static final int SOURCE_ARP = 2;

    /** The Properties of a domain whose start goes on after Provision returned (libvirt holds its lock). */
    static final RawJson STARTING = new RawJson("{\"State\":\"starting\",\"Reason\":\"provisioned\"}");

    private LibvirtDomainFacts() {
    }

    /** Our metadata, or null when the domain carries none (not ours). {@code flags}: 0 current, 2 config. */
    static LibvirtMetadata metadata(Domain d, int flags) throws LibvirtException {
        String xml;
        try {
            xml = d.getMetadata(METADATA_ELEMENT, LibvirtMetadata.NAMESPACE, flags);
        } catch (LibvirtException e) {
            if (LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA)) {
                return null;
            }
            throw e;
        }
        return xml == null ? null : LibvirtMetadata.parse(xml);
    }

    /**
     * The namespaces InfraKit's Go libvirt plugin wrote its element under: its Provision's, and the misspelt one
     * of its Label (reference-providers §3.5), which is all a domain it adopted by Label carries.
     */
    static final List<String> REFERENCE_NAMESPACES = List.of("https://github.com/docker/infrakit",
            "https//github.com/docker/infrakit");

    /** The Go plugin's metadata as ours, or null when the domain carries none (not made by it). */
    static LibvirtMetadata referenceMetadata(Domain d, String name) throws LibvirtException {
        for (String namespace : REFERENCE_NAMESPACES) {
            String xml;
            try {
                xml = d.getMetadata(METADATA_ELEMENT, namespace, 0);
            } catch (LibvirtException e) {
                if (LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA)) {
                    continue;
                }
                throw e;
            }
            if (xml != null) {
                return LibvirtMetadata.parseReference(xml, name);
            }
        }
        return null;
    }

    /** The persistent definition's metadata when there is one (what survives a restart), else the live one. */
    static LibvirtMetadata definedMetadata(Domain d) throws LibvirtException {
        return metadata(d, d.isPersistent() == 1 ? org.libvirt.Domain.ModificationImpact.CONFIG : 0);
    }

    /** State and reason, memory, vCPUs, interfaces with the addresses libvirt knows, and disks. */
    static RawJson properties(Domain d, LibvirtMetadata meta) throws LibvirtException {
        return properties(d, meta, LibvirtDomainState.of(d));
    }

    /** As {@link #properties(Domain, LibvirtMetadata)}, with the state already read. */
    static RawJson properties(Domain d, LibvirtMetadata meta, LibvirtDomainState state) throws LibvirtException {
        DomainInfo info = d.getInfo();
        Document xml = LibvirtXml.parse(d.getXMLDesc(0));
        ObjectNode out = JSON.createObjectNode();
        out.put("State", state.state());
        out.put("Reason", state.reason());
        out.put("Persistent", d.isPersistent() == 1);
        out.put("MemoryMiB", info.maxMem / 1024);
        out.put("VCPUs", info.nrVirtCpu);
        if (meta.stopTimeoutSeconds() > 0) {
            out.put("StopTimeoutSeconds", meta.stopTimeoutSeconds());
        }
        List<DomainInterface> known = state.state().equals("running") ? addresses(d) : List.of();
        ArrayNode nics = out.putArray("Interfaces");
        for (Map<String, String> nic : LibvirtDomainXml.interfaces(xml)) {
            ObjectNode n = nics.addObject();
            nic.forEach(n::put);
            ArrayNode addrs = n.putArray("Addresses");
            for (DomainInterface i : known) {
                if (i.hwAddr != null && i.hwAddr.toLowerCase(Locale.ROOT).equals(nic.get("MAC"))) {
                    i.addrs.forEach(a -> addrs.add(a.address.getHostAddress() + "/" + a.prefixLength));
                }
            }
        }
        ArrayNode disks = out.putArray("Disks");
        for (Map<String, String> disk : LibvirtDomainXml.disks(xml)) {
            ObjectNode n = disks.addObject();
            disk.forEach(n::put);
            n.put("ReadOnly", Boolean.parseBoolean(disk.get("ReadOnly")));
            n.put("Owned", meta.ownedVolumes().contains(new LibvirtVolumeRef(disk.getOrDefault("Pool", "_"),
                    disk.getOrDefault("Volume", "_"))));
        }
        return new RawJson(out.toString());
    }

    /** Releases the handle now rather than at finalization (each holds a reference on the connection). */
    static void free(Domain d) {
        try {
            d.free();
        } catch (LibvirtException e) {
            // nothing to do: the handle is gone either way
        }
    }

    /** Addresses from DHCP leases, else the host's ARP table; none (never an error) when neither knows any. */
    private static List<DomainInterface> addresses(Domain d) {
        for (int source : new int[] {SOURCE_LEASE, SOURCE_ARP}) {
            try {
                List<DomainInterface> found = new ArrayList<>(d.interfaceAddresses(source, 0));
                if (!found.isEmpty()) {
                    return found;
                }
            } catch (LibvirtException | RuntimeException e) {
                // this source is not available for the domain: try the next
            }
        }
        return List.of();
    }
}
