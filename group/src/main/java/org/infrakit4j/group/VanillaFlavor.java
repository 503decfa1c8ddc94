package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * InfraKit's vanilla flavor, built in (pkg/plugin/flavor/vanilla): Prepare appends the {@code Init} lines to the
 * spec's Init (joined by newlines), adds {@code Tags} and {@code Attachments}; every member is healthy; Drain does
 * nothing. {@code InitScriptTemplateURL} needs InfraKit's template engine and is refused.
 */
final class VanillaFlavor implements Flavor {
    static final String NAME = "vanilla";
    /** The socket name of InfraKit's own vanilla flavor plugin, which group configs written for InfraKit name. */
    static final String GO_NAME = "flavor-vanilla";

    /** The decoded Properties. */
    private record VanillaProperties(List<String> init, String templateUrl, Map<String, String> tags,
            List<Attachment> attachments) {
    }

    private static VanillaProperties decode(RawJson properties) {
        try {
            JsonNode p = GoFields.parse(properties.json());
            if (!p.isNull() && !p.isObject()) {
                throw new GoFields.BadJson("expected an object");
            }
            Map<String, String> tags = new HashMap<>();
            JsonNode t = GoFields.object(p, "Tags", "");
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new GoFields.BadJson("Tags." + e.getKey() + ": expected a string");
                }
                tags.put(e.getKey(), e.getValue().textValue());
            }
            List<Attachment> attachments = new ArrayList<>();
            JsonNode a = GoFields.field(p, "Attachments");
            if (!a.isNull()) {
                if (!a.isArray()) {
                    throw new GoFields.BadJson("Attachments: expected an array");
                }
                for (JsonNode e : a) {
                    attachments.add(new Attachment(GoFields.string(e, "ID", "Attachments[]."),
                            GoFields.string(e, "Type", "Attachments[].")));
                }
            }
            return new VanillaProperties(GoFields.strings(p, "Init", ""),
                    GoFields.string(p, "InitScriptTemplateURL", ""), tags, attachments);
        } catch (GoFields.BadJson e) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "vanilla flavor: " + e.getMessage());
        }
    }

    @Override
    public void validate(RawJson properties, Allocation allocation) {
        VanillaProperties p = decode(properties);
        if (!p.templateUrl().isEmpty() && !p.init().isEmpty()) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES,
                    "Either \"Init\" or \"InitScriptTemplateURL\" can be specified but not both");
        }
        if (!p.templateUrl().isEmpty()) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "InitScriptTemplateURL is not supported by "
                    + "the built-in vanilla flavor (it needs InfraKit's template engine): give Init lines instead");
        }
    }

    @Override
    public Spec prepare(RawJson properties, Spec spec, Allocation allocation, Index index) {
        validate(properties, allocation);
        VanillaProperties p = decode(properties);
        List<String> lines = new ArrayList<>();
        if (!spec.init().isEmpty()) {
            lines.add(spec.init());
        }
        lines.addAll(p.init());
        Map<String, String> tags = new HashMap<>(spec.tags());
        tags.putAll(p.tags());
        List<Attachment> attachments = new ArrayList<>(spec.attachments());
        attachments.addAll(p.attachments());
        return spec.withInit(String.join("\n", lines)).withTags(tags).withAttachments(attachments);
    }

    @Override
    public Health healthy(RawJson properties, Description instance) {
        return Health.HEALTHY;
    }

    @Override
    public void drain(RawJson properties, Description instance) {
        // vanilla members need no draining
    }
}
