package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import org.infrakit4j.spi.RawJson;

/**
 * JSON as Go's encoding/json writes it (wire-protocol.md §2.1): compact, map keys in byte order, {@code <>&} and
 * U+2028/U+2029 escaped as six-character unicode escapes, only {@code \" \\ \n \r \t} as short escapes, other non-ASCII as
 * UTF-8. Raw JSON (ids, Properties) goes out as Go sends a {@code json.RawMessage}: its text as received, compacted,
 * with {@code <>&} and U+2028/U+2029 escaped, every other byte (escapes, number text) unchanged.
 */
public final class GoJson {
    /** Go sorts map keys by their UTF-8 bytes, which is code point order (not Java's UTF-16 order). */
    public static final Comparator<String> KEY_ORDER = GoJson::compareCodePoints;

    static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .characterEscapes(new GoEscapes())
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
            .build();

    /**
     * For requests: parsers that keep a reference to their input, so {@link #readRaw} can copy a value's text as
     * received. Their exceptions' full messages quote the input; only their original messages are ever shown.
     */
    static final JsonFactory REQUEST_FACTORY = FACTORY.rebuild()
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private GoJson() {
    }

    /** Writes raw JSON text compacted and Go-escaped; fails on text that is not exactly one JSON value. */
    public static void writeRaw(JsonGenerator out, RawJson raw) throws IOException {
        if (raw.isNull()) {
            out.writeNull();
            return;
        }
        byte[] text = raw.json().getBytes(StandardCharsets.UTF_8);
        try (JsonParser in = FACTORY.createParser(text)) {
            if (in.nextToken() == null) {
                throw new IOException("empty JSON text");
            }
            in.skipChildren();
            if (in.nextToken() != null) {
                throw new IOException("trailing data after JSON value");
            }
        }
        out.writeRawValue(new String(compact(text, 0, text.length), StandardCharsets.UTF_8));
    }

    /**
     * Go's {@code compact} with HTML escaping, over one valid JSON value: drops whitespace outside strings,
     * escapes {@code <>&} and U+2028/U+2029, copies every other byte.
     */
    static byte[] compact(byte[] src, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        boolean inString = false;
        for (int i = from; i < to; i++) {
            int b = src[i] & 0xff;
            if (inString) {
                if (b == '\\' && i + 1 < to) {
                    out.write(b);
                    out.write(src[++i]);
                    continue;
                }
                if (b == '"') {
                    inString = false;
                }
            } else if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue;
            } else if (b == '"') {
                inString = true;
            }
            if (b == '<' || b == '>' || b == '&') {
                out.writeBytes(String.format("\\u%04x", b).getBytes(StandardCharsets.US_ASCII));
            } else if (b == 0xe2 && i + 2 < to && (src[i + 1] & 0xff) == 0x80 && ((src[i + 2] & 0xff) == 0xa8
                    || (src[i + 2] & 0xff) == 0xa9)) {
                out.writeBytes(((src[i + 2] & 0xff) == 0xa8 ? "\\u2028" : "\\u2029")
                        .getBytes(StandardCharsets.US_ASCII));
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** The index just past the JSON value starting at {@code from} (a value a parser has already accepted). */
    private static int valueEnd(byte[] src, int from) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < src.length; i++) {
            byte b = src[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                if (--depth <= 0) {
                    return depth == 0 ? i + 1 : i;
                }
            } else if (depth == 0 && (b == ',' || b == ' ' || b == '\t' || b == '\n' || b == '\r')) {
                return i;
            }
        }
        return src.length;
    }

    /** Copies the value at the parser's current token, keeping numbers' exact text. */
    static void copyValue(JsonParser in, JsonGenerator out) throws IOException {
        int depth = 0;
        do {
            JsonToken t = in.currentToken();
            switch (t) {
                case START_OBJECT -> {
                    out.writeStartObject();
                    depth++;
                }
                case START_ARRAY -> {
                    out.writeStartArray();
                    depth++;
                }
                case END_OBJECT -> {
                    out.writeEndObject();
                    depth--;
                }
                case END_ARRAY -> {
                    out.writeEndArray();
                    depth--;
                }
                case FIELD_NAME -> out.writeFieldName(in.currentName());
                case VALUE_STRING -> out.writeString(in.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.writeNumber(in.getText());
                case VALUE_TRUE -> out.writeBoolean(true);
                case VALUE_FALSE -> out.writeBoolean(false);
                case VALUE_NULL -> out.writeNull();
                default -> throw new IOException("unexpected JSON token " + t);
            }
            if (depth > 0 && in.nextToken() == null) {
                throw new IOException("unexpected end of JSON");
            }
        } while (depth > 0);
    }

    /**
     * Captures the value at the parser's current token as Go keeps a {@code json.RawMessage}: its text as received
     * (compacted, {@link #compact}) when the parser comes from {@link #REQUEST_FACTORY}, else re-encoded token by
     * token with numbers kept exactly.
     */
    public static RawJson readRaw(JsonParser p) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        Object source = at.contentReference().getRawContent();
        byte[] bytes = source instanceof byte[] b ? b
                : source instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : null;
        if (bytes != null) {
            int start = source instanceof byte[] ? (int) at.getByteOffset()
                    : ((String) source).substring(0, (int) at.getCharOffset()).getBytes(StandardCharsets.UTF_8).length;
            p.skipChildren();
            p.finishToken(); // a string's end is found only now: a malformed one fails here, before its text is used
            if (start >= 0 && start < bytes.length) {
                return new RawJson(new String(compact(bytes, start, valueEnd(bytes, start)), StandardCharsets.UTF_8));
            }
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
        try (JsonGenerator g = FACTORY.createGenerator(buffer)) {
            copyValue(p, g);
        }
        return new RawJson(buffer.toString(StandardCharsets.UTF_8));
    }

    /** Writes a string map with keys in Go order, or {@code null} when empty (Go's nil map). */
    public static void writeStringMap(JsonGenerator out, Map<String, String> map) throws IOException {
        if (map.isEmpty()) {
            out.writeNull();
            return;
        }
        Map<String, String> sorted = new TreeMap<>(KEY_ORDER);
        sorted.putAll(map);
        out.writeStartObject();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            out.writeStringField(e.getKey(), e.getValue());
        }
        out.writeEndObject();
    }

    /** Something that writes JSON. */
    @FunctionalInterface
    public interface Writer {
        void write(JsonGenerator out) throws IOException;
    }

    public static byte[] toBytes(Writer writer) {
        Buffer buffer = Buffer.take();
        try {
            try (JsonGenerator out = FACTORY.createGenerator(buffer)) {
                writer.write(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buffer.toByteArray();
        } finally {
            buffer.giveBack();
        }
    }

    /**
     * Where replies are written, kept for the next one: a Describe reply of 1,000 instances (85 KB) written into a
     * new 4 KB buffer was copied through five doublings, each a new zeroed array, before its final copy. A few are
     * kept (a call nested in another's writing, or calls in parallel, take new ones), none beyond 1 MiB, so at
     * most {@code KEPT} MiB stay allocated.
     */
    private static final class Buffer extends ByteArrayOutputStream {
        private static final int KEPT = 4;
        private static final int MAX_KEPT_BYTES = 1 << 20;
        private static final ArrayBlockingQueue<Buffer> FREE = new ArrayBlockingQueue<>(KEPT);

        private Buffer() {
            super(16 * 1024);
        }

        static Buffer take() {
            Buffer free = FREE.poll();
            return free != null ? free : new Buffer();
        }

        void giveBack() {
            reset();
            if (buf.length <= MAX_KEPT_BYTES) {
                FREE.offer(this);
            }
        }
    }

    public static String toText(Writer writer) throws IOException {
        try {
            return new String(toBytes(writer), StandardCharsets.UTF_8);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Go's string escaping (encoding/json with HTML escaping on, as json.Marshal and json.Encoder use). */
    private static final class GoEscapes extends CharacterEscapes {
        private static final SerializableString[] ESCAPES = new SerializableString[0x80];
        private final int[] ascii;

        static {
            for (int c = 0; c < ESCAPES.length; c++) {
                ESCAPES[c] = new SerializedString(String.format("\\u%04x", c));
            }
        }

        GoEscapes() {
            ascii = CharacterEscapes.standardAsciiEscapesForJSON();
            // Go writes six-character escapes in lower-case hex for <>& and for control characters but LF CR TAB.
            for (int c = 0; c < 0x20; c++) {
                if (c != '\n' && c != '\r' && c != '\t') {
                    ascii[c] = ESCAPE_CUSTOM;
                }
            }
            ascii['<'] = ESCAPE_CUSTOM;
            ascii['>'] = ESCAPE_CUSTOM;
            ascii['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch < 0x80) {
                return ESCAPES[ch];
            }
            return ch == 0x2028 || ch == 0x2029 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
