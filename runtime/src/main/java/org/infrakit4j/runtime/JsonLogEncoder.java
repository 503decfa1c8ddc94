package org.infrakit4j.runtime;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * The JSON log format: one object per line, as log pipelines read it. {@code timestamp} (ISO-8601, UTC, ms),
 * {@code level}, {@code logger}, {@code thread}, {@code message}, then every key=value pair of the event as a
 * field of its own, with its JSON type (numbers as numbers, a {@link java.time.Duration} as whole milliseconds),
 * then {@code exception} (the stack trace) when there is one. A pair whose key is one of those names, or repeats an
 * earlier key, is written as {@code kv_<key>}.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
    private static final Set<String> RESERVED = Set.of("timestamp", "level", "logger", "thread", "message",
            "exception");
    private static final byte[] NONE = new byte[0];
    private final JsonFactory factory = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = factory.createGenerator(bytes)) {
            out.writeStartObject();
            out.writeStringField("timestamp", LogTimestamp.format(event.getTimeStamp(), ZoneOffset.UTC));
            out.writeStringField("level", event.getLevel().toString());
            out.writeStringField("logger", event.getLoggerName());
            out.writeStringField("thread", event.getThreadName());
            out.writeStringField("message", event.getFormattedMessage());
            List<KeyValuePair> pairs = event.getKeyValuePairs();
            if (pairs != null) {
                Set<String> seen = new HashSet<>();
                for (KeyValuePair pair : pairs) {
                    String key = String.valueOf(pair.key);
                    out.writeFieldName(RESERVED.contains(key) || !seen.add(key) ? "kv_" + key : key);
                    writeValue(out, LogValues.typed(pair.value));
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                out.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array cannot fail to be written
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private static void writeValue(JsonGenerator out, Object value) throws IOException {
        if (value == null) {
            out.writeNull();
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            out.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double d && Double.isFinite(d) || value instanceof Float f && Float.isFinite(f)) {
            out.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof BigInteger big) {
            out.writeNumber(big);
        } else if (value instanceof BigDecimal big) {
            out.writeNumber(big);
        } else if (value instanceof Boolean b) {
            out.writeBoolean(b);
        } else {
            out.writeString(value.toString());
        }
    }
}
