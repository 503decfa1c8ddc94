package org.infrakit4j.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Inputs of the Validate fuzzer: JSON trees of any shape built from the Properties' own names and values, and
 * mutations of valid Properties (a member dropped, retyped, renamed in another case, an unknown member, huge strings
 * and numbers, deep nesting, XML and shell metacharacters, NUL).
 */
final class LibvirtFuzzProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Valid Properties: every member the plugin knows, kernel boot, a DomainXML template, the least there can be. */
    static final List<String> VALID = List.of(
            "{\"NamePrefix\":\"worker\",\"Type\":\"qemu\",\"MemoryMiB\":1024,\"VCPUs\":2,\"CPUModel\":\"host-model\","
                    + "\"OS\":{\"Boot\":[\"hd\",\"cdrom\"]},\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":8,\"Format\":"
                    + "\"raw\",\"Pool\":\"fast\",\"Bus\":\"sata\",\"ReadOnly\":false},{\"Kind\":\"overlay\",\"Base\":"
                    + "\"images/debian-12.qcow2\",\"SizeMiB\":8192},{\"Kind\":\"existing\",\"Volume\":\"data.img\","
                    + "\"ReadOnly\":true}],\"Interfaces\":[{\"Network\":\"default\",\"Model\":\"e1000\",\"MAC\":"
                    + "\"52:54:00:12:34:56\"},{\"Bridge\":\"br0\"}],\"Console\":false,\"StopTimeoutSeconds\":30}",
            "{\"Type\":\"kvm\",\"OS\":{\"Kernel\":\"/boot/vmlinuz\",\"Initrd\":\"/boot/initrd.img\",\"Cmdline\":"
                    + "\"console=ttyS0 root=/dev/vda\"}}",
            "{\"NamePrefix\":\"t\",\"DomainXML\":\"<domain type='qemu'><memory unit='MiB'>64</memory><os><type>hvm"
                    + "</type></os><devices><graphics type='vnc'/></devices></domain>\",\"Disks\":[{\"Kind\":\"new\","
                    + "\"SizeMiB\":1}]}",
            "{}");

    private static final List<String> NAMES = List.of("NamePrefix", "Type", "MemoryMiB", "VCPUs", "CPUModel", "OS",
            "Kernel", "Initrd", "Cmdline", "Boot", "Disks", "Kind", "SizeMiB", "Format", "Base", "Volume", "Pool",
            "Bus", "ReadOnly", "Interfaces", "Network", "Bridge", "Model", "MAC", "Console", "StopTimeoutSeconds",
            "DomainXML");

    private static final List<String> TEXTS = List.of("worker", "qemu", "kvm", "test", "xen", "host-model",
            "host-passthrough", "hd", "cdrom", "network", "new", "overlay", "existing", "qcow2", "raw", "iso",
            "virtio", "sata", "ide", "e1000", "default", "br0", "52:54:00:12:34:56", "01:00:5e:00:00:01",
            "/boot/vmlinuz", "vmlinuz", "pool/vol.img", "../etc/passwd", "a/b/c", "<domain type='qemu'/>",
            "<domain/>", "", " ", "QEMU", "yes");

    private static final List<String> METACHARACTERS = List.of("<x>&amp;</x>", "<![CDATA[]]>", "<?xml?>",
            "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain type='qemu'>&x;</domain>",
            "</name><name>evil", "\"'`", "$(reboot)", "`id`", "; rm -rf /", "a|b&&c", "${jndi:ldap://x}",
            "%s%n%x", "..\\..\\etc", "\u0000", "vd\u0000a", "line\nbreak\r\t", "\u2028\u2029", "\uFEFF",
            "\uD83D\uDE00", "\u202Eevil", "\\u0000");

    private static final List<JsonNode> NUMBERS = List.of(NODES.numberNode(0), NODES.numberNode(-1),
            NODES.numberNode(1.5), NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(Long.MIN_VALUE),
            NODES.numberNode(new BigInteger("123456789012345678901234567890123456789")),
            NODES.numberNode(new BigDecimal("1e400")), NODES.numberNode(new BigDecimal("-1e-400")),
            NODES.numberNode(Double.MAX_VALUE), NODES.numberNode(-0.0), NODES.numberNode(2147483648L),
            NODES.numberNode(Integer.MIN_VALUE), NODES.numberNode(4097), NODES.numberNode(3601));

    /** What a mutation does at the member it lands on. */
    enum Kind { DROP, RETYPE, UNKNOWN_MEMBER, RECASE, HUGE_STRING, HUGE_NUMBER, DEEP, METACHARACTERS }

    /** One change to a Properties tree; {@code at} picks the member or element (modulo how many there are). */
    record Mutation(Kind kind, int at, JsonNode value, String key, int size) {
        void apply(ObjectNode root) {
            List<Slot> slots = new ArrayList<>();
            slots(root, slots);
            if (kind == Kind.UNKNOWN_MEMBER || slots.isEmpty()) {
                List<ObjectNode> objects = new ArrayList<>(List.of(root));
                slots.stream().map(Slot::get).filter(JsonNode::isObject).forEach(n -> objects.add((ObjectNode) n));
                objects.get(at % objects.size()).set(key, value);
                return;
            }
            Slot slot = slots.get(at % slots.size());
            switch (kind) {
                case DROP -> slot.remove();
                case RETYPE -> slot.set(value);
                case RECASE -> slot.recase(size);
                case HUGE_STRING -> slot.set(NODES.textNode((key + "<&>\u0000").repeat(size / (key.length() + 4) + 1)));
                case HUGE_NUMBER -> slot.set(NUMBERS.get(size % NUMBERS.size()));
                case DEEP -> slot.set(nest(value, size % 200 + 20, at % 2 == 0));
                case METACHARACTERS -> slot.set(NODES.textNode(METACHARACTERS.get(size % METACHARACTERS.size())));
                default -> throw new IllegalStateException(kind.name());
            }
        }
    }

    /** A member of an object ({@code name}) or an element of an array ({@code index}). */
    private record Slot(JsonNode parent, String name, int index) {
        JsonNode get() {
            return parent instanceof ObjectNode o ? o.get(name) : parent.get(index);
        }

        void remove() {
            if (parent instanceof ObjectNode o) {
                o.remove(name);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        void set(JsonNode value) {
            if (parent instanceof ObjectNode o) {
                o.set(name, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }

        void recase(int style) {
            if (parent instanceof ObjectNode o) {
                String other = switch (style % 3) {
                    case 0 -> name.toLowerCase(Locale.ROOT);
                    case 1 -> name.toUpperCase(Locale.ROOT);
                    default -> name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
                };
                o.set(other, o.remove(name));
            }
        }
    }

    private LibvirtFuzzProperties() {
    }

    private static void slots(JsonNode node, List<Slot> out) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                out.add(new Slot(o, n, -1));
                slots(o.get(n), out);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Slot(a, null, i));
                slots(a.get(i), out);
            }
        }
    }

    private static JsonNode nest(JsonNode inner, int depth, boolean arrays) {
        JsonNode node = inner;
        for (int i = 0; i < depth; i++) {
            node = arrays ? NODES.arrayNode().add(node) : NODES.objectNode().set("Disks", node);
        }
        return node;
    }

    /** How many containers deep the value is (a scalar: 0). */
    static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return node.isContainerNode() ? deepest + 1 : 0;
    }

    static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Arbitrary<String> keys() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(NAMES)),
                Tuple.of(2, Arbitraries.of(NAMES).map(n -> n.toLowerCase(Locale.ROOT))),
                Tuple.of(1, Arbitraries.of(METACHARACTERS)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
    }

    static Arbitrary<JsonNode> scalars() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(NODES.nullNode())),
                Tuple.of(1, Arbitraries.of(true, false).map(NODES::booleanNode)),
                Tuple.of(2, Arbitraries.of(NUMBERS)),
                Tuple.of(1, Arbitraries.integers().between(-5, 70000).map(NODES::numberNode)),
                Tuple.of(4, Arbitraries.of(TEXTS).map(NODES::textNode)),
                Tuple.of(1, Arbitraries.of(METACHARACTERS).map(NODES::textNode)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40).map(NODES::textNode)));
    }

    /** JSON values of any shape, up to {@code depth} containers deep. */
    static Arbitrary<JsonNode> trees(int depth) {
        if (depth == 0) {
            return scalars();
        }
        Arbitrary<JsonNode> inner = Arbitraries.lazy(() -> trees(depth - 1));
        Arbitrary<JsonNode> array = inner.list().ofMaxSize(4).map(items -> {
            ArrayNode a = NODES.arrayNode();
            items.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> object = Combinators.combine(keys(), inner).as(Map::entry).list().ofMaxSize(6)
                .map(members -> {
                    ObjectNode o = NODES.objectNode();
                    members.forEach(m -> o.set(m.getKey(), m.getValue()));
                    return o;
                });
        return Arbitraries.frequencyOf(Tuple.of(3, scalars()), Tuple.of(2, array), Tuple.of(4, object));
    }

    static Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 10_000),
                trees(2), keys(), Arbitraries.integers().between(1, 100_000)).as(Mutation::new);
    }
}
