package org.infrakit4j.spi;

/**
 * The kinds of plugin failure. Each has a fixed message prefix: on the wire an error is only its message text
 * (wire-protocol.md §1.4), so the prefix is what lets a client recover the kind.
 */
public enum ErrorCode {
    /** Properties or another request value is invalid; the message names the field path. */
    INVALID_PROPERTIES("invalid properties: "),
    /** The instance does not exist (or is not managed by this plugin). */
    NOT_FOUND("not found: "),
    /** The request conflicts with existing state, e.g. a LogicalID held by an instance with other tags. */
    CONFLICT("conflict: "),
    /** The backend (engine, daemon, API) could not be reached or did not answer in time. */
    BACKEND_UNAVAILABLE("backend unavailable: "),
    /** The backend refused or failed the operation. */
    BACKEND_ERROR("backend error: "),
    /** A bug or an unexpected condition in the plugin. */
    INTERNAL("internal error: ");

    private final String prefix;

    ErrorCode(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** The kind whose prefix starts the message, or {@link #INTERNAL} when none does. */
    public static ErrorCode fromMessage(String message) {
        for (ErrorCode code : values()) {
            if (message != null && message.startsWith(code.prefix)) {
                return code;
            }
        }
        return INTERNAL;
    }
}
