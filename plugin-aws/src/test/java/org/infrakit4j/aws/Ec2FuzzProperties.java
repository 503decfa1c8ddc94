package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
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
final class Ec2FuzzProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Valid Properties: every member the plugin knows, the documented example, the least there can be. */
    static final List<String> VALID = List.of(
            "{\"ImageId\":\"ami-0abcdef1234567890\",\"InstanceType\":\"t3.micro\",\"KeyName\":\"ops\","
                    + "\"SubnetId\":\"subnet-0abc1234\",\"SecurityGroupIds\":[\"sg-0abc1234\",\"sg-1\"],"
                    + "\"IamInstanceProfile\":{\"Name\":\"web\"},"
                    + "\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\","
                    + "\"Ebs\":{\"DeleteOnTermination\":true,\"VolumeSize\":8,\"VolumeType\":\"gp3\",\"Iops\":3000,"
                    + "\"Throughput\":125,\"Encrypted\":true}}],\"EbsOptimized\":true,"
                    + "\"Monitoring\":{\"Enabled\":true},"
                    + "\"Placement\":{\"AvailabilityZone\":\"us-east-1a\",\"Tenancy\":\"default\"},"
                    + "\"PrivateIpAddress\":\"172.31.0.9\",\"MetadataOptions\":{\"HttpTokens\":\"required\","
                    + "\"HttpPutResponseHopLimit\":2,\"HttpEndpoint\":\"enabled\"},\"InstanceMarketOptions\":"
                    + "{\"MarketType\":\"spot\",\"SpotOptions\":{\"MaxPrice\":\"0.05\",\"SpotInstanceType\":"
                    + "\"one-time\"}},\"CreditSpecification\":{\"CpuCredits\":\"unlimited\"},\"TagSpecifications\":"
                    + "[{\"ResourceType\":\"volume\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}],"
                    + "\"Tags\":{\"project\":\"demo\"},\"Attachment\":{\"DeviceNames\":[\"/dev/sdf\",\"/dev/sdg\"]}}",
            Ec2InstancePlugin.EXAMPLE.json(),
            "{\"ImageId\":\"ami-12c6146b\",\"InstanceType\":\"t2.micro\"}");

    private static final List<String> NAMES = List.of("ImageId", "InstanceType", "KeyName", "SubnetId",
            "SecurityGroupIds", "IamInstanceProfile", "Arn", "Name", "BlockDeviceMappings", "DeviceName", "VirtualName",
            "NoDevice", "Ebs", "DeleteOnTermination", "Iops", "SnapshotId", "VolumeSize", "VolumeType", "KmsKeyId",
            "Throughput", "Encrypted", "EbsOptimized", "Monitoring", "Enabled", "Placement", "AvailabilityZone",
            "GroupName", "Tenancy", "HostId", "PartitionNumber", "PrivateIpAddress", "MetadataOptions", "HttpTokens",
            "HttpPutResponseHopLimit", "HttpEndpoint", "HttpProtocolIpv6", "InstanceMetadataTags",
            "InstanceMarketOptions", "MarketType", "SpotOptions", "MaxPrice", "SpotInstanceType",
            "InstanceInterruptionBehavior", "ValidUntil", "CreditSpecification", "CpuCredits", "TagSpecifications",
            "ResourceType", "Tags", "Key", "Value", "Attachment", "DeviceNames", "UserData", "MinCount", "DryRun");

    private static final List<String> TEXTS = List.of("ami-12c6146b", "t3.micro", "subnet-1", "sg-1", "/dev/sdf",
            "/dev/xvdb", "us-east-1a", "spot", "one-time", "persistent", "gp3", "io2", "required", "enabled", "volume",
            "instance", "10.0.0.7", "2030-01-01T00:00:00Z", "0.05", "", " ", "ami-", "t3.MICRO", "yes");

    private static final List<String> METACHARACTERS = List.of("<x>&amp;</x>", "<![CDATA[]]>", "<?xml?>",
            "\"'`", "$(reboot)", "`id`", "; rm -rf /", "a|b&&c", "${jndi:ldap://x}", "%s%n%x", "..\\..\\etc",
            "\u0000", "ami-\u0000", "line\nbreak\r\t", "\u2028\u2029", "\uFEFF", "\uD83D\uDE00", "\u202Eevil",
            "\\u0000", "Action=TerminateInstances&InstanceId.1=i-1");

    private static final List<JsonNode> NUMBERS = List.of(NODES.numberNode(0), NODES.numberNode(-1),
            NODES.numberNode(1.5), NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(Long.MIN_VALUE),
            NODES.numberNode(new BigInteger("123456789012345678901234567890123456789")),
            NODES.numberNode(new BigDecimal("1e400")), NODES.numberNode(new BigDecimal("-1e-400")),
            NODES.numberNode(Double.MAX_VALUE), NODES.numberNode(-0.0), NODES.numberNode(2147483648L),
            NODES.numberNode(Integer.MIN_VALUE));

    /** What a mutation does at the member it lands on. */
    enum Kind {
        DROP, RETYPE, UNKNOWN_MEMBER, RECASE, DUPLICATE_IN_OTHER_CASE, HUGE_STRING, HUGE_NUMBER, DEEP, METACHARACTERS
    }

    /**
     * One change to a Properties tree; {@code at} picks the member (modulo how many there are). DEEP nests at most 69
     * levels, so three of them stay within the wire's nesting limit of 256 (GoJson).
     */
    record Mutation(Kind kind, int at, JsonNode value, String key, int size) {
        void apply(ObjectNode root) {
            List<Slot> slots = new ArrayList<>();
            slots(root, slots);
            List<ObjectNode> objects = new ArrayList<>();
            objects.add(root);
            slots.stream().map(s -> s.parent().get(s.name())).forEach(n -> {
                if (n != null && n.isObject()) {
                    objects.add((ObjectNode) n);
                }
            });
            if (kind == Kind.UNKNOWN_MEMBER) {
                objects.get(at % objects.size()).set(key, value);
                return;
            }
            if (slots.isEmpty()) {
                return;
            }
            Slot slot = slots.get(at % slots.size());
            switch (kind) {
                case DROP -> slot.remove();
                case RETYPE -> slot.set(value);
                case RECASE, DUPLICATE_IN_OTHER_CASE -> slot.recase(key, kind == Kind.DUPLICATE_IN_OTHER_CASE);
                case HUGE_STRING -> slot.set(NODES.textNode((key + "<&>\u0000").repeat(size / (key.length() + 4) + 1)));
                case HUGE_NUMBER -> slot.set(NUMBERS.get(size % NUMBERS.size()));
                case DEEP -> slot.set(nest(value, size, at % 2 == 0));
                case METACHARACTERS -> slot.set(NODES.textNode(METACHARACTERS.get(size % METACHARACTERS.size())));
                default -> throw new IllegalStateException(kind.name());
            }
        }
    }

    /** A member of an object or an element of an array. */
    private record Slot(ContainerNode<?> parent, String name, int index) {
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

        void recase(String style, boolean keepTheOriginal) {
            if (parent instanceof ObjectNode o) {
                String other = switch (style.length() % 3) {
                    case 0 -> name.toLowerCase(Locale.ROOT);
                    case 1 -> name.toUpperCase(Locale.ROOT);
                    default -> name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
                };
                JsonNode value = keepTheOriginal ? o.get(name) : o.remove(name);
                o.set(other, value);
            }
        }
    }

    private Ec2FuzzProperties() {
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
            node = arrays ? NODES.arrayNode().add(node) : NODES.objectNode().set("ImageId", node);
        }
        return node;
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
                trees(2), keys(), Arbitraries.integers().between(1, 100_000))
                .as((kind, at, value, key, size) -> new Mutation(kind, at, value, key,
                        kind == Kind.DEEP ? size % 50 + 20 : size));
    }
}
