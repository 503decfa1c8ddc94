package org.infrakit4j.libvirt;

import static org.infrakit4j.runtime.JsonPaths.join;
import static org.infrakit4j.runtime.JsonPaths.kind;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infrakit4j.runtime.StrictProperties;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The {@code Domain} of InfraKit's Go libvirt plugin: the JSON form (Go field names) of the libvirt-go-xml
 * {@code Domain} vendored in InfraKit at f9e924e7, turned into domain XML. The schema below lists, per struct,
 * each field's JSON name and where it goes in the XML, as that library maps it; the walker checks the JSON
 * against it strictly (unknown member, wrong JSON type, a member given twice under two spellings: an error with
 * the field path) and writes the XML with DOM, so no value can inject markup. Names match case-insensitively,
 * as Go's decoder matched them. A JSON null is an absent member, as for Go.
 *
 * <p>Writing differs from Go's encoder in one way: an empty string attribute is left out rather than written
 * as {@code attr=""} (libvirt refuses most empty attributes, and the reference's JSON never meant them).
 */
final class LibvirtReferenceDomain {
    /** How a field maps to XML. */
    enum Kind {
        /** An attribute; strings are written when not empty. */
        ATTR,
        /** An integer attribute Go leaves out when 0 ({@code omitempty}). */
        ATTR_OMIT_ZERO,
        /** The element's text. */
        TEXT,
        /** A child element holding the value as text, left out when empty. */
        CHILD_TEXT,
        /** A child element of a struct type, left out when absent (Go pointer). */
        CHILD,
        /** A child element of a struct type Go always writes (not a pointer). */
        CHILD_ALWAYS,
        /** One child element per list item; {@code wrapper>item} puts them in a wrapper element. */
        LIST
    }

    /** The JSON value a field takes. */
    enum Scalar { STRING, INT, UINT, STRUCT }

    /** One field of a Go struct. */
    record Field(String json, String xml, Kind kind, Scalar scalar, String struct) {
    }

    // Notation: Json:xml@ attribute, Json:xml@#? integer attribute left out when 0, Json:. text,
    // Json:xml child text, Json:xml>Struct child, Json:xml!Struct child always written, Json:xml[]Struct list,
    // Json:xml[] list of strings, Json:~ and Json:~Struct Go-only (not written); after @, #, + or ~ mean int,
    // uint or optional uint, and ? that 0 is left out.
    private static final String SCHEMA = """
            Properties Domain:~Domain MetadataStoragePool:~
            Domain XMLName:~XMLName Type:type@ Name:name UUID:uuid Memory:memory>Memory \
            CurrentMemory:currentMemory>Memory MaximumMemory:maxMemory>MaxMemory VCPU:vcpu>VCPU CPU:cpu>CPU \
            Resource:resource>Resource Devices:devices>Devices OS:os>OS SysInfo:sysinfo>SysInfo \
            OnPoweroff:on_poweroff OnReboot:on_reboot OnCrash:on_crash
            XMLName Space:~ Local:~
            Memory Value:.# Unit:unit@
            MaxMemory Value:.# Unit:unit@ Slots:slots@#?
            VCPU Placement:placement@ CPUSet:cpuset@ Current:current@ Value:.#
            CPU Match:match@ Mode:mode@ Model:model>CPUModel Vendor:vendor Topology:topology>CPUTopology \
            Features:feature[]CPUFeature
            CPUModel Fallback:fallback@ Value:.
            CPUTopology Sockets:sockets@#? Cores:cores@#? Threads:threads@#?
            CPUFeature Policy:policy@ Name:name@
            Resource Partition:partition
            SysInfo Type:type@ System:system>entry[]SysInfoEntry BIOS:bios>entry[]SysInfoEntry \
            BaseBoard:baseBoard>entry[]SysInfoEntry
            SysInfoEntry Name:name@ Value:.
            OS Type:type>OSType Loader:loader>Loader NVRam:nvram>NVRam Kernel:kernel Initrd:initrd \
            KernelArgs:cmdline BootDevices:boot[]BootDevice BootMenu:bootmenu>BootMenu SMBios:smbios>SMBios \
            BIOS:bios>BIOS Init:init InitArgs:initarg[]
            OSType Arch:arch@ Machine:machine@ Type:.
            Loader Path:. Readonly:readonly@ Secure:secure@ Type:type@
            NVRam NVRam:. Template:template@
            BootDevice Dev:dev@
            BootMenu Enabled:enabled@ Timeout:timeout@
            SMBios Mode:mode@
            BIOS UseSerial:useserial@ RebootTimeout:rebootTimeout@
            Devices Controllers:controller[]Controller Disks:disk[]Disk Filesystems:filesystem[]Filesystem \
            Interfaces:interface[]Interface Serials:serial[]Chardev Consoles:console[]Chardev Inputs:input[]Input \
            Graphics:graphics[]Graphic Videos:video[]Video Channels:channel[]Chardev
            Controller Type:type@ Index:index@
            Disk Type:type@ Device:device@ Snapshot:snapshot@ Driver:driver>DiskDriver Auth:auth>DiskAuth \
            Source:source>DiskSource Target:target>DiskTarget
            DiskDriver Name:name@ Type:type@
            DiskAuth Username:username@ Secret:secret>DiskSecret
            DiskSecret Type:type@ Usage:usage@ UUID:uuid@
            DiskSource File:file@ Device:dev@ Protocol:protocol@ Name:name@ Pool:pool@ Volume:volume@ \
            Hosts:host[]DiskSourceHost StartupPolicy:startupPolicy@
            DiskSourceHost Transport:transport@ Name:name@ Port:port@ Socket:socket@
            DiskTarget Dev:dev@ Bus:bus@
            Filesystem Type:type@ AccessMode:accessmode@ Driver:driver>FilesystemDriver \
            Source:source>FilesystemSource Target:target>FilesystemTarget ReadOnly:readonly>Empty \
            SpaceHardLimit:space_hard_limit>FilesystemLimit SpaceSoftLimit:space_soft_limit>FilesystemLimit
            FilesystemDriver Type:type@ Name:name@ WRPolicy:wrpolicy@
            FilesystemSource Dir:dir@ File:file@
            FilesystemTarget Dir:dir@
            FilesystemLimit Value:.# Unit:unit@
            Empty
            Interface Type:type@ MAC:mac>InterfaceMAC Model:model>InterfaceModel Source:source>InterfaceSource \
            Target:target>InterfaceTarget Alias:alias>NameAttr Link:link>InterfaceLink Boot:boot>InterfaceBoot \
            Script:script>InterfaceScript Driver:driver>InterfaceDriver
            InterfaceMAC Address:address@
            InterfaceModel Type:type@
            InterfaceSource Bridge:bridge@ Network:network@ Address:address@ Type:type@ Path:path@ Mode:mode@ \
            Port:port@+?
            InterfaceTarget Dev:dev@
            NameAttr Name:name@
            InterfaceLink State:state@
            InterfaceBoot Order:order@#
            InterfaceScript Path:path@
            InterfaceDriver Name:name@ Queues:queues@+?
            Chardev Type:type@ Source:source>ChardevSource Target:target>ChardevTarget Alias:alias>NameAttr \
            Address:address>Address
            ChardevSource Mode:mode@ Path:path@
            ChardevTarget Type:type@ Name:name@ State:state@
            Address Type:type@ Controller:controller@~ Bus:bus@~ Port:port@~
            Input Type:type@ Bus:bus@
            Graphic Type:type@ AutoPort:autoport@ Port:port@#? TLSPort:tlsPort@#? WebSocket:websocket@#? \
            Listen:listen@ Socket:socket@ Keymap:keymap@ Passwd:passwd@ PasswdValidTo:passwdValidTo@ \
            Connected:connected@ SharePolicy:sharePolicy@ DefaultMode:defaultMode@ Display:display@ \
            XAuth:xauth@ FullScreen:fullscreen@ ReplaceUser:replaceUser@ MultiUser:multiUser@ \
            Listeners:listen[]GraphicListener
            GraphicListener Type:type@ Address:address@ Network:network@ Socket:socket@
            Video Model:model!VideoModel
            VideoModel Type:type@
            """;
    private static final Pattern FIELD = Pattern.compile(
            "(\\w+):([\\w.>~-]+?)(?:(@)([#+~]?)(\\?)?|(>|!|\\[])(\\w*)|(#))?");
    static final Map<String, List<Field>> STRUCTS = parseSchema();

    private LibvirtReferenceDomain() {
    }

    private static Map<String, List<Field>> parseSchema() {
        Map<String, List<Field>> out = new LinkedHashMap<>();
        for (String line : SCHEMA.strip().split("\n")) {
            String[] parts = line.strip().split("\\s+");
            List<Field> fields = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                Matcher m = FIELD.matcher(parts[i]);
                if (!m.matches()) {
                    throw new IllegalStateException("schema: " + parts[i]);
                }
                String json = m.group(1);
                String xml = m.group(2);
                if (xml.startsWith("~")) { // Go-only: how Go names the element itself, never written
                    String struct = xml.length() > 1 ? xml.substring(1) : null;
                    fields.add(new Field(json, "~", Kind.CHILD, struct == null ? Scalar.STRING : Scalar.STRUCT,
                            struct));
                    continue;
                }
                if (m.group(3) != null) {
                    Scalar s = switch (m.group(4)) {
                        case "#" -> Scalar.INT;
                        case "+", "~" -> Scalar.UINT;
                        default -> Scalar.STRING;
                    };
                    fields.add(new Field(json, xml, m.group(5) != null ? Kind.ATTR_OMIT_ZERO : Kind.ATTR, s, null));
                } else if (m.group(6) != null) {
                    String struct = m.group(7).isEmpty() ? null : m.group(7);
                    Kind k = switch (m.group(6)) {
                        case ">" -> Kind.CHILD;
                        case "!" -> Kind.CHILD_ALWAYS;
                        default -> Kind.LIST;
                    };
                    fields.add(new Field(json, xml, k, struct == null ? Scalar.STRING : Scalar.STRUCT, struct));
                } else if (xml.equals(".")) {
                    fields.add(new Field(json, xml, Kind.TEXT, m.group(8) != null ? Scalar.INT : Scalar.STRING,
                            null));
                } else {
                    fields.add(new Field(json, xml, Kind.CHILD_TEXT, Scalar.STRING, null));
                }
            }
            out.put(parts[0], List.copyOf(fields));
        }
        return Map.copyOf(out);
    }

    /**
     * Checks {@code json} as a value of {@code struct} and returns its members by field, the JSON names resolved
     * case-insensitively.
     *
     * @param path the field path of {@code json} in Properties, for errors
     */
    static Map<Field, JsonNode> members(String struct, JsonNode json, String path) {
        if (!json.isObject()) {
            throw new StrictProperties.Problem(path, "must be an object, got " + kind(json));
        }
        List<Field> fields = STRUCTS.get(struct);
        Map<Field, JsonNode> out = new LinkedHashMap<>();
        Map<Field, String> spelling = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            Field f = fields.stream().filter(x -> x.json().equalsIgnoreCase(member.getKey())).findFirst()
                    .orElseThrow(() -> new StrictProperties.Problem(join(path, member.getKey()), "unknown field ("
                            + (fields.isEmpty() ? "this struct has no fields" : "known: " + String.join(", ",
                            fields.stream().map(Field::json).toList())) + "; names match case-insensitively)"));
            String before = spelling.put(f, member.getKey());
            if (before != null) {
                throw new StrictProperties.Problem(join(path, member.getKey()), "given twice (also as " + before
                        + "; names match case-insensitively)");
            }
            if (!member.getValue().isNull()) {
                out.put(f, member.getValue());
            }
        }
        return out;
    }

    /** Writes {@code json}, a checked value of {@code struct}, into {@code element}. */
    static void write(String struct, JsonNode json, String path, Element element) {
        Document doc = element.getOwnerDocument();
        Map<Field, JsonNode> members = members(struct, json, path);
        for (Field f : STRUCTS.get(struct)) {
            JsonNode v = members.get(f);
            String at = join(path, f.json());
            if (f.xml().equals("~")) {
                if (v != null) {
                    check(f, v, at); // Go's own element naming: checked by the caller, never written
                }
                continue;
            }
            switch (f.kind()) {
                case ATTR, ATTR_OMIT_ZERO -> {
                    if (v != null) {
                        String s = scalar(f, v, at);
                        if (!s.isEmpty() && !(f.kind() == Kind.ATTR_OMIT_ZERO && s.equals("0"))) {
                            element.setAttribute(f.xml(), s);
                        }
                    }
                }
                case TEXT -> element.setTextContent(v == null ? (f.scalar() == Scalar.INT ? "0" : "")
                        : scalar(f, v, at));
                case CHILD_TEXT -> {
                    if (v != null) {
                        String s = scalar(f, v, at);
                        if (!s.isEmpty()) {
                            LibvirtXml.append(element, f.xml(), s);
                        }
                    }
                }
                case CHILD, CHILD_ALWAYS -> {
                    if (v != null || f.kind() == Kind.CHILD_ALWAYS) {
                        Element e = doc.createElement(f.xml());
                        write(f.struct(), v == null ? EMPTY : v, at, e);
                        element.appendChild(e);
                    }
                }
                case LIST -> {
                    if (v == null) {
                        continue;
                    }
                    if (!v.isArray()) {
                        throw new StrictProperties.Problem(at, "must be an array, got " + kind(v));
                    }
                    Element parent = element;
                    String item = f.xml();
                    int wrap = item.indexOf('>');
                    if (wrap >= 0) {
                        if (v.isEmpty()) {
                            continue;
                        }
                        parent = doc.createElement(item.substring(0, wrap));
                        element.appendChild(parent);
                        item = item.substring(wrap + 1);
                    }
                    for (int i = 0; i < v.size(); i++) {
                        String itemAt = at + "[" + i + "]";
                        JsonNode iv = v.get(i);
                        if (iv.isNull()) {
                            throw new StrictProperties.Problem(itemAt, "must not be null");
                        }
                        Element e = doc.createElement(item);
                        if (f.struct() == null) {
                            e.setTextContent(scalar(f, iv, itemAt));
                        } else {
                            write(f.struct(), iv, itemAt, e);
                        }
                        parent.appendChild(e);
                    }
                }
                default -> throw new IllegalStateException(f.kind().name());
            }
        }
    }

    private static final JsonNode EMPTY = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();

    private static void check(Field f, JsonNode v, String at) {
        if (f.scalar() == Scalar.STRUCT) {
            members(f.struct(), v, at).forEach((k, x) -> check(k, x, join(at, k.json())));
        } else {
            scalar(f, v, at);
        }
    }

    /** A scalar member as XML text: strings as they are, integers in range for their Go type. */
    static String scalar(Field f, JsonNode v, String at) {
        switch (f.scalar()) {
            case STRING -> {
                if (!v.isTextual()) {
                    throw new StrictProperties.Problem(at, "must be a string, got " + kind(v));
                }
                return v.textValue();
            }
            case INT, UINT -> {
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw new StrictProperties.Problem(at, "must be " + (f.scalar() == Scalar.UINT
                            ? "a non-negative integer" : "an integer") + ", got " + (v.isNumber() && !v.isIntegralNumber()
                            ? "a fraction" : kind(v)));
                }
                long n = v.longValue();
                if (f.scalar() == Scalar.UINT && n < 0) {
                    throw new StrictProperties.Problem(at, "must be a non-negative integer, got " + n);
                }
                return Long.toString(n);
            }
            default -> throw new StrictProperties.Problem(at, "must be an object, got " + kind(v));
        }
    }

    /** The member of {@code json} named {@code name} case-insensitively, or null. */
    static JsonNode member(JsonNode json, String name) {
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (m.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)) && !m.getValue().isNull()) {
                return m.getValue();
            }
        }
        return null;
    }
}
