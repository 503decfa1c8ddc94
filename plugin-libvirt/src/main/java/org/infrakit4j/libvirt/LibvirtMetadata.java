package org.infrakit4j.libvirt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What the plugin keeps in a domain's {@code <metadata>}, under the one namespace {@link #NAMESPACE}: the
 * LogicalID, all tags, the volumes made for the domain (deleted on Destroy) and the stop timeout. The element's
 * presence is the marker: a domain without it is not ours. Built and read with DOM, so a tag cannot inject XML;
 * text that XML 1.0 cannot carry or would normalize (control characters, CR) is stored base64-encoded.
 */
record LibvirtMetadata(Optional<String> logicalId, Map<String, String> tags, List<LibvirtVolumeRef> ownedVolumes,
                       int stopTimeoutSeconds) {
    /** Fixed and versioned; the reference plugin's Label wrote under a misspelt URI (reference-providers §3.5). */
    static final String NAMESPACE = "https://github.com/infrakit4j/xmlns/libvirt-instance/1";
    static final String PREFIX = "ik4j";
    static final String ELEMENT = "instance";

    LibvirtMetadata {
        logicalId = logicalId == null ? Optional.empty() : logicalId;
        tags = Map.copyOf(tags);
        ownedVolumes = List.copyOf(ownedVolumes);
    }

    LibvirtMetadata withTags(Map<String, String> newTags) {
        return new LibvirtMetadata(logicalId, newTags, ownedVolumes, stopTimeoutSeconds);
    }

    /** The element as it goes into a domain definition: prefixed, in our namespace; children unqualified. */
    Element toElement(Document doc) {
        Element root = doc.createElementNS(NAMESPACE, PREFIX + ":" + ELEMENT);
        logicalId.ifPresent(id -> root.appendChild(text(doc, "logical-id", id)));
        for (Map.Entry<String, String> t : new TreeMap<>(tags).entrySet()) {
            Element tag = doc.createElement("tag");
            tag.appendChild(text(doc, "key", t.getKey()));
            tag.appendChild(text(doc, "value", t.getValue()));
            root.appendChild(tag);
        }
        for (LibvirtVolumeRef v : ownedVolumes) {
            Element vol = doc.createElement("volume");
            vol.setAttribute("pool", v.pool());
            vol.setAttribute("name", v.name());
            root.appendChild(vol);
        }
        if (stopTimeoutSeconds > 0) {
            Element stop = doc.createElement("stop");
            stop.setAttribute("timeout-seconds", Integer.toString(stopTimeoutSeconds));
            root.appendChild(stop);
        }
        return root;
    }

    /** The element as virDomainSetMetadata takes it: unqualified (libvirt adds the namespace and prefix). */
    String toXml() {
        Document doc = LibvirtXml.newDocument();
        Element qualified = toElement(doc);
        Element plain = doc.createElement(ELEMENT);
        while (qualified.getFirstChild() != null) {
            plain.appendChild(qualified.getFirstChild());
        }
        doc.appendChild(plain);
        return LibvirtXml.format(doc);
    }

    /** Reads the element virDomainGetMetadata returns for our namespace. */
    static LibvirtMetadata parse(String xml) {
        Element root = LibvirtXml.parse(xml).getDocumentElement();
        if (!LibvirtXml.localName(root).equals(ELEMENT)) {
            throw new IllegalArgumentException("metadata element is <" + root.getNodeName() + ">, not <" + ELEMENT
                    + ">");
        }
        Optional<String> logicalId = Optional.empty();
        Map<String, String> tags = new LinkedHashMap<>();
        List<LibvirtVolumeRef> volumes = new ArrayList<>();
        int stop = 0;
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element e)) {
                continue;
            }
            switch (LibvirtXml.localName(e)) {
                case "logical-id" -> logicalId = Optional.of(read(e));
                case "tag" -> tags.put(read(child(e, "key")), read(child(e, "value")));
                case "volume" -> volumes.add(new LibvirtVolumeRef(e.getAttribute("pool"), e.getAttribute("name")));
                case "stop" -> stop = Integer.parseInt(e.getAttribute("timeout-seconds"));
                default -> { } // written by a later version: ignore, keep reading
            }
        }
        return new LibvirtMetadata(logicalId, tags, volumes, stop);
    }

    /**
     * Reads the element InfraKit's Go plugin wrote ({@code <infrakit xmlns="https://github.com/docker/infrakit">}
     * with {@code logicalid}, {@code tag}s and {@code metadata-disk}) as ours: its metadata disk is a volume made
     * for the domain, and its LogicalID, as that plugin reported it, falls back to the domain's name.
     */
    static LibvirtMetadata parseReference(String xml, String domainName) {
        Element root = LibvirtXml.parse(xml).getDocumentElement();
        if (!LibvirtXml.localName(root).equals("infrakit")) {
            throw new IllegalArgumentException("reference metadata element is <" + root.getNodeName()
                    + ">, not <infrakit>");
        }
        String logicalId = "";
        Map<String, String> tags = new LinkedHashMap<>();
        List<LibvirtVolumeRef> volumes = new ArrayList<>();
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                switch (LibvirtXml.localName(e)) {
                    case "logicalid" -> logicalId = e.getTextContent();
                    case "tag" -> tags.put(child(e, "key").getTextContent(), child(e, "value").getTextContent());
                    case "metadata-disk" -> volumes.add(new LibvirtVolumeRef(child(e, "pool").getTextContent(),
                            child(e, "volume").getTextContent()));
                    default -> { } // the reference wrote nothing else
                }
            }
        }
        return new LibvirtMetadata(Optional.of(logicalId.isEmpty() ? domainName : logicalId), tags, volumes, 0);
    }

    private static Element text(Document doc, String name, String value) {
        Element e = doc.createElement(name);
        if (!LibvirtXml.carries(value)) {
            e.setAttribute("encoding", "base64");
            e.setTextContent(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        } else {
            e.setTextContent(value);
        }
        return e;
    }

    private static String read(Element e) {
        String text = e.getTextContent();
        return e.getAttribute("encoding").equals("base64")
                ? new String(Base64.getDecoder().decode(text.strip()), StandardCharsets.UTF_8) : text;
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && LibvirtXml.localName(e).equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("<" + parent.getNodeName() + "> has no <" + name + ">");
    }
}
