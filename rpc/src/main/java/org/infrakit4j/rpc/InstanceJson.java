package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * The Instance SPI's value types as they travel inside other SPIs' messages (a Flavor's Prepare carries a Spec,
 * a Group's DescribeGroup carries Descriptions): written and read exactly as in Instance calls.
 */
public final class InstanceJson {
    private InstanceJson() {
    }

    /** A Spec with all five keys, absent values as null (wire-protocol.md §2.2). */
    public static void writeSpec(JsonGenerator out, Spec spec) throws IOException {
        InstanceCall.writeSpec(out, spec);
    }

    /** A Description; Properties left out when null. */
    public static void writeDescription(JsonGenerator out, Description description) throws IOException {
        InstanceCall.writeDescription(out, description);
    }

    /** Reads a Spec as Go decodes one (keys matched case-insensitively, nulls as absent). */
    public static Spec readSpec(RawJson json) throws IOException {
        return InstanceCall.spec(read(InstanceCall.SPEC, json, "Spec"));
    }

    /** Reads a Description as Go decodes one. */
    public static Description readDescription(RawJson json) throws IOException {
        return InstanceCall.description(read(InstanceCall.DESCRIPTION, json, "Instance"));
    }

    private static WireSchema.Values read(WireSchema schema, RawJson json, String at) throws IOException {
        try (JsonParser p = GoJson.FACTORY.createParser(json.json())) {
            p.nextToken();
            return schema.read(p, at);
        } catch (WireSchema.WireException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
