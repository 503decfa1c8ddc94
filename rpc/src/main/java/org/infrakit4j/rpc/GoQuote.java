package org.infrakit4j.rpc;

/**
 * Go's {@code %q} for values put in messages: InfraKit's plugins and its net/rpc quote user values so, and a quoted
 * value can never break a message or a log line (control characters are escaped, long values cut).
 */
public final class GoQuote {
    /** Code points kept of a value; the rest becomes "...", so one huge ID cannot make a huge message. */
    static final int MAX_CODE_POINTS = 512;

    private GoQuote() {
    }

    /** The value in double quotes, with quote, backslash and control characters escaped as Go does. */
    public static String quote(String value) {
        StringBuilder b = new StringBuilder(Math.min(value.length(), MAX_CODE_POINTS) + 2).append('"');
        value.codePoints().limit(MAX_CODE_POINTS).forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c)) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        if (value.codePointCount(0, value.length()) > MAX_CODE_POINTS) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
