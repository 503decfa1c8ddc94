package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.infrakit4j.rpc.WireSchema.Kind;
import org.infrakit4j.rpc.WireSchema.Values;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * One {@code Instance.*} request as it travels (wire-protocol.md §2.3): the {@code Type} that selects a sub-plugin
 * plus the method's arguments. Each call knows its params and result encodings in Go field order, and how to
 * run itself against a plugin. The SPI records never see a JSON null: absent values become empty ones here.
 */
sealed interface InstanceCall {
    /** The sub-plugin type, {@code ""} for the default plugin; echoed in every result. */
    String type();

    /** The method name after {@code Instance.}. */
    String method();

    /** Runs the call; the return value is what {@link #writeResult} encodes. */
    Object invoke(InstancePlugin plugin);

    void writeParams(JsonGenerator out) throws IOException;

    void writeResult(JsonGenerator out, Object outcome) throws IOException;

    /** As {@link #writeResult(JsonGenerator, Object)}, taking encoded Descriptions from the server's cache. */
    default void writeResult(JsonGenerator out, Object outcome, DescriptionCache cache) throws IOException {
        writeResult(out, outcome);
    }

    /** Decodes a result object (the client side). */
    Object readResult(Values result);

    /** The instance an action targets, for logs ({@code null} when none). */
    default String instance() {
        return null;
    }

    WireSchema ATTACHMENT = WireSchema.of().field("ID", Kind.STRING).field("Type", Kind.STRING);
    WireSchema SPEC = WireSchema.of()
            .field("Properties", Kind.RAW)
            .field("Tags", Kind.STRING_MAP)
            .field("Init", Kind.STRING)
            .field("LogicalID", Kind.STRING)
            .objectList("Attachments", ATTACHMENT);
    WireSchema CONTEXT = WireSchema.of().field("Reason", Kind.STRING);
    WireSchema DESCRIPTION = WireSchema.of()
            .field("ID", Kind.STRING)
            .field("LogicalID", Kind.STRING)
            .field("Tags", Kind.STRING_MAP)
            .field("Properties", Kind.RAW);

    Map<String, WireSchema> PARAMS = Map.of(
            "Validate", WireSchema.of().field("Type", Kind.STRING).field("Properties", Kind.RAW),
            "Provision", WireSchema.of().field("Type", Kind.STRING).object("Spec", SPEC),
            "Label", WireSchema.of().field("Type", Kind.STRING).field("Instance", Kind.STRING)
                    .field("Labels", Kind.STRING_MAP),
            "Destroy", WireSchema.of().field("Type", Kind.STRING).field("Instance", Kind.STRING)
                    .object("Context", CONTEXT),
            "DescribeInstances", WireSchema.of().field("Type", Kind.STRING).field("Tags", Kind.STRING_MAP)
                    .field("Properties", Kind.BOOL));

    Map<String, WireSchema> RESULTS = Map.of(
            "Validate", WireSchema.of().field("Type", Kind.STRING).field("OK", Kind.BOOL),
            "Provision", WireSchema.of().field("Type", Kind.STRING).field("ID", Kind.STRING),
            "Label", WireSchema.of().field("Type", Kind.STRING).field("OK", Kind.BOOL),
            "Destroy", WireSchema.of().field("Type", Kind.STRING).field("OK", Kind.BOOL),
            "DescribeInstances", WireSchema.of().field("Type", Kind.STRING)
                    .objectList("Descriptions", DESCRIPTION));

    /** Builds the call for a method from its decoded params. */
    static InstanceCall from(String method, Values p) {
        String type = p.string("Type");
        return switch (method) {
            case "Validate" -> new Validate(type, p.raw("Properties"));
            case "Provision" -> new Provision(type, spec(p.object("Spec")));
            case "Label" -> new Label(type, new InstanceId(p.string("Instance")), p.stringMap("Labels"));
            case "Destroy" -> new Destroy(type, new InstanceId(p.string("Instance")),
                    new DestroyContext(p.object("Context").string("Reason")));
            case "DescribeInstances" -> new Describe(type, p.stringMap("Tags"), p.bool("Properties"));
            default -> throw new IllegalArgumentException(method);
        };
    }

    static Spec spec(Values s) {
        List<Attachment> attachments = new ArrayList<>();
        for (Values a : s.objectList("Attachments")) {
            attachments.add(new Attachment(a.string("ID"), a.string("Type")));
        }
        return new Spec(s.raw("Properties"), s.stringMap("Tags"), s.string("Init"),
                Optional.ofNullable(s.optionalString("LogicalID")), attachments);
    }

    private static void writeOk(JsonGenerator out, String type) throws IOException {
        out.writeStartObject();
        out.writeStringField("Type", type);
        out.writeBooleanField("OK", true);
        out.writeEndObject();
    }

    private static void writeOptional(JsonGenerator out, String field, Optional<String> value) throws IOException {
        out.writeFieldName(field);
        if (value.isPresent()) {
            out.writeString(value.get());
        } else {
            out.writeNull();
        }
    }

    /** Writes a Spec with all five keys, absent values as null (wire-protocol.md §2.2). */
    static void writeSpec(JsonGenerator out, Spec spec) throws IOException {
        out.writeStartObject();
        out.writeFieldName("Properties");
        GoJson.writeRaw(out, spec.properties());
        out.writeFieldName("Tags");
        GoJson.writeStringMap(out, spec.tags());
        out.writeStringField("Init", spec.init());
        writeOptional(out, "LogicalID", spec.logicalId());
        out.writeFieldName("Attachments");
        if (spec.attachments().isEmpty()) {
            out.writeNull();
        } else {
            out.writeStartArray();
            for (Attachment a : spec.attachments()) {
                out.writeStartObject();
                out.writeStringField("ID", a.id());
                out.writeStringField("Type", a.type());
                out.writeEndObject();
            }
            out.writeEndArray();
        }
        out.writeEndObject();
    }

    static Description description(Values d) {
        return new Description(new InstanceId(d.string("ID")), Optional.ofNullable(d.optionalString("LogicalID")),
                d.stringMap("Tags"), d.raw("Properties"));
    }

    /** Writes a Description; Properties is left out when null (its Go field has omitempty). */
    static void writeDescription(JsonGenerator out, Description d) throws IOException {
        out.writeStartObject();
        out.writeStringField("ID", d.id().value());
        writeOptional(out, "LogicalID", d.logicalId());
        out.writeFieldName("Tags");
        GoJson.writeStringMap(out, d.tags());
        if (!d.properties().isNull()) {
            out.writeFieldName("Properties");
            GoJson.writeRaw(out, d.properties());
        }
        out.writeEndObject();
    }

    /** {@code Instance.Validate}. */
    record Validate(String type, RawJson properties) implements InstanceCall {
        public String method() {
            return "Validate";
        }

        public Object invoke(InstancePlugin plugin) {
            plugin.validate(properties);
            return Boolean.TRUE;
        }

        public void writeParams(JsonGenerator out) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeFieldName("Properties");
            GoJson.writeRaw(out, properties);
            out.writeEndObject();
        }

        public void writeResult(JsonGenerator out, Object outcome) throws IOException {
            writeOk(out, type);
        }

        public Object readResult(Values result) {
            return Boolean.TRUE;
        }
    }

    /** {@code Instance.Provision}. */
    record Provision(String type, Spec spec) implements InstanceCall {
        public String method() {
            return "Provision";
        }

        public Object invoke(InstancePlugin plugin) {
            // A null ID without an error crashes the reference group plugin (wire-protocol.md §3).
            return Objects.requireNonNull(plugin.provision(spec), "plugin returned a null instance ID");
        }

        public void writeParams(JsonGenerator out) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeFieldName("Spec");
            writeSpec(out, spec);
            out.writeEndObject();
        }

        public void writeResult(JsonGenerator out, Object outcome) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeStringField("ID", ((InstanceId) outcome).value());
            out.writeEndObject();
        }

        public Object readResult(Values result) {
            String id = result.optionalString("ID");
            return id == null ? null : new InstanceId(id);
        }
    }

    /** {@code Instance.Label}. */
    record Label(String type, InstanceId id, Map<String, String> labels) implements InstanceCall {
        public String method() {
            return "Label";
        }

        public String instance() {
            return id.value();
        }

        public Object invoke(InstancePlugin plugin) {
            plugin.label(id, labels);
            return Boolean.TRUE;
        }

        public void writeParams(JsonGenerator out) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeStringField("Instance", id.value());
            out.writeFieldName("Labels");
            GoJson.writeStringMap(out, labels);
            out.writeEndObject();
        }

        public void writeResult(JsonGenerator out, Object outcome) throws IOException {
            writeOk(out, type);
        }

        public Object readResult(Values result) {
            return Boolean.TRUE;
        }
    }

    /** {@code Instance.Destroy}. */
    record Destroy(String type, InstanceId id, DestroyContext context) implements InstanceCall {
        public String method() {
            return "Destroy";
        }

        public String instance() {
            return id.value();
        }

        public Object invoke(InstancePlugin plugin) {
            plugin.destroy(id, context);
            return Boolean.TRUE;
        }

        public void writeParams(JsonGenerator out) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeStringField("Instance", id.value());
            out.writeObjectFieldStart("Context");
            out.writeStringField("Reason", context.reason());
            out.writeEndObject();
            out.writeEndObject();
        }

        public void writeResult(JsonGenerator out, Object outcome) throws IOException {
            writeOk(out, type);
        }

        public Object readResult(Values result) {
            return Boolean.TRUE;
        }
    }

    /** {@code Instance.DescribeInstances}. */
    record Describe(String type, Map<String, String> tags, boolean properties) implements InstanceCall {
        public String method() {
            return "DescribeInstances";
        }

        public Object invoke(InstancePlugin plugin) {
            return Objects.requireNonNull(plugin.describeInstances(tags, properties), "plugin returned null");
        }

        public void writeParams(JsonGenerator out) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeFieldName("Tags");
            GoJson.writeStringMap(out, tags);
            out.writeBooleanField("Properties", properties);
            out.writeEndObject();
        }

        public void writeResult(JsonGenerator out, Object outcome) throws IOException {
            writeResult(out, outcome, null);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void writeResult(JsonGenerator out, Object outcome, DescriptionCache cache) throws IOException {
            out.writeStartObject();
            out.writeStringField("Type", type);
            List<Description> list = (List<Description>) outcome;
            SerializedString whole = cache == null ? null : cache.knownList(list);
            if (whole != null) {
                out.writeFieldName("Descriptions");
                out.writeRawValue(whole);
                out.writeEndObject();
                return;
            }
            out.writeArrayFieldStart("Descriptions");
            for (Description d : list) {
                if (cache == null) {
                    writeDescription(out, d);
                } else {
                    out.writeRawValue(cache.encoded(d));
                }
            }
            out.writeEndArray();
            out.writeEndObject();
        }

        public Object readResult(Values result) {
            List<Description> list = new ArrayList<>();
            for (Values d : result.objectList("Descriptions")) {
                list.add(description(d));
            }
            return List.copyOf(list);
        }
    }
}
