package org.infrakit4j.spi;

import java.util.Objects;

/** Something to attach to an instance at Provision; {@code type} means something only to the plugin. */
public record Attachment(String id, String type) {
    public Attachment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
    }
}
