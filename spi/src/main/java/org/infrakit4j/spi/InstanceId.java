package org.infrakit4j.spi;

import java.util.Objects;

/** An instance ID chosen by the plugin, unique within its backend. */
public record InstanceId(String value) {
    public InstanceId {
        Objects.requireNonNull(value, "value");
    }

    public static InstanceId of(String value) {
        return new InstanceId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
