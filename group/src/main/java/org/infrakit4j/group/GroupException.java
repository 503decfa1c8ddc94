package org.infrakit4j.group;

import java.util.Objects;
import org.infrakit4j.spi.ErrorCode;

/** A group operation that failed; the message is what InfraKit's group plugin answers in the same case. */
final class GroupException extends RuntimeException {
    private final ErrorCode kind;

    GroupException(ErrorCode kind, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    static GroupException notWatched(String id) {
        return new GroupException(ErrorCode.NOT_FOUND, "Group '" + id + "' is not being watched");
    }

    ErrorCode kind() {
        return kind;
    }
}
