package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstanceJson;
import org.infrakit4j.rpc.RpcService;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.HealthProbe;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;

/**
 * InfraKit's Group/0.1.0 wire (f9e924e7 pkg/rpc/group: types.go, service.go) over our RPC server: one unkeyed
 * object ("."), the request and response structs with Go's keys in declaration order, and the group plugin's
 * errors answered with their exact text.
 */
final class GroupService implements RpcService, HealthProbe {
    static final String INTERFACE = "Group";
    static final String VERSION = "0.1.0";
    private static final List<String> METHODS = List.of("CommitGroup", "DescribeGroup", "DestroyGroup",
            "DestroyInstances", "FreeGroup", "InspectGroups", "SetSize", "Size");

    private final GroupPlugin groups;

    GroupService(GroupPlugin groups) {
        this.groups = groups;
    }

    @Override
    public String interfaceName() {
        return INTERFACE;
    }

    @Override
    public String interfaceVersion() {
        return VERSION;
    }

    @Override
    public List<String> objectNames() {
        return List.of(".");
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
        JsonNode p;
        try {
            p = GoFields.params(params);
        } catch (GoFields.BadJson e) {
            throw Failure.invalidParams(e.getMessage());
        }
        try {
            return answer(method, p);
        } catch (GoFields.BadJson e) {
            throw Failure.invalidParams(e.getMessage());
        } catch (GroupException e) {
            throw Failure.of(e.kind(), e.getMessage());
        } catch (InstanceException e) {
            throw Failure.of(e.code(), WireErrors.text(e));
        }
    }

    private GoJson.Writer answer(String method, JsonNode p) throws GoFields.BadJson {
        String id = GoFields.string(p, "ID", "");
        switch (method) {
            case "CommitGroup" -> {
                JsonNode spec = GoFields.object(p, "Spec", "");
                String group = GoFields.string(spec, "ID", "Spec.");
                String details = groups.commit(group, GoFields.raw(spec, "Properties"),
                        GoFields.bool(p, "Pretend", ""));
                return commitResult(group, details);
            }
            case "FreeGroup" -> {
                groups.free(id);
                return idResult(id);
            }
            case "DescribeGroup" -> {
                GroupPlugin.GroupDescription d = groups.describe(id);
                return describeResult(id, d.instances(), d.converged());
            }
            case "DestroyGroup" -> {
                groups.destroy(id);
                return idResult(id);
            }
            case "InspectGroups" -> {
                return inspectResult(groups.inspect());
            }
            case "DestroyInstances" -> {
                List<InstanceId> targets = new ArrayList<>();
                for (String s : GoFields.strings(p, "Instances", "")) {
                    targets.add(new InstanceId(s));
                }
                groups.destroyInstances(id, targets);
                return idResult(id);
            }
            case "Size" -> {
                long size = groups.size(id);
                return out -> {
                    out.writeStartObject();
                    out.writeStringField("ID", id);
                    out.writeNumberField("Size", size);
                    out.writeEndObject();
                };
            }
            case "SetSize" -> {
                groups.setSize(id, GoFields.integer(p, "Size", "", Long.MIN_VALUE));
                return idResult(id);
            }
            default -> throw new IllegalArgumentException(method);
        }
    }

    static GoJson.Writer idResult(String id) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("ID", id);
            out.writeEndObject();
        };
    }

    static GoJson.Writer commitResult(String id, String details) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("ID", id);
            out.writeStringField("Details", details);
            out.writeEndObject();
        };
    }

    /** Instances null when there are none (Go's nil slice). */
    static GoJson.Writer describeResult(String id, List<Description> instances, boolean converged) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("ID", id);
            out.writeObjectFieldStart("Description");
            out.writeFieldName("Instances");
            if (instances.isEmpty()) {
                out.writeNull();
            } else {
                out.writeStartArray();
                for (Description d : instances) {
                    InstanceJson.writeDescription(out, d);
                }
                out.writeEndArray();
            }
            out.writeBooleanField("Converged", converged);
            out.writeEndObject();
            out.writeEndObject();
        };
    }

    /** Go's service leaves the response ID empty; Groups is null when there are none. */
    static GoJson.Writer inspectResult(List<Map.Entry<String, RawJson>> specs) {
        return out -> {
            out.writeStartObject();
            out.writeStringField("ID", "");
            out.writeFieldName("Groups");
            if (specs.isEmpty()) {
                out.writeNull();
            } else {
                out.writeStartArray();
                for (Map.Entry<String, RawJson> s : specs) {
                    writeSpec(out, s.getKey(), s.getValue());
                }
                out.writeEndArray();
            }
            out.writeEndObject();
        };
    }

    private static void writeSpec(com.fasterxml.jackson.core.JsonGenerator out, String id, RawJson properties)
            throws java.io.IOException {
        out.writeStartObject();
        out.writeStringField("ID", id);
        out.writeFieldName("Properties");
        GoJson.writeRaw(out, properties);
        out.writeEndObject();
    }

    private static GoJson.Writer idRequest(String id) {
        return idResult(id);
    }

    /** Go's reflector: the methods sorted by name, each with its zero request and zero response. */
    @Override
    public GoJson.Writer apiMethods(String id) {
        return out -> {
            out.writeStartArray();
            ApiMethods.write(out, id, "Group.CommitGroup", o -> {
                o.writeStartObject();
                o.writeFieldName("Spec");
                writeSpec(o, "", RawJson.NULL);
                o.writeBooleanField("Pretend", false);
                o.writeEndObject();
            }, commitResult("", ""));
            ApiMethods.write(out, id, "Group.DescribeGroup", idRequest(""), o -> {
                o.writeStartObject();
                o.writeStringField("ID", "");
                o.writeObjectFieldStart("Description");
                o.writeNullField("Instances");
                o.writeBooleanField("Converged", false);
                o.writeEndObject();
                o.writeEndObject();
            });
            ApiMethods.write(out, id, "Group.DestroyGroup", idRequest(""), idResult(""));
            ApiMethods.write(out, id, "Group.DestroyInstances", o -> {
                o.writeStartObject();
                o.writeStringField("ID", "");
                o.writeNullField("Instances");
                o.writeEndObject();
            }, idResult(""));
            ApiMethods.write(out, id, "Group.FreeGroup", idRequest(""), idResult(""));
            ApiMethods.write(out, id, "Group.InspectGroups", idRequest(""), inspectResult(List.of()));
            ApiMethods.write(out, id, "Group.SetSize", sized(""), idResult(""));
            ApiMethods.write(out, id, "Group.Size", idRequest(""), sized(""));
            out.writeEndArray();
        };
    }

    private static GoJson.Writer sized(String id) {
        return o -> {
            o.writeStartObject();
            o.writeStringField("ID", id);
            o.writeNumberField("Size", 0);
            o.writeEndObject();
        };
    }

    @Override
    public String metricsText() {
        return groups.metricsText();
    }

    @Override
    public void checkHealth() {
        List<String> problems = groups.problems();
        if (!problems.isEmpty()) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, String.join("; ", problems));
        }
    }
}
