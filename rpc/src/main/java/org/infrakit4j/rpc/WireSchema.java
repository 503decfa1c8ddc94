package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.infrakit4j.spi.RawJson;

/**
 * The shape of a wire object, decoded as Go's encoding/json does (wire-protocol.md §2.1): member names match
 * case-insensitively, unknown members are ignored, a missing member or {@code null} is the zero value; a member
 * of the wrong JSON type is an error naming the field path.
 */
final class WireSchema {
    /** What a member holds. */
    enum Kind { STRING, BOOL, STRING_MAP, RAW, OBJECT, OBJECT_LIST }

    private record Field(String name, Kind kind, WireSchema nested) {
    }

    private final Map<String, Field> byLowerName = new HashMap<>();

    static WireSchema of() {
        return new WireSchema();
    }

    WireSchema field(String name, Kind kind) {
        return add(new Field(name, kind, null));
    }

    WireSchema object(String name, WireSchema nested) {
        return add(new Field(name, Kind.OBJECT, nested));
    }

    WireSchema objectList(String name, WireSchema nested) {
        return add(new Field(name, Kind.OBJECT_LIST, nested));
    }

    private WireSchema add(Field f) {
        byLowerName.put(f.name.toLowerCase(Locale.ROOT), f);
        return this;
    }

    /** A decoded object: member values by their schema name; absent members are absent. */
    static final class Values {
        private final Map<String, Object> values = new LinkedHashMap<>();

        String string(String name) {
            Object v = values.get(name);
            return v == null ? "" : (String) v;
        }

        /** A string member that was present and not null, else null (Go's *string). */
        String optionalString(String name) {
            return (String) values.get(name);
        }

        boolean bool(String name) {
            return Boolean.TRUE.equals(values.get(name));
        }

        @SuppressWarnings("unchecked")
        Map<String, String> stringMap(String name) {
            Object v = values.get(name);
            return v == null ? Map.of() : (Map<String, String>) v;
        }

        RawJson raw(String name) {
            Object v = values.get(name);
            return v == null ? RawJson.NULL : (RawJson) v;
        }

        Values object(String name) {
            Object v = values.get(name);
            return v == null ? new Values() : (Values) v;
        }

        @SuppressWarnings("unchecked")
        List<Values> objectList(String name) {
            Object v = values.get(name);
            return v == null ? List.of() : (List<Values>) v;
        }
    }

    /** Reads the object (or null) at the parser's current token. */
    Values read(JsonParser p, String path) throws IOException, WireException {
        Values out = new Values();
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return out;
        }
        if (t != JsonToken.START_OBJECT) {
            throw mismatch(path.isEmpty() ? "params" : path, "an object", t);
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            Field f = byLowerName.get(name.toLowerCase(Locale.ROOT));
            if (f == null) {
                p.skipChildren();
                continue;
            }
            String at = path.isEmpty() ? f.name : path + "." + f.name;
            out.values.put(f.name, value == JsonToken.VALUE_NULL ? null : readValue(p, f, at));
        }
        return out;
    }

    private static Object readValue(JsonParser p, Field f, String at) throws IOException, WireException {
        JsonToken t = p.currentToken();
        switch (f.kind) {
            case STRING -> {
                if (t != JsonToken.VALUE_STRING) {
                    throw mismatch(at, "a string", t);
                }
                return p.getText();
            }
            case BOOL -> {
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw mismatch(at, "a boolean", t);
                }
                return t == JsonToken.VALUE_TRUE;
            }
            case STRING_MAP -> {
                if (t != JsonToken.START_OBJECT) {
                    throw mismatch(at, "an object of strings", t);
                }
                Map<String, String> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken v = p.nextToken();
                    if (v == JsonToken.VALUE_NULL) {
                        map.put(key, "");
                    } else if (v == JsonToken.VALUE_STRING) {
                        map.put(key, p.getText());
                    } else {
                        throw mismatch(at + "[" + GoQuote.quote(key) + "]", "a string", v);
                    }
                }
                return map;
            }
            case RAW -> {
                return GoJson.readRaw(p);
            }
            case OBJECT -> {
                return f.nested.read(p, at);
            }
            case OBJECT_LIST -> {
                if (t != JsonToken.START_ARRAY) {
                    throw mismatch(at, "an array", t);
                }
                List<Values> list = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(f.nested.read(p, at + "[" + i++ + "]"));
                }
                return list;
            }
            default -> throw new IllegalStateException(f.kind.name());
        }
    }

    private static WireException mismatch(String at, String expected, JsonToken got) {
        return new WireException(at + ": expected " + expected + ", got " + describe(got));
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    /** A request or response that does not fit its schema. */
    static final class WireException extends Exception {
        WireException(String message) {
            super(message);
        }
    }
}
