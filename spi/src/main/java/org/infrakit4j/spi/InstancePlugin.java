package org.infrakit4j.spi;

import java.util.List;
import java.util.Map;

/**
 * An InfraKit instance plugin: the five calls of the Instance SPI (version 0.6.0/0.6.1).
 *
 * <p>Every method either returns normally or throws {@link InstanceException}; any other exception is a bug and
 * reaches callers as an internal error. Calls may arrive concurrently from several threads.
 */
public interface InstancePlugin {

    /**
     * Checks an instance configuration without touching the backend: no side effects at all.
     *
     * @param properties the plugin-defined configuration, possibly {@link RawJson#NULL}
     * @throws InstanceException with {@link ErrorCode#INVALID_PROPERTIES} naming the bad field path
     */
    void validate(RawJson properties);

    /**
     * Creates one instance, tagged with all of {@code spec.tags()} atomically, and returns its ID. The instance is
     * visible to {@link #describeInstances} as soon as this returns. A retried call for the same pet (same
     * LogicalID and tags) returns the instance it already made instead of a second one.
     *
     * @return the new instance's ID, never null
     */
    InstanceId provision(Spec spec);

    /**
     * Adds or overwrites the given tags on an existing instance, keeping all other tags.
     *
     * @throws InstanceException with {@link ErrorCode#NOT_FOUND} when the instance does not exist
     */
    void label(InstanceId instance, Map<String, String> labels);

    /**
     * Permanently removes an instance. Idempotent: an instance that is already gone, or never existed, is a
     * success; an error means the instance may still exist. A plugin may refuse to destroy something that exists
     * but that it does not manage.
     */
    void destroy(InstanceId instance, DestroyContext context);

    /**
     * Lists the instances this plugin manages whose tags include every given pair (an empty map matches all),
     * in every state but gone, each with its full tag set and LogicalID.
     *
     * @param properties whether to fill {@link Description#properties()} with plugin-specific state
     */
    List<Description> describeInstances(Map<String, String> tags, boolean properties);
}
