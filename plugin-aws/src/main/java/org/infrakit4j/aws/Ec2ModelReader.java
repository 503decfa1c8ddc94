package org.infrakit4j.aws;

import static org.infrakit4j.runtime.JsonPaths.join;
import static org.infrakit4j.runtime.JsonPaths.kind;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.utils.builder.SdkBuilder;

/**
 * Reads JSON in the EC2 API's member names (as InfraKit's Go plugins took it: the Go SDK's field names) onto the AWS
 * SDK v2's own request model, by walking its {@code sdkFields()}: the model is the SDK's, never a copy. Strict:
 * an unknown member or a wrong JSON type is an error naming the field path; {@code null} means absent (Go's
 * encoder wrote every unset pointer as null). Names match case-insensitively, as Go's decoder did.
 */
final class Ec2ModelReader {
    /** Deeper than any EC2 request shape: a bound on hostile nesting. */
    private static final int MAX_DEPTH = 16;

    private Ec2ModelReader() {
    }

    /**
     * The model object {@code node} describes.
     *
     * @param builder a new builder of the model type, e.g. {@code RunInstancesRequest::builder}
     * @param path the field path of {@code node}, for errors
     */
    static Object read(JsonNode node, Supplier<? extends SdkPojo> builder, String path) {
        return read(node, builder, path, 0);
    }

    private static Object read(JsonNode node, Supplier<? extends SdkPojo> builder, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw InstanceException.invalid(path, "is nested too deeply");
        }
        if (!node.isObject()) {
            throw InstanceException.invalid(path, "must be an object, got " + kind(node));
        }
        SdkPojo pojo = builder.get();
        Map<String, SdkField<?>> byName = new HashMap<>();
        for (SdkField<?> f : pojo.sdkFields()) {
            byName.put(f.memberName().toLowerCase(Locale.ROOT), f);
        }
        Map<SdkField<?>, String> seen = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = join(path, e.getKey());
            SdkField<?> field = byName.get(e.getKey().toLowerCase(Locale.ROOT));
            if (field == null) {
                throw InstanceException.invalid(at, "unknown field; " + typeName(pojo) + " has "
                        + new java.util.TreeSet<>(pojo.sdkFields().stream().map(SdkField::memberName).toList()));
            }
            String before = seen.put(field, e.getKey());
            if (before != null) {
                throw InstanceException.invalid(at, "given twice (also as " + GoQuote.quote(before) + ")");
            }
            if (!e.getValue().isNull()) {
                field.set(pojo, value(field, e.getValue(), join(path, field.memberName()), depth));
            }
        }
        return ((SdkBuilder<?, ?>) pojo).build();
    }

    private static Object value(SdkField<?> field, JsonNode node, String path, int depth) {
        MarshallingType<?> type = field.marshallingType();
        if (type == MarshallingType.SDK_POJO) {
            return read(node, field.constructor(), path, depth + 1);
        }
        if (type == MarshallingType.LIST) {
            if (!node.isArray()) {
                throw InstanceException.invalid(path, "must be a list, got " + kind(node));
            }
            SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
            List<Object> out = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                if (node.get(i).isNull()) {
                    throw InstanceException.invalid(path + "[" + i + "]", "must not be null");
                }
                out.add(value(member, node.get(i), path + "[" + i + "]", depth + 1));
            }
            return out;
        }
        if (type == MarshallingType.MAP) {
            if (!node.isObject()) {
                throw InstanceException.invalid(path, "must be an object, got " + kind(node));
            }
            SdkField<?> member = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
            Map<String, Object> out = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> out.put(e.getKey(),
                    value(member, e.getValue(), join(path, e.getKey()), depth + 1)));
            return out;
        }
        if (type == MarshallingType.STRING) {
            return text(node, path);
        }
        if (type == MarshallingType.BOOLEAN) {
            if (!node.isBoolean()) {
                throw InstanceException.invalid(path, "must be true or false, got " + kind(node));
            }
            return node.booleanValue();
        }
        if (type == MarshallingType.INTEGER) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw InstanceException.invalid(path, "must be an integer, got " + kind(node));
            }
            return node.intValue();
        }
        if (type == MarshallingType.LONG) {
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw InstanceException.invalid(path, "must be an integer, got " + kind(node));
            }
            return node.longValue();
        }
        if (type == MarshallingType.DOUBLE || type == MarshallingType.FLOAT) {
            if (!node.isNumber()) {
                throw InstanceException.invalid(path, "must be a number, got " + kind(node));
            }
            return type == MarshallingType.DOUBLE ? (Object) node.doubleValue() : (Object) node.floatValue();
        }
        if (type == MarshallingType.INSTANT) {
            try {
                return Instant.parse(text(node, path));
            } catch (DateTimeParseException e) {
                throw InstanceException.invalid(path, "must be a time such as \"2030-01-01T00:00:00Z\", got "
                        + GoQuote.quote(node.textValue()));
            }
        }
        throw InstanceException.invalid(path, "is not supported here (" + type + ")");
    }

    private static String text(JsonNode node, String path) {
        if (!node.isTextual()) {
            throw InstanceException.invalid(path, "must be a string, got " + kind(node));
        }
        return node.textValue();
    }

    private static String typeName(SdkPojo builder) {
        String name = builder.getClass().getSimpleName();
        return name.endsWith("BuilderImpl") ? builder.getClass().getEnclosingClass().getSimpleName() : name;
    }
}
