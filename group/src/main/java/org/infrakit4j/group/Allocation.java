package org.infrakit4j.group;

import java.io.IOException;
import java.util.List;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * How a group is allocated (InfraKit's {@code AllocationMethod}): {@code size} cattle, or one pet per LogicalID.
 * Either may be zero/empty here; the group plugin's validation requires exactly one.
 */
public record Allocation(long size, List<String> logicalIds) {
    public Allocation {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
        logicalIds = List.copyOf(logicalIds);
    }

    public boolean isPets() {
        return !logicalIds.isEmpty();
    }

    /** The number of members wanted. */
    public long desired() {
        return isPets() ? logicalIds.size() : size;
    }

    /** As Go writes it: {@code {"Size":n,"LogicalIDs":[..]|null}}. */
    void write(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeNumberField("Size", size);
        out.writeFieldName("LogicalIDs");
        if (logicalIds.isEmpty()) {
            out.writeNull();
        } else {
            out.writeStartArray();
            for (String id : logicalIds) {
                out.writeString(id);
            }
            out.writeEndArray();
        }
        out.writeEndObject();
    }

    static Allocation read(com.fasterxml.jackson.databind.JsonNode node, String path) throws GoFields.BadJson {
        return new Allocation(GoFields.integer(node, "Size", path, 0), GoFields.strings(node, "LogicalIDs", path));
    }
}
