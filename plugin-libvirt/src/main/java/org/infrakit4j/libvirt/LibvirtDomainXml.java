package org.infrakit4j.libvirt;

import static org.infrakit4j.libvirt.LibvirtXml.children;
import static org.infrakit4j.libvirt.LibvirtXml.element;
import static org.infrakit4j.libvirt.LibvirtXml.first;
import static org.infrakit4j.libvirt.LibvirtXml.namespaceOf;
import static org.infrakit4j.libvirt.LibvirtXml.newDocument;
import static org.infrakit4j.libvirt.LibvirtXml.parse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.infrakit4j.runtime.StrictProperties;

/**
 * The domain XML the plugin defines: generated from {@link LibvirtProperties}, or the DomainXML template with the
 * name replaced and the plugin's parts added (metadata, disks, interfaces). Always built with DOM, never by
 * string concatenation; read and written through {@link LibvirtXml}, whose parsing refuses DOCTYPEs, so no entity
 * tricks reach a template.
 */
final class LibvirtDomainXml {
    /** A disk to attach: a volume in a pool, as a disk or a cdrom. */
    record Disk(LibvirtVolumeRef volume, String format, String device, String bus, boolean readOnly) {
    }

    private LibvirtDomainXml() {
    }

    /** Everything: the domain definition of instance {@code name}. */
    static String build(LibvirtProperties p, String type, String name, LibvirtMetadata metadata, List<Disk> disks,
                        List<LibvirtProperties.Nic> nics) {
        return build(p, type, name, metadata, disks, nics, null);
    }

    /**
     * As above; {@code consoleLog}, when not null, is the file on the libvirt host where libvirt (virtlogd) keeps
     * the serial console's output of a generated domain with a Console.
     */
    static String build(LibvirtProperties p, String type, String name, LibvirtMetadata metadata, List<Disk> disks,
                        List<LibvirtProperties.Nic> nics, String consoleLog) {
        Document doc;
        Element domain;
        if (p.hasTemplate()) {
            doc = parse(p.domainXml());
            domain = doc.getDocumentElement();
            for (String drop : List.of("name", "uuid")) {
                for (Element e : children(domain, drop)) {
                    domain.removeChild(e);
                }
            }
            domain.insertBefore(element(doc, "name", name), domain.getFirstChild());
        } else {
            doc = newDocument();
            domain = doc.createElement("domain");
            doc.appendChild(domain);
            domain.setAttribute("type", type);
            domain.appendChild(element(doc, "name", name));
            Element memory = element(doc, "memory", Long.toString(p.memoryMiB()));
            memory.setAttribute("unit", "MiB");
            domain.appendChild(memory);
            domain.appendChild(element(doc, "vcpu", Integer.toString(p.vcpus())));
            domain.appendChild(os(doc, p.os()));
            if (p.cpuModel() != null) {
                domain.appendChild(cpu(doc, p.cpuModel()));
            }
            domain.appendChild(element(doc, "on_poweroff", "destroy"));
            domain.appendChild(element(doc, "on_reboot", "restart"));
            domain.appendChild(element(doc, "on_crash", "destroy"));
        }
        Element meta = first(domain, "metadata");
        if (meta == null) {
            meta = doc.createElement("metadata");
            domain.appendChild(meta);
        }
        // A template copied from one of our domains carries that domain's metadata: never inherit it.
        for (Node n = meta.getFirstChild(); n != null; ) {
            Node next = n.getNextSibling();
            if (n instanceof Element e && LibvirtMetadata.NAMESPACE.equals(namespaceOf(e))) {
                meta.removeChild(e);
            }
            n = next;
        }
        meta.appendChild(metadata.toElement(doc));
        Element devices = first(domain, "devices");
        if (devices == null) {
            devices = doc.createElement("devices");
            domain.appendChild(devices);
        }
        Set<String> targets = new HashSet<>();
        for (Element d : children(devices, "disk")) {
            Element t = first(d, "target");
            if (t != null) {
                targets.add(t.getAttribute("dev"));
            }
        }
        for (Disk d : disks) {
            devices.appendChild(disk(doc, d, nextTarget(d.bus(), targets)));
        }
        for (LibvirtProperties.Nic nic : nics) {
            devices.appendChild(nic(doc, nic));
        }
        if (!p.hasTemplate()) {
            if (p.console()) {
                Element serial = doc.createElement("serial");
                serial.setAttribute("type", "pty");
                if (consoleLog != null) {
                    // append: a pet started again keeps what it wrote before; virtlogd rotates the file (2 MiB x 3)
                    Element log = doc.createElement("log");
                    log.setAttribute("file", consoleLog);
                    log.setAttribute("append", "on");
                    serial.appendChild(log);
                }
                devices.appendChild(serial);
                Element console = doc.createElement("console");
                console.setAttribute("type", "pty");
                devices.appendChild(console);
            }
            Element balloon = doc.createElement("memballoon");
            balloon.setAttribute("model", "none");
            devices.appendChild(balloon);
        }
        return LibvirtXml.format(doc);
    }

    /** Checks a DomainXML template: well-formed, one {@code <domain type=...>}. */
    static void parseTemplate(String xml) {
        Document doc;
        try {
            doc = parse(xml);
        } catch (IllegalArgumentException e) {
            throw new StrictProperties.Problem("DomainXML", e.getMessage());
        }
        Element root = doc.getDocumentElement();
        if (!root.getNodeName().equals("domain")) {
            throw new StrictProperties.Problem("DomainXML", "root element must be <domain>, not <"
                    + root.getNodeName() + ">");
        }
        if (root.getAttribute("type").isEmpty()) {
            throw new StrictProperties.Problem("DomainXML", "<domain> needs a type attribute (qemu, kvm, ...)");
        }
    }

    private static Element os(Document doc, LibvirtProperties.Os os) {
        Element e = doc.createElement("os");
        e.appendChild(element(doc, "type", "hvm"));
        if (os.kernel() != null) {
            e.appendChild(element(doc, "kernel", os.kernel()));
            if (os.initrd() != null) {
                e.appendChild(element(doc, "initrd", os.initrd()));
            }
            if (os.cmdline() != null) {
                e.appendChild(element(doc, "cmdline", os.cmdline()));
            }
        }
        for (String dev : os.boot()) {
            Element boot = doc.createElement("boot");
            boot.setAttribute("dev", dev);
            e.appendChild(boot);
        }
        return e;
    }

    private static Element cpu(Document doc, String model) {
        Element cpu = doc.createElement("cpu");
        if (model.equals("host-passthrough") || model.equals("host-model")) {
            cpu.setAttribute("mode", model);
        } else {
            cpu.setAttribute("mode", "custom");
            cpu.setAttribute("match", "exact");
            Element m = element(doc, "model", model);
            m.setAttribute("fallback", "forbid");
            cpu.appendChild(m);
        }
        return cpu;
    }

    private static Element disk(Document doc, Disk d, String target) {
        Element disk = doc.createElement("disk");
        disk.setAttribute("type", "volume");
        disk.setAttribute("device", d.device());
        Element driver = doc.createElement("driver");
        driver.setAttribute("name", "qemu");
        driver.setAttribute("type", d.format());
        disk.appendChild(driver);
        Element source = doc.createElement("source");
        source.setAttribute("pool", d.volume().pool());
        source.setAttribute("volume", d.volume().name());
        disk.appendChild(source);
        Element t = doc.createElement("target");
        t.setAttribute("dev", target);
        t.setAttribute("bus", d.bus());
        disk.appendChild(t);
        if (d.readOnly()) {
            disk.appendChild(doc.createElement("readonly"));
        }
        return disk;
    }

    private static Element nic(Document doc, LibvirtProperties.Nic nic) {
        Element e = doc.createElement("interface");
        Element source = doc.createElement("source");
        if (nic.network() != null) {
            e.setAttribute("type", "network");
            source.setAttribute("network", nic.network());
        } else {
            e.setAttribute("type", "bridge");
            source.setAttribute("bridge", nic.bridge());
        }
        e.appendChild(source);
        if (nic.mac() != null) {
            Element mac = doc.createElement("mac");
            mac.setAttribute("address", nic.mac());
            e.appendChild(mac);
        }
        Element model = doc.createElement("model");
        model.setAttribute("type", nic.model());
        e.appendChild(model);
        return e;
    }

    /** The first free target on a bus, named as libvirt does: vda, vdb, ... vdz, vdaa, ... */
    static String nextTarget(String bus, Set<String> used) {
        String prefix = switch (bus) {
            case "virtio" -> "vd";
            case "ide" -> "hd";
            default -> "sd";
        };
        for (int i = 0; ; i++) {
            StringBuilder suffix = new StringBuilder();
            for (int n = i; n >= 0; n = n / 26 - 1) {
                suffix.insert(0, (char) ('a' + n % 26));
            }
            String dev = prefix + suffix;
            if (used.add(dev)) {
                return dev;
            }
        }
    }

    /** The disks of a domain definition: target, device, and where the data lives. */
    static List<Map<String, String>> disks(Document domain) {
        List<Map<String, String>> out = new ArrayList<>();
        Element devices = first(domain.getDocumentElement(), "devices");
        for (Element d : devices == null ? List.<Element>of() : children(devices, "disk")) {
            Map<String, String> m = new LinkedHashMap<>();
            Element target = first(d, "target");
            m.put("Target", target == null ? "" : target.getAttribute("dev"));
            m.put("Device", d.getAttribute("device"));
            Element source = first(d, "source");
            if (source != null) {
                for (String a : List.of("pool", "volume", "file", "dev")) {
                    if (source.hasAttribute(a)) {
                        m.put(Character.toUpperCase(a.charAt(0)) + a.substring(1), source.getAttribute(a));
                    }
                }
            }
            boolean readOnly = first(d, "readonly") != null || d.getAttribute("device").equals("cdrom");
            m.put("ReadOnly", Boolean.toString(readOnly));
            out.add(m);
        }
        return out;
    }

    /** The interfaces of a domain definition: MAC, type and source. */
    static List<Map<String, String>> interfaces(Document domain) {
        List<Map<String, String>> out = new ArrayList<>();
        Element devices = first(domain.getDocumentElement(), "devices");
        for (Element i : devices == null ? List.<Element>of() : children(devices, "interface")) {
            Map<String, String> m = new LinkedHashMap<>();
            Element mac = first(i, "mac");
            m.put("MAC", mac == null ? "" : mac.getAttribute("address"));
            m.put("Type", i.getAttribute("type"));
            Element source = first(i, "source");
            if (source != null) {
                for (String a : List.of("network", "bridge")) {
                    if (source.hasAttribute(a)) {
                        m.put(Character.toUpperCase(a.charAt(0)) + a.substring(1), source.getAttribute(a));
                    }
                }
            }
            out.add(m);
        }
        return out;
    }
}
