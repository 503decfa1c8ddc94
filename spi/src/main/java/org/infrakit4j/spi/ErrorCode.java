package org.infrakit4j.spi;

/**
 * The kinds of plugin failure. How a kind travels on the wire (InfraKit's errors are only text) is the rpc module's
 * business; here a kind is what a caller branches on.
 */
public enum ErrorCode {
    /** Properties or another request value is invalid; the message names the field path. */
    INVALID_PROPERTIES,
    /** The instance does not exist (or is not managed by this plugin). */
    NOT_FOUND,
    /** The request conflicts with existing state, e.g. a LogicalID held by an instance with other tags. */
    CONFLICT,
    /** The backend (engine, daemon, API) could not be reached or did not answer in time. */
    BACKEND_UNAVAILABLE,
    /** The backend refused or failed the operation. */
    BACKEND_ERROR,
    /** A bug or an unexpected condition in the plugin. */
    INTERNAL
}
