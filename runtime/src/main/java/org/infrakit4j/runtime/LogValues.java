package org.infrakit4j.runtime;

import java.time.Duration;

/** How both log formats see a key=value pair's value: durations as whole milliseconds, numbers as numbers. */
final class LogValues {
    private LogValues() {
    }

    /** {@code value} with a {@link Duration} turned into its whole milliseconds; anything else unchanged. */
    static Object typed(Object value) {
        return value instanceof Duration d ? (Object) d.toMillis() : value;
    }
}
