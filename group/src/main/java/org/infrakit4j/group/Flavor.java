package org.infrakit4j.group;

import java.util.Objects;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * InfraKit's Flavor SPI (pkg/spi/flavor, {@code Flavor/0.1.0}): what a group asks of a flavor. Failures are
 * {@link org.infrakit4j.spi.InstanceException}s.
 */
public interface Flavor {
    /** Checks the flavor's Properties for this allocation; no side effects. */
    void validate(RawJson properties, Allocation allocation);

    /** The spec to provision a new member with: the group's spec with the flavor's Init, tags and attachments. */
    Spec prepare(RawJson properties, Spec spec, Allocation allocation, Index index);

    /** Whether a member is ready for work; a rolling update waits for its new members to be healthy. */
    Health healthy(RawJson properties, Description instance);

    /** Called before a member is destroyed. */
    void drain(RawJson properties, Description instance);

    /** A member's health, with InfraKit's wire numbers. */
    enum Health {
        UNKNOWN, HEALTHY, UNHEALTHY;

        /** The number on the wire (Go's iota: 0, 1, 2). */
        public int wire() {
            return ordinal();
        }

        public static Health fromWire(long n) {
            return n == 1 ? HEALTHY : n == 2 ? UNHEALTHY : UNKNOWN;
        }
    }

    /** The context of a Prepare (InfraKit's {@code group_types.Index}): the group and a sequence number. */
    record Index(String group, long sequence) {
        public Index {
            Objects.requireNonNull(group, "group");
            if (sequence < 0) {
                throw new IllegalArgumentException("sequence must not be negative");
            }
        }
    }
}
