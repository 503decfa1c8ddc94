package org.infrakit4j.spi;

import java.util.Objects;

/**
 * Why an instance is destroyed. InfraKit sends {@code terminate} (scale-down, group destroy, CLI) or
 * {@code rolling_update}; clients older than 0.6 send no context, which is the empty reason. Other reasons are
 * kept as given so a plugin can log them.
 */
public record DestroyContext(String reason) {
    public static final String TERMINATE_REASON = "terminate";
    public static final String ROLLING_UPDATE_REASON = "rolling_update";

    public static final DestroyContext NONE = new DestroyContext("");
    public static final DestroyContext TERMINATE = new DestroyContext(TERMINATE_REASON);
    public static final DestroyContext ROLLING_UPDATE = new DestroyContext(ROLLING_UPDATE_REASON);

    public DestroyContext {
        Objects.requireNonNull(reason, "reason");
    }

    public boolean isRollingUpdate() {
        return reason.equals(ROLLING_UPDATE_REASON);
    }
}
