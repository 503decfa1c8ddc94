package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.spi.RawJson;

/**
 * The {@code infrakit.config_sha} tag exactly as InfraKit's group plugin computes it (f9e924e7
 * pkg/plugin/group/types: {@code Spec.InstanceHash}): SHA-1 over the "stable format" of the Instance section then
 * of the Flavor section, standard base32, lower-cased, padding removed (wire-protocol.md §3.1). The stable format
 * is Go's: the section marshalled as {@code {"Plugin":..,"Properties":..}}, decoded into a generic map (numbers
 * become float64), then {@code MarshalIndent(v, "  ", "  ")} with keys sorted.
 */
final class ConfigSha {
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private ConfigSha() {
    }

    static String of(String instancePlugin, RawJson instanceProperties, String flavorPlugin,
            RawJson flavorProperties) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-1", e);
        }
        sha1.update(stable(instancePlugin, instanceProperties).getBytes(StandardCharsets.UTF_8));
        sha1.update(stable(flavorPlugin, flavorProperties).getBytes(StandardCharsets.UTF_8));
        return base32(sha1.digest());
    }

    /** The stable format of one section; package-private for the check against Go's bytes. */
    static String stable(String plugin, RawJson properties) {
        JsonNode props;
        try {
            props = GoFields.parse(properties.json());
        } catch (GoFields.BadJson e) {
            throw new IllegalArgumentException("Properties are not JSON: " + e.getMessage());
        }
        String compact = new String(GoJson.toBytes(out -> {
            out.writeStartObject();
            out.writeStringField("Plugin", plugin);
            out.writeFieldName("Properties");
            writeGeneric(out, props);
            out.writeEndObject();
        }), StandardCharsets.UTF_8);
        return indent(compact, "  ", "  ");
    }

    /** A value as Go re-encodes an {@code interface{}}: maps with sorted keys, numbers as float64. */
    private static void writeGeneric(com.fasterxml.jackson.core.JsonGenerator out, JsonNode n)
            throws java.io.IOException {
        if (n.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>(GoJson.KEY_ORDER);
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), e.getValue());
            }
            out.writeStartObject();
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                out.writeFieldName(e.getKey());
                writeGeneric(out, e.getValue());
            }
            out.writeEndObject();
        } else if (n.isArray()) {
            out.writeStartArray();
            for (JsonNode e : n) {
                writeGeneric(out, e);
            }
            out.writeEndArray();
        } else if (n.isNumber()) {
            out.writeNumber(goFloat(n.decimalValue().doubleValue()));
        } else if (n.isTextual()) {
            out.writeString(n.textValue());
        } else if (n.isBoolean()) {
            out.writeBoolean(n.booleanValue());
        } else {
            out.writeNull();
        }
    }

    /** Go's encoding of a float64: shortest digits, plain unless below 1e-6 or from 1e21 on (then e-notation). */
    static String goFloat(double f) {
        if (Double.isNaN(f) || Double.isInfinite(f)) {
            throw new IllegalArgumentException("unsupported value: " + f);
        }
        if (f == 0) {
            return (1 / f < 0) ? "-0" : "0";
        }
        BigDecimal d = new BigDecimal(Double.toString(f)).stripTrailingZeros();
        double abs = Math.abs(f);
        if (abs >= 1e-6 && abs < 1e21) {
            return d.toPlainString();
        }
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale();
        StringBuilder b = new StringBuilder();
        if (f < 0) {
            b.append('-');
        }
        b.append(digits.charAt(0));
        if (digits.length() > 1) {
            b.append('.').append(digits, 1, digits.length());
        }
        b.append('e').append(exponent < 0 ? '-' : '+');
        int e = Math.abs(exponent);
        // strconv writes at least two exponent digits; encoding/json then trims "e-07" to "e-7" (not "e+07").
        b.append(e < 10 && exponent > 0 ? "0" + e : Integer.toString(e));
        return b.toString();
    }

    /** Go's json.Indent over compact JSON. */
    static String indent(String compact, String prefix, String indent) {
        StringBuilder out = new StringBuilder(compact.length() * 2);
        boolean inString = false;
        boolean escaped = false;
        boolean needIndent = false;
        int depth = 0;
        for (int i = 0; i < compact.length(); i++) {
            char c = compact.charAt(i);
            if (inString) {
                out.append(c);
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (needIndent && c != ']' && c != '}') {
                needIndent = false;
                depth++;
                newline(out, prefix, indent, depth);
            }
            switch (c) {
                case '"' -> {
                    inString = true;
                    out.append(c);
                }
                case '{', '[' -> {
                    needIndent = true;
                    out.append(c);
                }
                case ',' -> {
                    out.append(c);
                    newline(out, prefix, indent, depth);
                }
                case ':' -> out.append(c).append(' ');
                case '}', ']' -> {
                    if (needIndent) {
                        needIndent = false; // an empty object or array stays {} or []
                    } else {
                        depth--;
                        newline(out, prefix, indent, depth);
                    }
                    out.append(c);
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static void newline(StringBuilder out, String prefix, String indent, int depth) {
        out.append('\n').append(prefix);
        for (int i = 0; i < depth; i++) {
            out.append(indent);
        }
    }

    static String base32(byte[] bytes) {
        StringBuilder b = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte x : bytes) {
            buffer = (buffer << 8) | (x & 0xff);
            bits += 8;
            while (bits >= 5) {
                b.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            b.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
