package org.infrakit4j.group;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.infrakit4j.spi.RawJson;

/**
 * Reads JSON as Go's encoding/json fills a struct: keys matched exactly first, then case-insensitively; null and
 * absent are the zero value; a value of the wrong type is an error naming the field path.
 */
final class GoFields {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private GoFields() {
    }

    /** A JSON value could not be read into the Go struct it stands for. */
    static final class BadJson extends Exception {
        BadJson(String message) {
            super(message, null, false, false);
        }
    }

    static JsonNode parse(String json) throws BadJson {
        try {
            JsonNode n = JSON.readTree(json);
            return n == null ? NullNode.getInstance() : n;
        } catch (JsonProcessingException e) {
            throw new BadJson(e.getOriginalMessage());
        }
    }

    /** JSON-RPC params: an object, a one-element array holding it, or null for the zero request. */
    static JsonNode params(RawJson params) throws BadJson {
        JsonNode n = parse(params.json());
        if (n.isArray()) {
            if (n.size() != 1) {
                throw new BadJson("params: expected an object or a one-element array");
            }
            n = n.get(0);
        }
        if (!n.isNull() && !n.isObject()) {
            throw new BadJson("params: expected an object");
        }
        return n;
    }

    /** The member {@code name} of an object (null node when absent). */
    static JsonNode field(JsonNode object, String name) {
        if (object == null || !object.isObject()) {
            return NullNode.getInstance();
        }
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return NullNode.getInstance();
    }

    static JsonNode object(JsonNode object, String name, String path) throws BadJson {
        JsonNode v = field(object, name);
        if (!v.isNull() && !v.isObject()) {
            throw new BadJson(path + name + ": expected an object, got " + v.getNodeType().name().toLowerCase());
        }
        return v;
    }

    static String string(JsonNode object, String name, String path) throws BadJson {
        JsonNode v = field(object, name);
        if (v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new BadJson(path + name + ": expected a string, got " + v.getNodeType().name().toLowerCase());
        }
        return v.textValue();
    }

    static boolean bool(JsonNode object, String name, String path) throws BadJson {
        JsonNode v = field(object, name);
        if (v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new BadJson(path + name + ": expected a boolean, got " + v.getNodeType().name().toLowerCase());
        }
        return v.booleanValue();
    }

    /** A Go int or uint: a JSON number without fraction in range; {@code min} 0 for unsigned. */
    static long integer(JsonNode object, String name, String path, long min) throws BadJson {
        JsonNode v = field(object, name);
        if (v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min) {
            throw new BadJson(path + name + ": expected " + (min == 0 ? "a non-negative" : "an") + " integer, got "
                    + v);
        }
        return v.longValue();
    }

    static List<String> strings(JsonNode object, String name, String path) throws BadJson {
        JsonNode v = field(object, name);
        List<String> out = new ArrayList<>();
        if (v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw new BadJson(path + name + ": expected an array of strings");
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new BadJson(path + name + ": expected an array of strings");
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** A member kept as opaque JSON (Go's *types.Any): null when absent. */
    static RawJson raw(JsonNode object, String name) {
        return raw(field(object, name));
    }

    static RawJson raw(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return RawJson.NULL;
        }
        return new RawJson(value.toString());
    }
}
