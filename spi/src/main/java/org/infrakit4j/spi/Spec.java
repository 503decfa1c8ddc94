package org.infrakit4j.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to provision: plugin-defined properties, the tags to store atomically with the instance, a boot script
 * ({@code init}), an optional LogicalID (a pet's stable name, e.g. an IP) and attachments.
 * Absent values on the wire become empty here: tags and attachments are never null.
 */
public record Spec(RawJson properties, Map<String, String> tags, String init, Optional<String> logicalId,
                   List<Attachment> attachments) {
    public Spec {
        Objects.requireNonNull(properties, "properties");
        tags = Map.copyOf(tags);
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(logicalId, "logicalId");
        attachments = List.copyOf(attachments);
    }

    /** A spec with only properties and tags. */
    public static Spec of(RawJson properties, Map<String, String> tags) {
        return new Spec(properties, tags, "", Optional.empty(), List.of());
    }

    public Spec withLogicalId(String logicalId) {
        return new Spec(properties, tags, init, Optional.of(logicalId), attachments);
    }

    public Spec withInit(String init) {
        return new Spec(properties, tags, init, logicalId, attachments);
    }

    public Spec withAttachments(List<Attachment> attachments) {
        return new Spec(properties, tags, init, logicalId, attachments);
    }

    public Spec withTags(Map<String, String> tags) {
        return new Spec(properties, tags, init, logicalId, attachments);
    }
}
