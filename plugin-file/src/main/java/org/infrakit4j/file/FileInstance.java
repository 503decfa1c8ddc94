package org.infrakit4j.file;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.Spec;

/**
 * One instance as its file holds it: ID, LogicalID, current tags, the Spec it was provisioned with (whose Tags stay
 * as provisioned; Label changes only the top-level Tags), and when it was created and last changed.
 */
@JsonPropertyOrder({"ID", "LogicalID", "Tags", "Spec", "Created", "Updated"})
record FileInstance(@JsonProperty("ID") String id,
                    @JsonProperty("LogicalID") String logicalId,
                    @JsonProperty("Tags") Map<String, String> tags,
                    @JsonProperty("Spec") Spec spec,
                    @JsonProperty("Created") Instant created,
                    @JsonProperty("Updated") Instant updated) {
    @JsonCreator
    FileInstance {
        Objects.requireNonNull(id, "ID");
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        Objects.requireNonNull(spec, "Spec");
        Objects.requireNonNull(created, "Created");
        Objects.requireNonNull(updated, "Updated");
    }

    static FileInstance create(String id, Spec spec, Instant now) {
        return new FileInstance(id, spec.logicalId().orElse(null), spec.tags(), spec, now, now);
    }

    FileInstance withTags(Map<String, String> newTags, Instant now) {
        return new FileInstance(id, logicalId, newTags, spec, created, now);
    }

    Description description() {
        return Description.of(new InstanceId(id), Optional.ofNullable(logicalId), tags);
    }
}
