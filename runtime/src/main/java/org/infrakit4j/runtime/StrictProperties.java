package org.infrakit4j.runtime;

import static org.infrakit4j.runtime.JsonPaths.at;
import static org.infrakit4j.runtime.JsonPaths.expected;
import static org.infrakit4j.runtime.JsonPaths.join;
import static org.infrakit4j.runtime.JsonPaths.kind;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;

/**
 * Strict decoding of a provider's Properties into its record: member names match case-insensitively (as Go's
 * decoder does, so InfraKit configs written for the reference plugins keep working), but unknown members, wrong
 * JSON types, duplicates and trailing data are errors naming the field path ({@code Disks[1].Size}), where Go
 * would silently drop or coerce them. Records check their own values by throwing {@link Problem}.
 */
public final class StrictProperties {
    private static final ObjectMapper MAPPER = mapper();

    /** A value a properties record refuses, at a field path relative to that record. */
    public static final class Problem extends IllegalArgumentException {
        private final String field;

        public Problem(String field, String message) {
            super(message);
            this.field = Objects.requireNonNull(field, "field");
        }

        public String field() {
            return field;
        }
    }

    private StrictProperties() {
    }

    private static ObjectMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        for (LogicalType type : LogicalType.values()) {
            for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                    CoercionInputShape.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString)) {
                if (!natural(type, shape)) {
                    mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
        return mapper;
    }

    /** The JSON shapes a Java type accepts without coercion. */
    private static boolean natural(LogicalType type, CoercionInputShape shape) {
        return switch (type) {
            case Textual -> shape == CoercionInputShape.String || shape == CoercionInputShape.EmptyString;
            case Integer -> shape == CoercionInputShape.Integer;
            case Float -> shape == CoercionInputShape.Float || shape == CoercionInputShape.Integer;
            case Boolean -> shape == CoercionInputShape.Boolean;
            case Enum, DateTime, OtherScalar -> shape == CoercionInputShape.String;
            default -> false;
        };
    }

    /**
     * Decodes Properties into {@code type}; every failure is an INVALID_PROPERTIES error naming the field path.
     *
     * @param whenNull what Properties null means: a default value, or null to refuse it with {@code required}
     */
    public static <T> T decode(RawJson properties, Class<T> type, T whenNull, String required) {
        if (properties.isNull()) {
            if (whenNull != null) {
                return whenNull;
            }
            throw InstanceException.invalid("", "is required: " + required);
        }
        JsonNode tree;
        try (com.fasterxml.jackson.core.JsonParser p = MAPPER.createParser(properties.json())) {
            tree = MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(p);
            if (p.nextToken() != null) {
                throw InstanceException.invalid("", "has data after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw InstanceException.invalid("", "is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw InstanceException.invalid("", "cannot be read: " + e.getMessage());
        }
        if (tree == null) {
            throw InstanceException.invalid("", "is empty");
        }
        if (!tree.isObject()) {
            throw InstanceException.invalid("", "must be an object, got " + kind(tree));
        }
        checkNames(tree, type, "");
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (ValueInstantiationException e) {
            String at = path(type, e.getPath());
            if (e.getCause() instanceof Problem p) {
                throw InstanceException.invalid(join(at, p.field()), p.getMessage());
            }
            throw InstanceException.invalid(at, String.valueOf(e.getCause() == null ? e.getOriginalMessage()
                    : e.getCause().getMessage()));
        } catch (InvalidFormatException e) {
            String at = path(type, e.getPath());
            if (e.getTargetType() != null && e.getTargetType().isEnum()) {
                throw InstanceException.invalid(at, "must be one of " + JsonPaths.enumNames(e.getTargetType()) + ", got "
                        + GoQuote.quote(String.valueOf(e.getValue())));
            }
            throw InstanceException.invalid(at, "must be " + expected(e.getTargetType()) + ", got "
                    + kind(at(tree, e.getPath())));
        } catch (JsonMappingException e) {
            String at = path(type, e.getPath());
            JsonNode value = at(tree, e.getPath());
            throw InstanceException.invalid(at, value == null || value.isMissingNode()
                    ? e.getOriginalMessage() : "must be " + expected(targetOf(e)) + ", got " + kind(value));
        } catch (JsonProcessingException e) {
            throw InstanceException.invalid("", "is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A list member of a properties record: absent is empty, a null element is a {@link Problem}. */
    public static <T> List<T> listOf(String field, List<T> value) {
        if (value == null) {
            return List.of();
        }
        for (int i = 0; i < value.size(); i++) {
            if (value.get(i) == null) {
                throw new Problem(field + "[" + i + "]", "must not be null");
            }
        }
        return List.copyOf(value);
    }

    /** Unknown members are refused before any value is checked, so a typo is reported as a typo. */
    private static void checkNames(JsonNode node, Type type, String path) {
        Class<?> raw = rawClass(type);
        if (raw == null) {
            return;
        }
        if (node.isArray() && List.class.isAssignableFrom(raw)) {
            for (int i = 0; i < node.size(); i++) {
                checkNames(node.get(i), typeArgument(type, 0), path + "[" + i + "]");
            }
            return;
        }
        if (node.isObject() && Map.class.isAssignableFrom(raw)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                checkNames(e.getValue(), typeArgument(type, 1), path + "[" + GoQuote.quote(e.getKey())
                        + "]");
            }
            return;
        }
        if (!raw.isRecord() || !node.isObject()) {
            return;
        }
        Map<String, String> given = new java.util.HashMap<>(); // by the component's JSON name (components are copies)
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            RecordComponent c = component(raw, member.getKey());
            String earlier = c == null ? null : given.putIfAbsent(jsonName(c), member.getKey());
            if (earlier != null) {
                throw InstanceException.invalid(join(path, jsonName(c)), "is given twice, as "
                        + GoQuote.quote(earlier) + " and " + GoQuote.quote(member.getKey())
                        + " (names match case-insensitively)");
            }
            if (c == null) {
                TreeSet<String> known = new TreeSet<>();
                for (RecordComponent k : raw.getRecordComponents()) {
                    known.add(jsonName(k));
                }
                throw InstanceException.invalid(join(path, member.getKey()), "unknown field (known: "
                        + String.join(", ", known) + ")");
            }
            checkNames(member.getValue(), c.getGenericType(), join(path, jsonName(c)));
        }
    }

    private static RecordComponent component(Class<?> record, String name) {
        for (RecordComponent c : record.getRecordComponents()) {
            if (jsonName(c).equalsIgnoreCase(name)) {
                return c;
            }
        }
        return null;
    }

    /** A component's member name: its @JsonProperty name, else the component name. */
    static String jsonName(RecordComponent c) {
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        if (p == null) {
            p = c.getAnnotation(JsonProperty.class);
        }
        return p != null && !p.value().isEmpty() ? p.value() : c.getName();
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return null;
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length > index) {
            return p.getActualTypeArguments()[index];
        }
        return Object.class;
    }

    /** The field path of a Jackson error, in the record's own spelling of each name. */
    private static String path(Class<?> root, List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder();
        Type current = root;
        for (JsonMappingException.Reference r : refs) {
            Class<?> raw = rawClass(current);
            if (r.getFieldName() != null) {
                String name = r.getFieldName();
                if (raw != null && Map.class.isAssignableFrom(raw)) {
                    b.append('[').append(GoQuote.quote(name)).append(']');
                    current = typeArgument(current, 1);
                    continue;
                }
                RecordComponent c = raw != null && raw.isRecord() ? component(raw, name) : null;
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(c != null ? jsonName(c) : name);
                current = c != null ? c.getGenericType() : Object.class;
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
                current = typeArgument(current, 0);
            }
        }
        return b.toString();
    }

    private static Class<?> targetOf(JsonMappingException e) {
        return e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m ? m.getTargetType() : null;
    }
}
