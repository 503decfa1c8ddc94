package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstanceJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * A {@link Flavor} in another process, called over InfraKit's Flavor/0.1.0 wire as Go's flavor client calls it
 * (f9e924e7 pkg/rpc/flavor/client.go): a {@code Handshake.Implements} check once, then one call per method with
 * the sub-type of the plugin's name as {@code Type}.
 */
final class FlavorPluginClient implements Flavor, AutoCloseable {
    private final InstancePluginClient transport;
    private final String type;
    private volatile boolean handshaken;

    /** @param transport the plugin's socket (its own type ignored); @param type the flavor's sub-type, "" for none */
    FlavorPluginClient(InstancePluginClient transport, String type) {
        this.transport = transport;
        this.type = type;
    }

    private JsonNode call(String method, GoJson.Writer params) {
        if (!handshaken) {
            handshake();
        }
        return parse(transport.callMethod("Flavor." + method, params));
    }

    private void handshake() {
        JsonNode implemented = parse(transport.callMethod("Handshake.Implements", out -> {
            out.writeStartObject();
            out.writeEndObject();
        }));
        for (JsonNode api : GoFields.field(implemented, "APIs")) {
            if (FlavorWire.INTERFACE.equals(GoFields.field(api, "Name").asText())
                    && FlavorWire.VERSION.equals(GoFields.field(api, "Version").asText())) {
                handshaken = true;
                return;
            }
        }
        throw new InstanceException(ErrorCode.BACKEND_ERROR, "plugin at " + transport.address()
                + " does not implement " + FlavorWire.INTERFACE + "/" + FlavorWire.VERSION + " (it answered "
                + implemented + ")");
    }

    private JsonNode parse(RawJson result) {
        try {
            return GoFields.parse(result.json());
        } catch (GoFields.BadJson e) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "unreadable reply from flavor plugin at "
                    + transport.address() + ": " + e.getMessage());
        }
    }

    @Override
    public void validate(RawJson properties, Allocation allocation) {
        call("Validate", FlavorWire.validate(type, properties, allocation));
    }

    @Override
    public Spec prepare(RawJson properties, Spec spec, Allocation allocation, Index index) {
        JsonNode result = call("Prepare", FlavorWire.prepare(type, properties, spec, allocation, index));
        try {
            return InstanceJson.readSpec(GoFields.raw(result, "Spec"));
        } catch (IOException e) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "unreadable Spec from flavor plugin at "
                    + transport.address() + ": " + e.getMessage());
        }
    }

    @Override
    public Health healthy(RawJson properties, Description instance) {
        JsonNode result = call("Healthy", FlavorWire.withInstance(type, properties, instance));
        return Health.fromWire(GoFields.field(result, "Health").asLong());
    }

    @Override
    public void drain(RawJson properties, Description instance) {
        call("Drain", FlavorWire.withInstance(type, properties, instance));
    }

    @Override
    public void close() {
        transport.close();
    }
}
