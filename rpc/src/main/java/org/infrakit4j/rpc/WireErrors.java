package org.infrakit4j.rpc;

import java.util.EnumMap;
import java.util.Map;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;

/**
 * How an error kind travels: InfraKit's wire carries an error as its message text only (wire-protocol.md §1.4), so
 * each kind has a fixed prefix ("not found: ...") that lets a client recover it. The one place that maps kinds to
 * reply text and back.
 */
public final class WireErrors {
    private static final Map<ErrorCode, String> PREFIXES = new EnumMap<>(Map.of(
            ErrorCode.INVALID_PROPERTIES, "invalid properties: ",
            ErrorCode.NOT_FOUND, "not found: ",
            ErrorCode.CONFLICT, "conflict: ",
            ErrorCode.BACKEND_UNAVAILABLE, "backend unavailable: ",
            ErrorCode.BACKEND_ERROR, "backend error: ",
            ErrorCode.INTERNAL, "internal error: "));

    private WireErrors() {
    }

    /** The text that opens every error of this kind on the wire, e.g. {@code "not found: "}. */
    public static String prefix(ErrorCode kind) {
        return PREFIXES.get(kind);
    }

    /** The error as it is sent: the kind's prefix, then the detail (for an error received, the text as received). */
    public static String text(InstanceException e) {
        return e instanceof Received received ? received.wireText : prefix(e.code()) + e.getMessage();
    }

    /**
     * The error a reply's message text describes. A text with a known prefix gives that kind and the rest as detail;
     * any other text (a plugin that does not use the prefixes, such as InfraKit's Go plugins) is {@link
     * ErrorCode#INTERNAL} with the whole text as detail. {@link #text} gives back the text exactly as received.
     */
    public static InstanceException parse(String wireText) {
        String text = wireText == null ? "" : wireText;
        for (Map.Entry<ErrorCode, String> kind : PREFIXES.entrySet()) {
            if (text.startsWith(kind.getValue())) {
                return new Received(kind.getKey(), text.substring(kind.getValue().length()), text);
            }
        }
        return new Received(ErrorCode.INTERNAL, text, text);
    }

    /** The error for an instance this plugin does not have, worded alike by every plugin of this project. */
    public static InstanceException notFound(InstanceId id) {
        return new InstanceException(ErrorCode.NOT_FOUND, "instance " + GoQuote.quote(id.value()));
    }

    /** An error read from a reply: it keeps the text as received so that forwarding it changes nothing. */
    private static final class Received extends InstanceException {
        private final String wireText;

        Received(ErrorCode kind, String detail, String wireText) {
            super(kind, detail);
            this.wireText = wireText;
        }
    }
}
