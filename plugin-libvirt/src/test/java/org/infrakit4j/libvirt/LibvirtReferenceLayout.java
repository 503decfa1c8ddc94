package org.infrakit4j.libvirt;

import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Domains laid out as InfraKit's Go libvirt plugin (f9e924e7, pkg/plugin/instance/libvirt/instance.go) left them,
 * made here with libvirt-java directly: a transient domain ({@code virDomainCreateXML}) named
 * {@code infrakit-%08x}, its {@code <metadata>} holding {@code <infrakit xmlns="https://github.com/docker/infrakit">}
 * with {@code logicalid}, one {@code tag} per Spec tag and, when Init was given, {@code metadata-disk} naming the
 * {@code <id>-metadata} ISO volume attached as cdrom sdc on sata. And the element its Label wrote on a domain it
 * did not make: the same, under the misspelt namespace {@code https//github.com/docker/infrakit}.
 */
final class LibvirtReferenceLayout {
    static final String NAMESPACE = "https://github.com/docker/infrakit";
    static final String LABEL_NAMESPACE = "https//github.com/docker/infrakit";
    private static final SecureRandom RANDOM = new SecureRandom();

    private LibvirtReferenceLayout() {
    }

    /** The Go plugin's instance ID form. */
    static String newId() {
        return String.format("infrakit-%08x", RANDOM.nextInt());
    }

    /** Its metadata element, as its Provision (and Label) marshalled it. */
    static Element metadata(Document doc, String logicalId, Map<String, String> tags, String pool, String volume) {
        Element meta = doc.createElement("infrakit");
        meta.setAttribute("xmlns", NAMESPACE);
        append(doc, meta, "logicalid", logicalId);
        for (Map.Entry<String, String> t : new TreeMap<>(tags).entrySet()) {
            Element tag = doc.createElement("tag");
            append(doc, tag, "key", t.getKey());
            append(doc, tag, "value", t.getValue());
            meta.appendChild(tag);
        }
        if (volume != null) {
            Element disk = doc.createElement("metadata-disk");
            append(doc, disk, "pool", pool);
            append(doc, disk, "volume", volume);
            meta.appendChild(disk);
        }
        return meta;
    }

    /**
     * Makes a domain as the Go plugin's Provision did: started and transient, with its metadata; with a
     * metadata volume ({@code <id>-metadata}, made first) when {@code pool} is not null.
     */
    static Domain provision(Connect c, String type, String id, String logicalId, Map<String, String> tags,
                            String pool) throws LibvirtException {
        String volume = null;
        if (pool != null) {
            volume = id + "-metadata";
            c.storagePoolLookupByName(pool).storageVolCreateXML("<volume><name>" + volume + "</name>"
                    + "<capacity unit='bytes'>2048</capacity></volume>", 0);
        }
        Document doc = LibvirtXml.newDocument();
        Element domain = doc.createElement("domain");
        doc.appendChild(domain);
        domain.setAttribute("type", type);
        append(doc, domain, "name", id);
        append(doc, domain, "memory", "32").setAttribute("unit", "MiB");
        append(doc, domain, "vcpu", "1");
        Element os = doc.createElement("os");
        append(doc, os, "type", "hvm");
        domain.appendChild(os);
        append(doc, domain, "on_poweroff", "destroy");
        append(doc, domain, "on_reboot", "restart");
        append(doc, domain, "on_crash", "destroy");
        Element devices = doc.createElement("devices");
        domain.appendChild(devices);
        if (volume != null) {
            Element disk = doc.createElement("disk");
            disk.setAttribute("type", "volume");
            disk.setAttribute("device", "cdrom");
            Element source = doc.createElement("source");
            source.setAttribute("pool", pool);
            source.setAttribute("volume", volume);
            disk.appendChild(source);
            Element target = doc.createElement("target");
            target.setAttribute("dev", "sdc");
            target.setAttribute("bus", "sata");
            disk.appendChild(target);
            devices.appendChild(disk);
        }
        Element metadata = doc.createElement("metadata");
        metadata.appendChild(metadata(doc, logicalId, tags, pool, volume));
        domain.appendChild(metadata);
        return c.domainCreateXML(LibvirtXml.format(doc), 0);
    }

    /** What the Go plugin's Label left on a running domain it did not make: its element, misspelt namespace. */
    static void label(Domain d, String logicalId, Map<String, String> labels) throws LibvirtException {
        Document doc = LibvirtXml.newDocument();
        doc.appendChild(metadata(doc, logicalId, labels, null, null));
        d.setMetadata(Domain.MetadataType.ELEMENT, LibvirtXml.format(doc), "infrakit", LABEL_NAMESPACE,
                Domain.ModificationImpact.LIVE);
    }

    private static Element append(Document doc, Element parent, String name, String text) {
        Element e = doc.createElement(name);
        e.setTextContent(text);
        parent.appendChild(e);
        return e;
    }
}
