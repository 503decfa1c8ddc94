package org.infrakit4j.runtime;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Duration;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * The text log format's {@code %kv}: an event's key=value pairs, each after one space (nothing at all when there
 * are none, so a line never ends in a space). Numbers and booleans are written bare, a {@link Duration} as whole
 * milliseconds, anything else in double quotes with {@code "} and {@code \} escaped, so a value cannot end its
 * quotes early.
 */
public final class LogKeyValues extends ClassicConverter {
    /** The conversion word the log patterns use. */
    public static final String WORD = "kv";

    @Override
    public String convert(ILoggingEvent event) {
        return of(event);
    }

    /** The event's pairs as {@code %kv} writes them. */
    static String of(ILoggingEvent event) {
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs == null || pairs.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (KeyValuePair pair : pairs) {
            out.append(' ').append(pair.key).append('=');
            append(out, pair.value);
        }
        return out.toString();
    }

    /** One value as {@code %kv} writes it. */
    static void append(StringBuilder out, Object value) {
        Object v = LogValues.typed(value);
        if (v == null || v instanceof Number || v instanceof Boolean) {
            out.append(v);
            return;
        }
        String text = v.toString();
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }
}
