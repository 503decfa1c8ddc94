package org.infrakit4j.spi;

import java.util.Objects;

/**
 * The one exception a plugin throws: a kind and a detail. The message is the detail alone ("Properties.Image: is
 * required"); the rpc module puts the kind in front of it when it sends the error, as InfraKit's wire carries text only.
 */
public class InstanceException extends RuntimeException {
    private final ErrorCode code;

    public InstanceException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    public InstanceException(ErrorCode code, String detail, Throwable cause) {
        super(Objects.requireNonNull(detail, "detail"), cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** Invalid properties at a field path such as {@code HostConfig.Memory} or {@code Disks[1].Size}. */
    public static InstanceException invalid(String fieldPath, String problem) {
        String at = fieldPath == null || fieldPath.isEmpty() ? "Properties" : "Properties." + fieldPath;
        return new InstanceException(ErrorCode.INVALID_PROPERTIES, at + ": " + Objects.requireNonNull(problem, "problem"));
    }

    public ErrorCode code() {
        return code;
    }

    /** The kind and the detail, for logs and debuggers; callers read {@link #code()} and {@link #getMessage()}. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + code + "): " + getMessage();
    }
}
