package org.infrakit4j.libvirt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The Properties of InfraKit's Go libvirt plugin ({@code {"MetadataStoragePool": ..., "Domain": {...}}}),
 * recognised by those top-level members and mapped onto our own request: the Domain becomes a DomainXML
 * template ({@link LibvirtReferenceDomain}), its Name the NamePrefix, MetadataStoragePool the pool of the Init
 * seed. What the plugin owns or cannot honour is an error naming the field.
 *
 * @param properties our request: NamePrefix and DomainXML
 * @param seedPool where the Init seed volume goes (MetadataStoragePool), or null for the plugin's pool
 */
record LibvirtReferenceProperties(LibvirtProperties properties, String seedPool) {
    /** The reference's default MetadataStoragePool, used when neither it nor --storage-pool names one. */
    static final String DEFAULT_POOL = "default";
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}([:-])[0-9a-f]{2}(\\1[0-9a-f]{2}){4}");

    /** Whether Properties are in the reference's shape: an object with a Domain or MetadataStoragePool member. */
    static boolean recognises(RawJson properties) {
        if (properties.isNull()) {
            return false;
        }
        String json = properties.json();
        String lower = json.toLowerCase(Locale.ROOT);
        if (!lower.contains("\"domain\"") && !lower.contains("\"metadatastoragepool\"")) {
            return false; // cheap test first: our own shape has neither name (DomainXML is another)
        }
        try {
            JsonNode tree = JSON.readTree(json);
            return tree != null && tree.isObject() && (has(tree, "Domain") || has(tree, "MetadataStoragePool"));
        } catch (JsonProcessingException e) {
            return false; // our own decoder reports the syntax error
        }
    }

    private static boolean has(JsonNode tree, String name) {
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            if (it.next().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Decodes reference-shaped Properties; every failure is an INVALID_PROPERTIES error naming the field. */
    static LibvirtReferenceProperties decode(RawJson properties) {
        JsonNode tree;
        try (JsonParser p = JSON.createParser(properties.json())) {
            tree = JSON.readTree(p);
            if (p.nextToken() != null) {
                throw InstanceException.invalid("", "has data after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw InstanceException.invalid("", "is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw InstanceException.invalid("", "cannot be read: " + e.getMessage());
        }
        try {
            return decode(tree);
        } catch (StrictProperties.Problem e) {
            throw InstanceException.invalid(e.field(), e.getMessage());
        }
    }

    private static LibvirtReferenceProperties decode(JsonNode tree) {
        Map<LibvirtReferenceDomain.Field, JsonNode> top = LibvirtReferenceDomain.members("Properties", tree, "");
        String pool = null;
        JsonNode domain = null;
        for (Map.Entry<LibvirtReferenceDomain.Field, JsonNode> m : top.entrySet()) {
            if (m.getKey().json().equals("MetadataStoragePool")) {
                pool = LibvirtReferenceDomain.scalar(m.getKey(), m.getValue(), "MetadataStoragePool");
                if (!LibvirtVolumeRef.NAME.matcher(pool).matches()) {
                    throw new StrictProperties.Problem("MetadataStoragePool", "is not a storage pool name");
                }
            } else {
                domain = m.getValue();
            }
        }
        if (domain == null) {
            throw new StrictProperties.Problem("Domain", "is required: the libvirt-go-xml domain to make");
        }
        Document doc = LibvirtXml.newDocument();
        Element root = doc.createElement("domain");
        doc.appendChild(root);
        LibvirtReferenceDomain.write("Domain", domain, "Domain", root);
        String prefix = owned(domain, root);
        checkPaths(domain);
        String xml = LibvirtXml.format(doc);
        LibvirtProperties ours;
        try {
            ours = new LibvirtProperties(prefix, null, null, null, null, null, null, null, null, null, xml);
        } catch (StrictProperties.Problem e) {
            throw new StrictProperties.Problem(e.field().equals("NamePrefix") ? "Domain.Name" : "Domain",
                    e.getMessage());
        }
        return new LibvirtReferenceProperties(ours, pool);
    }

    /** The members the plugin owns: Name (our NamePrefix), UUID (refused), Type (required), XMLName. */
    private static String owned(JsonNode domain, Element root) {
        JsonNode type = LibvirtReferenceDomain.member(domain, "Type");
        if (type == null || type.textValue().isEmpty()) {
            throw new StrictProperties.Problem("Domain.Type", "is required: kvm, qemu, test or another libvirt "
                    + "domain type");
        }
        JsonNode uuid = LibvirtReferenceDomain.member(domain, "UUID");
        if (uuid != null && !uuid.textValue().isEmpty()) {
            throw new StrictProperties.Problem("Domain.UUID", "cannot be honoured: every instance would get the "
                    + "same UUID; leave it out and libvirt gives each domain its own");
        }
        JsonNode xmlName = LibvirtReferenceDomain.member(domain, "XMLName");
        if (xmlName != null) {
            JsonNode space = LibvirtReferenceDomain.member(xmlName, "Space");
            JsonNode local = LibvirtReferenceDomain.member(xmlName, "Local");
            if (space != null && !space.textValue().isEmpty()
                    || local != null && !local.textValue().isEmpty() && !local.textValue().equals("domain")) {
                throw new StrictProperties.Problem("Domain.XMLName", "cannot be honoured: the root element is "
                        + "always <domain>, in no namespace");
            }
        }
        for (String drop : List.of("name", "uuid")) {
            Element e = LibvirtXml.first(root, drop);
            if (e != null) {
                root.removeChild(e);
            }
        }
        JsonNode name = LibvirtReferenceDomain.member(domain, "Name");
        // The reference overrode Name with its own ID; here it names the domains: <Name>-<12 hex digits>.
        return name == null || name.textValue().isEmpty() ? null : name.textValue();
    }

    /** Paths the libvirt host resolves: relative ones would depend on libvirtd's working directory. */
    private static void checkPaths(JsonNode domain) {
        JsonNode os = LibvirtReferenceDomain.member(domain, "OS");
        if (os != null) {
            absolute(LibvirtReferenceDomain.member(os, "Kernel"), "Domain.OS.Kernel");
            absolute(LibvirtReferenceDomain.member(os, "Initrd"), "Domain.OS.Initrd");
            JsonNode loader = LibvirtReferenceDomain.member(os, "Loader");
            if (loader != null) {
                absolute(LibvirtReferenceDomain.member(loader, "Path"), "Domain.OS.Loader.Path");
            }
            JsonNode nvram = LibvirtReferenceDomain.member(os, "NVRam");
            if (nvram != null) {
                absolute(LibvirtReferenceDomain.member(nvram, "NVRam"), "Domain.OS.NVRam.NVRam");
                absolute(LibvirtReferenceDomain.member(nvram, "Template"), "Domain.OS.NVRam.Template");
            }
        }
        JsonNode devices = LibvirtReferenceDomain.member(domain, "Devices");
        JsonNode disks = devices == null ? null : LibvirtReferenceDomain.member(devices, "Disks");
        for (int i = 0; disks != null && i < disks.size(); i++) {
            JsonNode source = LibvirtReferenceDomain.member(disks.get(i), "Source");
            if (source != null) {
                absolute(LibvirtReferenceDomain.member(source, "File"), "Domain.Devices.Disks[" + i + "].Source.File");
            }
        }
    }

    private static void absolute(JsonNode path, String field) {
        if (path != null && !path.textValue().isEmpty() && !path.textValue().startsWith("/")) {
            throw new StrictProperties.Problem(field, "must be an absolute path on the libvirt host, not "
                    + GoQuote.quote(path.textValue()));
        }
    }

    /**
     * As the reference did: a LogicalID that is a MAC address becomes the MAC of the domain's first interface;
     * otherwise (or with no interface) the Properties are unchanged.
     */
    LibvirtProperties forLogicalId(Optional<String> logicalId) {
        if (logicalId.isEmpty() || !MAC.matcher(logicalId.get()).matches()) {
            return properties;
        }
        Document doc = LibvirtXml.parse(properties.domainXml());
        Element devices = LibvirtXml.first(doc.getDocumentElement(), "devices");
        Element nic = devices == null ? null : LibvirtXml.first(devices, "interface");
        if (nic == null) {
            return properties;
        }
        Element mac = LibvirtXml.first(nic, "mac");
        if (mac == null) {
            mac = doc.createElement("mac");
            nic.insertBefore(mac, nic.getFirstChild());
        }
        mac.setAttribute("address", logicalId.get().replace('-', ':').toLowerCase(Locale.ROOT));
        return new LibvirtProperties(properties.namePrefix(), null, null, null, null, null, null, null, null, null,
                LibvirtXml.format(doc));
    }
}
