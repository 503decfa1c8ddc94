package org.infrakit4j.group;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.spi.RawJson;

/**
 * A group's Properties as InfraKit's group plugin reads them ({@code group_types.Spec}): the instance plugin and
 * its Properties, the flavor plugin and its Properties, and the allocation.
 */
record GroupConfig(String instancePlugin, RawJson instanceProperties, String flavorPlugin, RawJson flavorProperties,
        Allocation allocation) {
    GroupConfig {
        Objects.requireNonNull(instancePlugin, "instancePlugin");
        Objects.requireNonNull(instanceProperties, "instanceProperties");
        Objects.requireNonNull(flavorPlugin, "flavorPlugin");
        Objects.requireNonNull(flavorProperties, "flavorProperties");
        Objects.requireNonNull(allocation, "allocation");
    }

    /** Decodes a group's Properties; the message is Go's "Invalid properties: ..." on a type error. */
    static GroupConfig parse(RawJson properties) throws GoFields.BadJson {
        try {
            JsonNode p = GoFields.parse(properties.json());
            if (!p.isNull() && !p.isObject()) {
                throw new GoFields.BadJson("expected an object");
            }
            JsonNode instance = GoFields.object(p, "Instance", "");
            JsonNode flavor = GoFields.object(p, "Flavor", "");
            return new GroupConfig(GoFields.string(instance, "Plugin", "Instance."),
                    GoFields.raw(instance, "Properties"), GoFields.string(flavor, "Plugin", "Flavor."),
                    GoFields.raw(flavor, "Properties"),
                    Allocation.read(GoFields.object(p, "Allocation", ""), "Allocation."));
        } catch (GoFields.BadJson e) {
            throw new GoFields.BadJson("Invalid properties: " + e.getMessage());
        }
    }

    /** The {@code infrakit.config_sha} of members made from this config. */
    String configSha() {
        return ConfigSha.of(instancePlugin, instanceProperties, flavorPlugin, flavorProperties);
    }

    GroupConfig withSize(long size) {
        return new GroupConfig(instancePlugin, instanceProperties, flavorPlugin, flavorProperties,
                new Allocation(size, allocation.logicalIds()));
    }

    /** The Properties as Go marshals the parsed Spec (InspectGroups answers this, unknown keys dropped). */
    RawJson toJson() {
        return new RawJson(new String(GoJson.toBytes(this::write), StandardCharsets.UTF_8));
    }

    void write(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("Instance");
        out.writeStringField("Plugin", instancePlugin);
        out.writeFieldName("Properties");
        GoJson.writeRaw(out, instanceProperties);
        out.writeEndObject();
        out.writeObjectFieldStart("Flavor");
        out.writeStringField("Plugin", flavorPlugin);
        out.writeFieldName("Properties");
        GoJson.writeRaw(out, flavorProperties);
        out.writeEndObject();
        out.writeFieldName("Allocation");
        allocation.write(out);
        out.writeEndObject();
    }
}
