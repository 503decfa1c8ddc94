package org.infrakit4j.template;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.Schema;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;

/**
 * What a group config's {@code Instance.Properties} may hold for this provider. The record is the single source of
 * truth: Validate and Provision decode through it, and {@code --properties-schema} prints the JSON Schema that
 * {@link org.infrakit4j.runtime.PropertiesSchema} derives from it and its {@link Schema} facts, so the documented
 * shape cannot drift from the accepted one. The constructor checks the values; the facts only document them.
 *
 * @param size how big a machine to make (required)
 * @param labels backend-side labels put on the machine (optional); not InfraKit's tags, which Provision gets in
 *     the Spec
 */
@Schema(title = TemplateMain.DEFAULT_NAME + " Properties",
        description = "Member names match case-insensitively (as Go's encoding/json); unknown members are refused.")
public record TemplateProperties(@Schema(required = true, description = "How big a machine to make.")
                                 @JsonProperty("Size") Size size,
                                 @Schema(description = "Backend-side labels put on the machine (not InfraKit's tags, "
                                         + "which Provision gets in the Spec); names must not be empty or start with "
                                         + RESERVED_PREFIX)
                                 @JsonProperty("Labels") Map<String, String> labels) {
    /** The names InfraKit uses for its own tags: a label may not pose as one. */
    static final String RESERVED_PREFIX = "infrakit.";

    /** Machine sizes, as the JSON spells them. */
    public enum Size {
        @JsonProperty("small") SMALL,
        @JsonProperty("medium") MEDIUM,
        @JsonProperty("large") LARGE
    }

    public TemplateProperties {
        // A Problem names the field path relative to this record; StrictProperties reports it as
        // "invalid properties: Properties.<path>: <message>", which Validate returns to the caller.
        if (size == null) {
            throw new StrictProperties.Problem("Size", "is required (one of small, medium, large)");
        }
        labels = labels == null ? Map.of() : labels;
        for (Map.Entry<String, String> label : labels.entrySet()) {
            String at = "Labels[" + GoQuote.quote(label.getKey()) + "]";
            if (label.getKey().isEmpty()) {
                throw new StrictProperties.Problem(at, "a label name must not be empty");
            }
            if (label.getKey().startsWith(RESERVED_PREFIX)) {
                throw new StrictProperties.Problem(at, "names starting with " + RESERVED_PREFIX
                        + " are InfraKit's tags: give them in the Spec's Tags, not as labels");
            }
            if (label.getValue() == null) {
                throw new StrictProperties.Problem(at, "must be a string, got null");
            }
        }
        labels = Map.copyOf(labels);
    }

    /**
     * Decodes Properties strictly: unknown fields, wrong JSON types and missing required fields are
     * INVALID_PROPERTIES errors naming the field path. Properties null is refused, since Size is required.
     */
    public static TemplateProperties decode(RawJson properties) {
        return StrictProperties.decode(properties, TemplateProperties.class, null, "an object with at least Size");
    }
}
