package org.infrakit4j.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The words and field paths of Properties errors, shared by every Properties decoder (ours and the reference
 * shapes' readers), so each says {@code Properties.Disks[1].Size: must be an integer, got a string} the same way.
 */
public final class JsonPaths {
    private JsonPaths() {
    }

    /** {@code path.field}, or {@code path[0]} for an index or map key written {@code [..]}. */
    public static String join(String path, String field) {
        if (field.isEmpty()) {
            return path;
        }
        if (path.isEmpty()) {
            return field;
        }
        return field.startsWith("[") ? path + field : path + "." + field;
    }

    /** What a JSON value is, for "got ...": {@code an object}, {@code a string}, {@code null}, ... */
    public static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        return node.isNumber() ? "a number" : "something else";
    }

    /** What a Java type takes in JSON, for "must be ...". */
    public static String expected(Class<?> type) {
        if (type == null) {
            return "of another JSON type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (type.isEnum()) {
            return "one of " + enumNames(type);
        }
        return "an object";
    }

    /** An enum's values as JSON spells them (its @JsonProperty names where given). */
    public static String enumNames(Class<?> type) {
        return Arrays.stream(type.getEnumConstants()).map(c -> {
            try {
                JsonProperty p = type.getField(((Enum<?>) c).name()).getAnnotation(JsonProperty.class);
                return p != null ? p.value() : c.toString();
            } catch (NoSuchFieldException e) {
                return c.toString();
            }
        }).collect(Collectors.joining(", "));
    }

    /**
     * The value a Jackson error's path points at in the tree it was read from, matching member names
     * case-insensitively as the decoders do; null when the path leaves the tree.
     */
    public static JsonNode at(JsonNode tree, List<JsonMappingException.Reference> refs) {
        JsonNode node = tree;
        for (JsonMappingException.Reference r : refs) {
            if (node == null) {
                return null;
            }
            if (r.getFieldName() != null) {
                JsonNode next = null;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getKey().equalsIgnoreCase(r.getFieldName())) {
                        next = e.getValue();
                    }
                }
                node = next;
            } else if (r.getIndex() >= 0) {
                node = node.get(r.getIndex());
            }
        }
        return node;
    }
}
