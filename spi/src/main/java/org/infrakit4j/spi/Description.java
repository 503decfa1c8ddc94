package org.infrakit4j.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One instance as DescribeInstances reports it: ID, LogicalID, full tag set, and plugin-specific properties
 * ({@link RawJson#NULL} when not asked for; then left out on the wire).
 */
public record Description(InstanceId id, Optional<String> logicalId, Map<String, String> tags, RawJson properties) {
    public Description {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(logicalId, "logicalId");
        tags = Map.copyOf(tags);
        Objects.requireNonNull(properties, "properties");
    }

    public static Description of(InstanceId id, Optional<String> logicalId, Map<String, String> tags) {
        return new Description(id, logicalId, tags, RawJson.NULL);
    }

    public Description withProperties(RawJson properties) {
        return new Description(id, logicalId, tags, properties);
    }

    /** Whether every given tag pair is present with exactly that value (the DescribeInstances filter). */
    public static boolean matches(Map<String, String> instanceTags, Map<String, String> filter) {
        for (Map.Entry<String, String> e : filter.entrySet()) {
            if (!e.getValue().equals(instanceTags.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
