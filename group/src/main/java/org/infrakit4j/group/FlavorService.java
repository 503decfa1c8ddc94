package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstanceJson;
import org.infrakit4j.rpc.RpcService;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * Serves {@link Flavor}s as InfraKit's Flavor/0.1.0 server does (f9e924e7 pkg/rpc/flavor/service.go): the
 * {@code Type} of a request picks a typed flavor ("" the default), is echoed in the reply, and an unknown one is
 * {@code no-plugin:<type>}. Give it to {@code PluginServer.start} to write a flavor plugin in Java.
 */
public final class FlavorService implements RpcService {
    private final Map<String, Flavor> flavors;

    private static final List<String> METHODS = List.of("Validate", "Prepare", "Healthy", "Drain");

    /** @param flavors by type; key "" is the default flavor */
    public FlavorService(Map<String, Flavor> flavors) {
        if (flavors.isEmpty()) {
            throw new IllegalArgumentException("no flavor to serve");
        }
        this.flavors = new TreeMap<>(flavors);
    }

    @Override
    public String interfaceName() {
        return FlavorWire.INTERFACE;
    }

    @Override
    public String interfaceVersion() {
        return FlavorWire.VERSION;
    }

    /** Go sorts the names with "." among them, so "." comes first. */
    @Override
    public List<String> objectNames() {
        List<String> names = new ArrayList<>();
        flavors.keySet().forEach(k -> names.add(k.isEmpty() ? "." : k));
        names.sort(GoJson.KEY_ORDER);
        return names;
    }

    @Override
    public List<String> methodNames() {
        return METHODS;
    }

    @Override
    public GoJson.Writer call(String method, RawJson params) throws Failure {
        if (!METHODS.contains(method)) {
            return null;
        }
        String type;
        RawJson properties;
        JsonNode p;
        try {
            p = GoFields.params(params);
            type = GoFields.string(p, "Type", "");
            properties = GoFields.raw(p, "Properties");
        } catch (GoFields.BadJson e) {
            throw Failure.invalidParams(e.getMessage());
        }
        Flavor flavor = flavors.get(type);
        if (flavor == null) {
            throw Failure.of(ErrorCode.NOT_FOUND, "no-plugin:" + type);
        }
        try {
            return switch (method) {
                case "Validate" -> {
                    flavor.validate(properties, allocation(p));
                    yield FlavorWire.ok(type, true);
                }
                case "Prepare" -> {
                    JsonNode index = object(p, "Index");
                    Spec spec = flavor.prepare(properties, spec(p), allocation(p),
                            new Flavor.Index(GoFields.string(index, "Group", "Index."),
                                    GoFields.integer(index, "Sequence", "Index.", 0)));
                    yield FlavorWire.prepared(type, spec);
                }
                case "Healthy" -> FlavorWire.health(type, flavor.healthy(properties, instance(p)).wire());
                default -> {
                    flavor.drain(properties, instance(p));
                    yield FlavorWire.ok(type, true);
                }
            };
        } catch (GoFields.BadJson e) {
            throw Failure.invalidParams(e.getMessage());
        } catch (InstanceException e) {
            throw Failure.of(e.code(), WireErrors.text(e));
        }
    }

    private static JsonNode object(JsonNode p, String name) throws GoFields.BadJson {
        return GoFields.object(p, name, "");
    }

    private static Allocation allocation(JsonNode p) throws GoFields.BadJson {
        return Allocation.read(object(p, "Allocation"), "Allocation.");
    }

    private static Spec spec(JsonNode p) throws GoFields.BadJson {
        JsonNode s = object(p, "Spec");
        if (s.isNull()) {
            return Spec.of(RawJson.NULL, Map.of());
        }
        try {
            return InstanceJson.readSpec(GoFields.raw(s));
        } catch (IOException e) {
            throw new GoFields.BadJson("Spec: " + e.getMessage());
        }
    }

    private static Description instance(JsonNode p) throws GoFields.BadJson {
        JsonNode d = object(p, "Instance");
        if (d.isNull()) {
            return Description.of(new InstanceId(""), Optional.empty(), Map.of());
        }
        try {
            return InstanceJson.readDescription(GoFields.raw(d));
        } catch (IOException e) {
            throw new GoFields.BadJson("Instance: " + e.getMessage());
        }
    }

    /** Go's reflector lists the methods sorted by name, each with its zero request and zero response. */
    @Override
    public GoJson.Writer apiMethods(String id) {
        Allocation none = new Allocation(0, List.of());
        Description zero = Description.of(new InstanceId(""), Optional.empty(), Map.of());
        Spec zeroSpec = Spec.of(RawJson.NULL, Map.of());
        return out -> {
            out.writeStartArray();
            ApiMethods.write(out, id, "Flavor.Drain", FlavorWire.withInstance("", RawJson.NULL, zero),
                    FlavorWire.ok("", false));
            ApiMethods.write(out, id, "Flavor.Healthy", FlavorWire.withInstance("", RawJson.NULL, zero),
                    FlavorWire.health("", 0));
            ApiMethods.write(out, id, "Flavor.Prepare", FlavorWire.prepare("", RawJson.NULL, zeroSpec, none,
                    new Flavor.Index("", 0)), FlavorWire.prepared("", zeroSpec));
            ApiMethods.write(out, id, "Flavor.Validate", FlavorWire.validate("", RawJson.NULL, none),
                    FlavorWire.ok("", false));
            out.writeEndArray();
        };
    }
}
