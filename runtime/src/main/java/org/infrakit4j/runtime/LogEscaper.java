package org.infrakit4j.runtime;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;

/**
 * The text log format's {@code %escaped(...)}: keeps one event on one line whatever a request put into it. Line
 * breaks, tabs and other control characters, the Unicode line and paragraph separators and the bidirectional
 * overrides are written as {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}, so an ID, a tag or a field
 * name with a newline in it cannot forge a log line. (The JSON format escapes them already.)
 */
public final class LogEscaper extends CompositeConverter<ILoggingEvent> {
    /** The conversion word the log patterns use. */
    public static final String WORD = "escaped";

    @Override
    protected String transform(ILoggingEvent event, String in) {
        return escape(in);
    }

    /** {@code text} with the characters that could break or disguise a log line escaped. */
    public static String escape(String text) {
        int first = 0;
        while (first < text.length() && !needsEscape(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || c >= 0x7f && c < 0xa0 || c == '\u2028' || c == '\u2029'
                || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069';
    }
}
