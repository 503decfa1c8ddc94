package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.util.SdkAutoConstructList;
import software.amazon.awssdk.core.util.SdkAutoConstructMap;

/** SDK model objects as JSON in the EC2 API's own member names ({@code InstanceId}, {@code State.Name}). */
final class Ec2Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Ec2Json() {
    }

    static ObjectNode toJson(SdkPojo pojo) {
        ObjectNode node = NODES.objectNode();
        for (SdkField<?> field : pojo.sdkFields()) {
            Object value = field.getValueOrDefault(pojo);
            if (value != null && !(value instanceof SdkAutoConstructList<?>)
                    && !(value instanceof SdkAutoConstructMap<?, ?>)) {
                node.set(field.memberName(), value(value));
            }
        }
        return node;
    }

    private static JsonNode value(Object value) {
        if (value instanceof SdkPojo pojo) {
            return toJson(pojo);
        }
        if (value instanceof Collection<?> list) {
            ArrayNode array = NODES.arrayNode();
            list.forEach(v -> array.add(v == null ? NODES.nullNode() : value(v)));
            return array;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            map.forEach((k, v) -> object.set(String.valueOf(k), v == null ? NODES.nullNode() : value(v)));
            return object;
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Float f) {
            return NODES.numberNode(f);
        }
        if (value instanceof Instant t) {
            return NODES.textNode(t.toString());
        }
        if (value instanceof SdkBytes bytes) {
            return NODES.textNode(java.util.Base64.getEncoder().encodeToString(bytes.asByteArray()));
        }
        return NODES.textNode(String.valueOf(value));
    }
}
