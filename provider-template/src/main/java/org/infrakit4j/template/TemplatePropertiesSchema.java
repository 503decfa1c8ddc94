package org.infrakit4j.template;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schema (2020-12) of {@link TemplateProperties}, derived from the record's components so it lists exactly
 * the fields Validate accepts; value rules (reserved label names) stay in the record. Printed by
 * {@code --properties-schema}.
 */
final class TemplatePropertiesSchema {
    /** Required members, by record: a record component cannot say so itself. */
    private static final Map<Class<?>, Set<String>> REQUIRED = Map.of(TemplateProperties.class, Set.of("Size"));
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TemplatePropertiesSchema() {
    }

    static String json() {
        ObjectNode root = NODES.objectNode().put("$schema", "https://json-schema.org/draft/2020-12/schema")
                .put("title", TemplateMain.DEFAULT_NAME + " Properties");
        root.setAll(object(TemplateProperties.class));
        return root.toPrettyString();
    }

    private static ObjectNode object(Class<?> record) {
        ObjectNode node = NODES.objectNode().put("type", "object").put("additionalProperties", false);
        ObjectNode properties = node.putObject("properties");
        ArrayNode required = node.putArray("required");
        for (RecordComponent c : record.getRecordComponents()) {
            String name = c.getAccessor().getAnnotation(JsonProperty.class).value();
            properties.set(name, of(c.getGenericType()));
            if (REQUIRED.getOrDefault(record, Set.of()).contains(name)) {
                required.add(name);
            }
        }
        if (required.isEmpty()) {
            node.remove("required");
        }
        return node;
    }

    private static ObjectNode of(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return NODES.objectNode().put("type", "array").set("items", of(p.getActualTypeArguments()[0]));
        }
        if (type instanceof ParameterizedType p && p.getRawType() == Map.class) {
            return NODES.objectNode().put("type", "object").set("additionalProperties",
                    of(p.getActualTypeArguments()[1]));
        }
        Class<?> c = (Class<?>) type;
        if (c == String.class) {
            return NODES.objectNode().put("type", "string");
        }
        if (c == Integer.class || c == Long.class) {
            return NODES.objectNode().put("type", "integer");
        }
        if (c == Boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (c.isEnum()) {
            ObjectNode node = NODES.objectNode().put("type", "string");
            ArrayNode values = node.putArray("enum");
            for (Object constant : c.getEnumConstants()) {
                try {
                    values.add(c.getField(((Enum<?>) constant).name()).getAnnotation(JsonProperty.class).value());
                } catch (NoSuchFieldException e) {
                    throw new IllegalStateException(e);
                }
            }
            return node;
        }
        if (c.isRecord()) {
            return object(c);
        }
        throw new IllegalStateException("no JSON Schema for " + type + ": add it here");
    }
}
