package org.infrakit4j.testkit;

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
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Inputs for fuzzing a provider's Validate: JSON trees of any shape built from the provider's own member names and
 * values, and mutations of valid Properties (a member dropped, retyped, renamed in another case or duplicated in one,
 * an unknown member, huge strings and numbers, deep nesting, XML and shell metacharacters, NUL). A provider supplies
 * its vocabulary; the shapes are the same for all.
 */
public final class PropertiesFuzz {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Strings that mean something to a shell, an XML parser, a formatter, a terminal or a path. */
    private static final List<String> METACHARACTERS = List.of("<x>&amp;</x>", "<![CDATA[]]>", "<?xml?>", "\"'`",
            "$(reboot)", "`id`", "; rm -rf /", "a|b&&c", "${jndi:ldap://x}", "%s%n%x", "..\\..\\etc",
            "../../etc/passwd", "\u0000", "line\nbreak\r\t", "\u2028\u2029", "\uFEFF", "\uD83D\uDE00", "\u202Eevil",
            "\\u0000");

    private static final List<JsonNode> NUMBERS = List.of(NODES.numberNode(0), NODES.numberNode(-1),
            NODES.numberNode(1.5), NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(Long.MIN_VALUE),
            NODES.numberNode(new BigInteger("123456789012345678901234567890123456789")),
            NODES.numberNode(new BigDecimal("1e400")), NODES.numberNode(new BigDecimal("-1e-400")),
            NODES.numberNode(Double.MAX_VALUE), NODES.numberNode(-0.0), NODES.numberNode(2147483648L),
            NODES.numberNode(Integer.MIN_VALUE), NODES.numberNode(1e-9));

    /** The most containers one DEEP mutation nests: three of them stay within the wire's nesting limit of 256. */
    public static final int MAX_NESTING = 69;

    private final List<String> valid;
    private final List<String> names;
    private final List<String> texts;
    private final List<String> metacharacters;
    private final List<JsonNode> numbers;
    private final String nestingKey;

    /**
     * @param valid Properties the provider accepts: every member it knows, its example, the least there can be
     * @param names the member names of its Properties, at every level
     * @param texts values its members take, and near misses
     * @param moreMetacharacters strings that mean something to its backend, added to the common ones
     * @param moreNumbers numbers near its limits, added to the common ones
     * @param nestingKey the member name that DEEP mutations nest objects under
     */
    public PropertiesFuzz(List<String> valid, List<String> names, List<String> texts, List<String> moreMetacharacters,
            List<? extends Number> moreNumbers, String nestingKey) {
        this.valid = List.copyOf(valid);
        this.names = List.copyOf(names);
        this.texts = List.copyOf(texts);
        this.metacharacters = Stream.concat(METACHARACTERS.stream(), moreMetacharacters.stream()).toList();
        this.numbers = Stream.concat(NUMBERS.stream(), moreNumbers.stream().map(PropertiesFuzz::number)).toList();
        this.nestingKey = nestingKey;
    }

    private static JsonNode number(Number n) {
        return n instanceof Double d ? NODES.numberNode(d) : NODES.numberNode(n.longValue());
    }

    public List<String> valid() {
        return valid;
    }

    /** What a mutation does at the member it lands on. */
    public enum Kind {
        DROP, RETYPE, UNKNOWN_MEMBER, RECASE, DUPLICATE_IN_OTHER_CASE, HUGE_STRING, HUGE_NUMBER, DEEP, METACHARACTERS
    }

    /**
     * One change to a Properties tree; {@code at} picks the member (modulo how many there are), {@code size} the
     * length, the number, the metacharacter or the depth.
     */
    public final class Mutation {
        private final Kind kind;
        private final int at;
        private final JsonNode value;
        private final String key;
        private final int size;

        Mutation(Kind kind, int at, JsonNode value, String key, int size) {
            this.kind = kind;
            this.at = at;
            this.value = value;
            this.key = key;
            this.size = size;
        }

        public Kind kind() {
            return kind;
        }

        public void apply(ObjectNode root) {
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
                case HUGE_NUMBER -> slot.set(numbers.get(size % numbers.size()));
                case DEEP -> slot.set(nest(value, size % (MAX_NESTING - 19) + 20, at % 2 == 0));
                case METACHARACTERS -> slot.set(NODES.textNode(metacharacters.get(size % metacharacters.size())));
                default -> throw new IllegalStateException(kind.name());
            }
        }

        @Override
        public String toString() {
            return kind + "@" + at + " size " + size + " key " + key + " value " + value;
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

    private static void slots(JsonNode node, List<Slot> out) {
        if (node instanceof ObjectNode o) {
            List<String> members = new ArrayList<>();
            o.fieldNames().forEachRemaining(members::add);
            for (String n : members) {
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

    private JsonNode nest(JsonNode inner, int depth, boolean arrays) {
        JsonNode node = inner;
        for (int i = 0; i < depth; i++) {
            node = arrays ? NODES.arrayNode().add(node) : NODES.objectNode().set(nestingKey, node);
        }
        return node;
    }

    /** The JSON object in {@code json}, to mutate. */
    public static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not a JSON object: " + json, e);
        }
    }

    /** How many containers deep the value is (a scalar: 0). */
    public static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return node.isContainerNode() ? deepest + 1 : 0;
    }

    /** Member names: mostly the provider's, some in lower case, some metacharacters, some random. */
    public Arbitrary<String> keys() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(names)),
                Tuple.of(2, Arbitraries.of(names).map(n -> n.toLowerCase(Locale.ROOT))),
                Tuple.of(1, Arbitraries.of(metacharacters)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
    }

    /** Strings a member could hold: the provider's values, metacharacters, random text. */
    public Arbitrary<String> strings() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(texts)), Tuple.of(1, Arbitraries.of(metacharacters)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(20)));
    }

    public Arbitrary<JsonNode> scalars() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(NODES.nullNode())),
                Tuple.of(1, Arbitraries.of(true, false).map(NODES::booleanNode)),
                Tuple.of(2, Arbitraries.of(numbers)),
                Tuple.of(1, Arbitraries.integers().between(-5, 70000).map(NODES::numberNode)),
                Tuple.of(4, Arbitraries.of(texts).map(NODES::textNode)),
                Tuple.of(1, Arbitraries.of(metacharacters).map(NODES::textNode)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40).map(NODES::textNode)));
    }

    /** JSON values of any shape, up to {@code depth} containers deep. */
    public Arbitrary<JsonNode> trees(int depth) {
        if (depth == 0) {
            return scalars();
        }
        Arbitrary<JsonNode> inner = Arbitraries.lazy(() -> trees(depth - 1));
        Arbitrary<JsonNode> array = inner.list().ofMaxSize(4).map(items -> {
            ArrayNode a = NODES.arrayNode();
            items.forEach(a::add);
            return a;
        });
        return Arbitraries.frequencyOf(Tuple.of(3, scalars()), Tuple.of(2, array), Tuple.of(4, objects(inner, 6).map(o -> (JsonNode) o)));
    }

    /** Objects with up to {@code most} members named by {@link #keys()}, their values from {@code values}. */
    public Arbitrary<ObjectNode> objects(Arbitrary<JsonNode> values, int most) {
        return Combinators.combine(keys(), values).as(Map::entry).list().ofMaxSize(most).map(members -> {
            ObjectNode o = NODES.objectNode();
            members.forEach(m -> o.set(m.getKey(), m.getValue()));
            return o;
        });
    }

    public Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 10_000),
                trees(2), keys(), Arbitraries.integers().between(1, 100_000)).as(Mutation::new);
    }

    /** Valid Properties with one to three mutations applied. */
    public Arbitrary<String> mutated() {
        return Combinators.combine(Arbitraries.of(valid), mutations().list().ofMinSize(1).ofMaxSize(3))
                .as((json, changes) -> {
                    ObjectNode properties = parse(json);
                    changes.forEach(m -> m.apply(properties));
                    return properties.toString();
                });
    }
}
