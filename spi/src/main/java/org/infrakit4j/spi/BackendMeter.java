package org.infrakit4j.spi;

/**
 * Where a plugin reports what it sees of its backend, for the metrics on {@code GET /metrics}: every call it makes
 * (engine, daemon, API, disk), and the instances it finds dead and reaps. Handed to a plugin at construction;
 * implementations are thread-safe and cheap.
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

    /**
     * An instance was found dead for the first time since the plugin started (or since it was last alive).
     *
     * @param state the provider's word for the state it died in (e.g. {@code exited}, {@code shutoff},
     *     {@code stopped}), from a fixed set, never user data
     */
    default void deadInstanceSeen(String state) {
    }

    /** A dead instance was destroyed by the plugin's reaper; {@code state} as for {@link #deadInstanceSeen}. */
    default void deadInstanceReaped(String state) {
    }
}
