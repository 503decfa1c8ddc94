package org.infrakit4j.spi;

/**
 * Where a plugin reports every call it makes to its backend (engine, daemon, API, disk), for the backend metrics
 * on {@code GET /metrics}. Handed to a plugin at construction; implementations are thread-safe and cheap.
 */
@FunctionalInterface
public interface BackendMeter {
    /** Records nothing: for plugins built outside a server. */
    BackendMeter NONE = (operation, nanos, failed) -> { };

    /**
     * @param operation a short, fixed name of the backend operation (e.g. {@code RunInstances}), never user data
     * @param nanos how long the call took
     * @param failed whether it ended in an error
     */
    void record(String operation, long nanos, boolean failed);
}
