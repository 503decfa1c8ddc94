package org.infrakit4j.group;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstanceJson;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * The Flavor/0.1.0 request and response structs as Go writes them (f9e924e7 pkg/rpc/flavor/types.go, keys in
 * declaration order): shared by our Flavor client, our Flavor server and its {@code /info/api.json}.
 */
final class FlavorWire {
    static final String INTERFACE = "Flavor";
    static final String VERSION = "0.1.0";

    private FlavorWire() {
    }

    static GoJson.Writer validate(String type, RawJson properties, Allocation allocation) {
        return out -> {
            start(out, type, properties);
            out.writeFieldName("Allocation");
            allocation.write(out);
            out.writeEndObject();
        };
    }

    static GoJson.Writer prepare(String type, RawJson properties, Spec spec, Allocation allocation,
            Flavor.Index index) {
        return out -> {
            start(out, type, properties);
            out.writeFieldName("Spec");
            InstanceJson.writeSpec(out, spec);
            out.writeFieldName("Allocation");
            allocation.write(out);
            out.writeObjectFieldStart("Index");
            out.writeStringField("Group", index.group());
            out.writeNumberField("Sequence", index.sequence());
            out.writeEndObject();
            out.writeEndObject();
        };
    }

    /** The Healthy and Drain requests: {@code {"Type","Properties","Instance"}}. */
    static GoJson.Writer withInstance(String type, RawJson properties, Description instance) {
        return out -> {
            start(out, type, properties);
            out.writeFieldName("Instance");
            InstanceJson.writeDescription(out, instance);
            out.writeEndObject();
        };
    }

    private static void start(JsonGenerator out, String type, RawJson properties) throws IOException {
        out.writeStartObject();
        out.writeStringField("Type", type);
        out.writeFieldName("Properties");
        GoJson.writeRaw(out, properties);
    }

    static GoJson.Writer ok(String type, boolean ok) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeBooleanField("OK", ok);
            out.writeEndObject();
        };
    }

    static GoJson.Writer prepared(String type, Spec spec) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeFieldName("Spec");
            InstanceJson.writeSpec(out, spec);
            out.writeEndObject();
        };
    }

    static GoJson.Writer health(String type, int health) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("Type", type);
            out.writeNumberField("Health", health);
            out.writeEndObject();
        };
    }
}
