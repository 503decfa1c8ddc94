package org.infrakit4j.aws;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schema (2020-12) of {@link Ec2Properties}, derived from its records so it cannot drift from what
 * Validate accepts; value checks (id prefixes, enumerations, ranges) stay in the records.
 */
final class Ec2PropertiesSchema {
    /** Required members of the nested records (the top level's are {@link Ec2Properties#REQUIRED}). */
    private static final Map<Class<?>, Set<String>> REQUIRED = Map.of(
            Ec2Properties.class, Ec2Properties.REQUIRED,
            Ec2Properties.DeviceMapping.class, Set.of("DeviceName"),
            Ec2Properties.Monitoring.class, Set.of("Enabled"),
            Ec2Properties.InstanceMarketOptions.class, Set.of("MarketType"),
            Ec2Properties.CreditSpecification.class, Set.of("CpuCredits"),
            Ec2Properties.VolumeTags.class, Set.of("ResourceType"),
            Ec2Properties.Tag.class, Set.of("Key"));
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Ec2PropertiesSchema() {
    }

    static String json() {
        ObjectNode schema = object(Ec2Properties.class);
        ObjectNode root = NODES.objectNode().put("$schema", "https://json-schema.org/draft/2020-12/schema")
                .put("title", "infrakit4j instance-aws Properties");
        root.setAll(schema);
        return root.toPrettyString();
    }

    private static ObjectNode object(Class<?> record) {
        ObjectNode node = NODES.objectNode().put("type", "object").put("additionalProperties", false);
        ObjectNode properties = node.putObject("properties");
        var required = node.putArray("required");
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
        if (c == Integer.class) {
            return NODES.objectNode().put("type", "integer");
        }
        if (c == Boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (c.isRecord()) {
            return object(c);
        }
        throw new IllegalStateException("no JSON Schema for " + type);
    }
}
