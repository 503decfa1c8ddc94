package org.infrakit4j.spi;

import java.util.Objects;

/** The one exception a plugin throws; its message (prefixed by the code) is what callers see. */
public class InstanceException extends RuntimeException {
    private final ErrorCode code;

    public InstanceException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    public InstanceException(ErrorCode code, String detail, Throwable cause) {
        super(code.prefix() + Objects.requireNonNull(detail, "detail"), cause);
        this.code = code;
    }

    private InstanceException(String message, ErrorCode code) {
        super(message);
        this.code = code;
    }

    /** Rebuilds an error from the message text received over the wire, keeping the text as it is. */
    public static InstanceException fromMessage(String message) {
        String text = message == null ? "" : message;
        return new InstanceException(text, ErrorCode.fromMessage(text));
    }

    /** Invalid properties at a field path such as {@code HostConfig.Memory} or {@code Disks[1].Size}. */
    public static InstanceException invalid(String fieldPath, String problem) {
        String at = fieldPath == null || fieldPath.isEmpty() ? "Properties" : "Properties." + fieldPath;
        return new InstanceException(ErrorCode.INVALID_PROPERTIES, at + ": " + problem);
    }

    public static InstanceException notFound(InstanceId id) {
        return new InstanceException(ErrorCode.NOT_FOUND, "instance " + quote(id.value()));
    }

    public ErrorCode code() {
        return code;
    }

    /** Quotes a user-supplied value for a message as Go's %q does: printable text kept, control characters escaped. */
    public static String quote(String value) {
        StringBuilder b = new StringBuilder(Math.min(value.length(), 512) + 2).append('"');
        value.codePoints().limit(512).forEach(c -> {
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
        if (value.codePointCount(0, value.length()) > 512) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
