package org.infrakit4j.docker;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * An instance ID as Destroy and Label take it: the full 64-hex container ID, or a unique prefix of one with at least
 * 12 hex digits (the short ID that {@code docker ps} and InfraKit's reference plugin show). A container name is never
 * an ID, so a name can never make Destroy act on a container it does not mean.
 */
final class DockerIdPrefix {
    /** Hex digits of a short container ID. */
    static final int SHORT = 12;
    private static final Pattern FULL = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern PREFIX = Pattern.compile("[0-9a-f]{" + SHORT + ",63}");

    private DockerIdPrefix() {
    }

    static boolean isFull(String id) {
        return FULL.matcher(id).matches();
    }

    /** Whether {@code id} is a prefix that needs a look-up: 12 to 63 lowercase hex digits. */
    static boolean isPrefix(String id) {
        return PREFIX.matcher(id).matches();
    }

    /**
     * The one ID among {@code all} that starts with {@code prefix}; empty when none does.
     *
     * @throws InstanceException CONFLICT naming the candidates when several do
     */
    static Optional<String> match(String prefix, Collection<String> all) {
        List<String> found = all.stream().filter(id -> id.startsWith(prefix)).sorted().toList();
        if (found.size() > 1) {
            throw new InstanceException(ErrorCode.CONFLICT, "ID prefix " + GoQuote.quote(prefix)
                    + " matches " + found.size() + " containers: " + String.join(", ", found)
                    + "; give more of the ID");
        }
        return found.stream().findFirst();
    }
}
