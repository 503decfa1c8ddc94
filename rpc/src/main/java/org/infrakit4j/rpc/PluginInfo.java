package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.PropertiesExample;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.spi.VendorInfo;

/** The documents served at {@code /info/api.json} and {@code /info/functions.json} (wire-protocol.md §1.7). */
final class PluginInfo {
    private PluginInfo() {
    }

    /** api.json: vendor, implemented interfaces, and one example request/response per method (V18). */
    static byte[] api(Map<String, InstancePlugin> plugins, long unixSeconds) {
        InstancePlugin plugin = plugins.containsKey("") ? plugins.get("")
                : plugins.values().iterator().next();
        RawJson example = plugin instanceof PropertiesExample e ? e.exampleProperties() : RawJson.NULL;
        String id = Long.toString(unixSeconds);
        Spec zeroSpec = new Spec(example, Map.of(), "", Optional.empty(), List.of());
        List<InstanceCall> zero = List.of(
                new InstanceCall.Describe("", Map.of(), false),
                new InstanceCall.Destroy("", new InstanceId(""), DestroyContext.NONE),
                new InstanceCall.Label("", new InstanceId(""), Map.of()),
                new InstanceCall.Provision("", zeroSpec),
                new InstanceCall.Validate("", example));
        return GoJson.toBytes(out -> {
            out.writeStartObject();
            out.writeFieldName("Vendor");
            if (plugin instanceof VendorInfo.Source s) {
                VendorInfo v = s.vendorInfo();
                out.writeStartObject();
                out.writeStringField("Name", v.name());
                out.writeStringField("Version", v.version());
                out.writeStringField("URL", v.url());
                out.writeEndObject();
            } else {
                out.writeNull();
            }
            out.writeArrayFieldStart("Implements");
            writeSpec(out);
            out.writeEndArray();
            out.writeArrayFieldStart("Interfaces");
            out.writeStartObject();
            out.writeStringField("Name", Handshake.INSTANCE);
            out.writeStringField("Version", Handshake.VERSION_0_6_0);
            out.writeArrayFieldStart("Methods");
            for (InstanceCall call : zero) {
                out.writeStartObject();
                out.writeObjectFieldStart("Request");
                out.writeStringField("jsonrpc", "2.0");
                out.writeStringField("method", "Instance." + call.method());
                out.writeFieldName("params");
                call.writeParams(out);
                out.writeStringField("id", id);
                out.writeEndObject();
                out.writeObjectFieldStart("Response");
                out.writeFieldName("result");
                writeZeroResult(out, call);
                out.writeStringField("id", id);
                out.writeEndObject();
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeEndArray();
            out.writeEndObject();
        });
    }

    /** api.json of a server of one other SPI, as Go's reflector describes it: no vendor, its interface, its methods. */
    static byte[] api(RpcService service, long unixSeconds) {
        return GoJson.toBytes(out -> {
            out.writeStartObject();
            out.writeNullField("Vendor");
            out.writeArrayFieldStart("Implements");
            out.writeStartObject();
            out.writeStringField("Name", service.interfaceName());
            out.writeStringField("Version", service.interfaceVersion());
            out.writeEndObject();
            out.writeEndArray();
            out.writeArrayFieldStart("Interfaces");
            out.writeStartObject();
            out.writeStringField("Name", service.interfaceName());
            out.writeStringField("Version", service.interfaceVersion());
            out.writeFieldName("Methods");
            service.apiMethods(Long.toString(unixSeconds)).write(out);
            out.writeEndObject();
            out.writeEndArray();
            out.writeEndObject();
        });
    }

    private static void writeSpec(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeStringField("Name", Handshake.INSTANCE);
        out.writeStringField("Version", Handshake.VERSION_0_6_0);
        out.writeEndObject();
    }

    /** The zero value of each response struct: OK false, ID and Descriptions null. */
    private static void writeZeroResult(JsonGenerator out, InstanceCall call) throws IOException {
        out.writeStartObject();
        out.writeStringField("Type", "");
        switch (call.method()) {
            case "Provision" -> out.writeNullField("ID");
            case "DescribeInstances" -> out.writeNullField("Descriptions");
            default -> out.writeBooleanField("OK", false);
        }
        out.writeEndObject();
    }

    /** functions.json: this plugin exports no template functions. */
    static byte[] functions() {
        return "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
