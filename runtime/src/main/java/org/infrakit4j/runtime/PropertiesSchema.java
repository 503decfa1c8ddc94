package org.infrakit4j.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The JSON Schema (2020-12) of a provider's Properties, derived from its record: the members are the components'
 * {@code @JsonProperty} names, their types the components' types, and the rest (required, description, pattern,
 * allowed values, bounds, defaults) comes from {@link Schema} on the components. So the schema lists exactly what
 * {@link StrictProperties} accepts and cannot drift from the record; the record's constructor still checks values.
 *
 * <p>Types: String, Integer/Long (integer), Double/Float/BigDecimal (number), Boolean, enums (their JSON names),
 * {@code List<T>}, {@code Map<String, T>} and nested records; anything else is a programming error, reported when
 * the schema is generated (so by the provider's tests).
 */
public final class PropertiesSchema {
    public static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * The {@code --properties-schema} flag every plugin takes: declare it with the main's other flags,
     * {@code final PropertiesSchema.Flag schema = new PropertiesSchema.Flag(flags, MyProperties.class);}.
     * {@link PluginLauncher#execute} prints the schema and exits 0 before the command runs, so printing needs no
     * backend, no socket and no other flag.
     */
    public static final class Flag {
        private final Class<? extends Record> root;

        public Flag(Flags flags, Class<? extends Record> root) {
            this.root = Objects.requireNonNull(root, "root");
            flags.printing("--properties-schema", "Print the JSON Schema (2020-12) of the Properties and exit.",
                    this::json);
        }

        String json() {
            return PropertiesSchema.json(root);
        }
    }

    private PropertiesSchema() {
    }

    /** The schema of {@code root}, pretty-printed. */
    public static String json(Class<? extends Record> root) {
        return of(root).toPrettyString();
    }

    /** The schema of {@code root}. */
    public static ObjectNode of(Class<? extends Record> root) {
        ObjectNode schema = NODES.objectNode().put("$schema", DIALECT);
        Schema facts = root.getAnnotation(Schema.class);
        if (facts != null && !facts.title().isEmpty()) {
            schema.put("title", facts.title());
        }
        if (facts != null && !facts.description().isEmpty()) {
            schema.put("description", facts.description());
        }
        schema.setAll(object(root, new ArrayDeque<>()));
        return schema;
    }

    private static ObjectNode object(Class<?> record, Deque<Class<?>> outer) {
        if (outer.contains(record)) {
            throw new IllegalStateException("no JSON Schema for the recursive record " + record.getName());
        }
        outer.push(record);
        ObjectNode node = NODES.objectNode().put("type", "object");
        Schema own = record.getAnnotation(Schema.class);
        if (own != null && !own.description().isEmpty() && outer.size() > 1) { // the root's is on the schema
            node.put("description", own.description());
        }
        node.put("additionalProperties", false);
        ObjectNode properties = node.putObject("properties");
        ArrayNode required = NODES.arrayNode();
        for (RecordComponent c : record.getRecordComponents()) {
            String name = StrictProperties.jsonName(c);
            String where = record.getSimpleName() + "." + name;
            ObjectNode member = type(c.getGenericType(), where, outer);
            Schema facts = c.getAnnotation(Schema.class);
            if (facts != null) {
                apply(facts, member, where);
                if (facts.required()) {
                    required.add(name);
                }
            }
            properties.set(name, member);
        }
        if (!required.isEmpty()) {
            node.set("required", required);
        }
        outer.pop();
        return node;
    }

    private static ObjectNode type(Type type, String where, Deque<Class<?>> outer) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return NODES.objectNode().put("type", "array")
                    .set("items", type(p.getActualTypeArguments()[0], where + "[]", outer));
        }
        if (type instanceof ParameterizedType p && p.getRawType() == Map.class
                && p.getActualTypeArguments()[0] == String.class) {
            return NODES.objectNode().put("type", "object")
                    .set("additionalProperties", type(p.getActualTypeArguments()[1], where + "[]", outer));
        }
        if (!(type instanceof Class<?> c)) {
            throw new IllegalStateException("no JSON Schema for " + where + " of type " + type);
        }
        if (c == String.class) {
            return NODES.objectNode().put("type", "string");
        }
        if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
            return NODES.objectNode().put("type", "integer");
        }
        if (c == Double.class || c == double.class || c == Float.class || c == float.class
                || c == BigDecimal.class) {
            return NODES.objectNode().put("type", "number");
        }
        if (c == Boolean.class || c == boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (c.isEnum()) {
            ObjectNode node = NODES.objectNode().put("type", "string");
            ArrayNode values = node.putArray("enum");
            for (Object constant : c.getEnumConstants()) {
                values.add(enumName(c, (Enum<?>) constant));
            }
            return node;
        }
        if (c.isRecord()) {
            return object(c, outer);
        }
        throw new IllegalStateException("no JSON Schema for " + where + " of type " + type.getTypeName());
    }

    private static String enumName(Class<?> type, Enum<?> constant) {
        try {
            JsonProperty p = type.getField(constant.name()).getAnnotation(JsonProperty.class);
            return p != null && !p.value().isEmpty() ? p.value() : constant.toString();
        } catch (NoSuchFieldException e) {
            return constant.toString();
        }
    }

    /** Puts a component's facts on its node; value facts go to the innermost element of a List or Map. */
    private static void apply(Schema facts, ObjectNode member, String where) {
        if (!facts.description().isEmpty()) {
            member.put("description", facts.description());
        }
        ObjectNode value = member;
        while (value.has("items") || value.path("additionalProperties").isObject()) {
            value = (ObjectNode) (value.has("items") ? value.get("items") : value.get("additionalProperties"));
        }
        String type = value.path("type").asText();
        boolean string = type.equals("string");
        boolean number = type.equals("integer") || type.equals("number");
        if (!facts.pattern().isEmpty()) {
            need(string, where, "pattern");
            try {
                Pattern.compile(facts.pattern());
            } catch (PatternSyntaxException e) {
                throw new IllegalStateException(where + ": @Schema pattern does not compile: " + e.getMessage(), e);
            }
            value.put("pattern", facts.pattern());
        }
        if (facts.values().length > 0) {
            need(string && !value.has("enum"), where, "values");
            ArrayNode values = value.putArray("enum");
            for (String v : facts.values()) {
                values.add(v);
            }
        }
        if (facts.minLength() >= 0) {
            need(string, where, "minLength");
            value.put("minLength", facts.minLength());
        }
        if (facts.maxLength() >= 0) {
            need(string, where, "maxLength");
            value.put("maxLength", facts.maxLength());
        }
        bound(value, "minimum", facts.minimum(), number, where);
        bound(value, "exclusiveMinimum", facts.exclusiveMinimum(), number, where);
        bound(value, "maximum", facts.maximum(), number, where);
        if (!facts.defaultValue().isEmpty()) {
            JsonNode def;
            if (member.path("type").asText().equals("string")) {
                def = NODES.textNode(facts.defaultValue());
            } else {
                try {
                    def = MAPPER.readTree(facts.defaultValue());
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(where + ": @Schema defaultValue is not JSON: "
                            + facts.defaultValue(), e);
                }
            }
            List<String> wrong = violations(member, def);
            if (!wrong.isEmpty()) {
                throw new IllegalStateException(where + ": @Schema defaultValue " + def + " breaks its own schema: "
                        + wrong);
            }
            member.set("default", def);
        }
    }

    private static void bound(ObjectNode value, String name, double bound, boolean number, String where) {
        if (Double.isNaN(bound)) {
            return;
        }
        need(number, where, name);
        if (bound == Math.rint(bound) && Math.abs(bound) < 1e15) { // whole: written as 0, not 0.0
            value.put(name, (long) bound);
        } else {
            value.put(name, bound);
        }
    }

    private static void need(boolean applies, String where, String fact) {
        if (!applies) {
            throw new IllegalStateException(where + ": @Schema " + fact + " does not apply to its type");
        }
    }

    /**
     * What in {@code value} breaks {@code schema}, for the keywords this class generates (type, enum, pattern,
     * lengths, bounds, required, properties, additionalProperties, items); empty when it conforms. Member names
     * match exactly, as JSON Schema says (the decoder is kinder: it ignores case). Used to check each declared
     * default, and by providers' tests to check that the Properties they accept conform to their schema.
     */
    public static List<String> violations(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "", out);
        return out;
    }

    private static void check(JsonNode schema, JsonNode value, String at, List<String> out) {
        String where = at.isEmpty() ? "(top)" : at;
        String type = schema.path("type").asText("");
        boolean typed = switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber()
                    || value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0;
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
        if (!typed) {
            out.add(where + ": must be " + type + ", got " + value.getNodeType().name().toLowerCase());
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode allowed : schema.get("enum")) {
                found |= allowed.equals(value);
            }
            if (!found) {
                out.add(where + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (value.isTextual()) {
            String s = value.asText();
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
                out.add(where + ": " + value + " does not match " + schema.get("pattern").asText());
            }
            int length = s.codePointCount(0, s.length());
            if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
                out.add(where + ": shorter than " + schema.get("minLength").asInt());
            }
            if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                out.add(where + ": longer than " + schema.get("maxLength").asInt());
            }
        }
        if (value.isNumber()) {
            BigDecimal n = value.decimalValue();
            if (schema.has("minimum") && n.compareTo(schema.get("minimum").decimalValue()) < 0) {
                out.add(where + ": " + value + " is below the minimum " + schema.get("minimum"));
            }
            if (schema.has("exclusiveMinimum") && n.compareTo(schema.get("exclusiveMinimum").decimalValue()) <= 0) {
                out.add(where + ": " + value + " is not above " + schema.get("exclusiveMinimum"));
            }
            if (schema.has("maximum") && n.compareTo(schema.get("maximum").decimalValue()) > 0) {
                out.add(where + ": " + value + " is above the maximum " + schema.get("maximum"));
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), at + "[" + i + "]", out);
            }
        }
        if (value.isObject()) {
            for (JsonNode name : schema.path("required")) {
                if (!value.has(name.asText())) {
                    out.add(where + ": " + name.asText() + " is required");
                }
            }
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                String path = at.isEmpty() ? member.getKey() : at + "." + member.getKey();
                if (properties.has(member.getKey())) {
                    check(properties.get(member.getKey()), member.getValue(), path, out);
                } else if (additional.isObject()) {
                    check(additional, member.getValue(), at + "[\"" + member.getKey() + "\"]", out);
                } else if (additional.isBoolean() && !additional.asBoolean()) {
                    out.add(path + ": not a member of the schema");
                }
            }
        }
    }
}
