package org.infrakit4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstanceJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.RawJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code group commit|describe|inspect|destroy|free|size}: InfraKit's Group SPI, worded as InfraKit's CLI words it. */
@Command(name = "group", description = "Call a group plugin: commit, describe, inspect, destroy, free, size.")
final class GroupCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CALL", description = "commit, describe, inspect, destroy, free or size.")
    String call;

    @Parameters(index = "1..*", paramLabel = "ARG", arity = "0..*",
            description = "commit FILE|- (a group Spec: ID and Properties); describe|inspect|destroy|free ID; "
                    + "size ID [N]")
    List<String> args = new ArrayList<>();

    @Option(names = "--group-plugin", paramLabel = "NAME", defaultValue = "group",
            description = "The group plugin's name (default: ${DEFAULT-VALUE}).")
    String groupPlugin;

    @Option(names = "--pretend", description = "commit: only explain what would be done.")
    boolean pretend;

    @Override
    public Integer call() throws IOException {
        CliMain root = (CliMain) spec.root().userObject();
        PrintWriter out = spec.commandLine().getOut();
        try (InstancePluginClient c = root.client(groupPlugin)) {
            switch (call) {
                case "commit" -> {
                    JsonNode groupSpec = CliMain.parse(root.read(one("a FILE or -")), "the group Spec");
                    String id = groupSpec.path("ID").asText("");
                    RawJson props = new RawJson(groupSpec.path("Properties").isMissingNode() ? "null"
                            : groupSpec.get("Properties").toString());
                    JsonNode r = call(c, "CommitGroup", g -> {
                        g.writeStartObject();
                        g.writeObjectFieldStart("Spec");
                        g.writeStringField("ID", id);
                        g.writeFieldName("Properties");
                        GoJson.writeRaw(g, props);
                        g.writeEndObject();
                        g.writeBooleanField("Pretend", pretend);
                        g.writeEndObject();
                    });
                    String details = r.path("Details").asText();
                    out.println(root.json ? CliMain.pretty(r) : pretend
                            ? "Committing " + id + " would involve: " + details : "Committed " + id + ": " + details);
                }
                case "describe" -> {
                    JsonNode r = call(c, "DescribeGroup", byId(one("a group ID")));
                    if (root.json) {
                        out.println(CliMain.pretty(r));
                    } else {
                        List<Description> list = new ArrayList<>();
                        for (JsonNode d : r.path("Description").path("Instances")) {
                            list.add(InstanceJson.readDescription(new RawJson(d.toString())));
                        }
                        InstanceCommand.printDescriptions(out, list, false);
                    }
                }
                case "inspect" -> {
                    String id = one("a group ID");
                    JsonNode r = call(c, "InspectGroups", byId(""));
                    Optional<JsonNode> found = Optional.empty();
                    for (JsonNode g : r.path("Groups")) {
                        if (id.equals(g.path("ID").asText())) {
                            found = Optional.of(g);
                        }
                    }
                    out.println(CliMain.pretty(found.orElseThrow(() -> new org.infrakit4j.spi.InstanceException(
                            org.infrakit4j.spi.ErrorCode.NOT_FOUND, "Group " + id + " is not being watched"))));
                }
                case "destroy" -> {
                    String id = one("a group ID");
                    JsonNode r = call(c, "DestroyGroup", byId(id));
                    out.println(root.json ? CliMain.pretty(r) : "Destroy " + id + " initiated");
                }
                case "free" -> {
                    String id = one("a group ID");
                    JsonNode r = call(c, "FreeGroup", byId(id));
                    out.println(root.json ? CliMain.pretty(r) : "Freed " + id);
                }
                case "size" -> size(c, root.json, out);
                default -> throw new CliMain.UsageProblem("unknown call " + call
                        + ": commit, describe, inspect, destroy, free or size");
            }
        }
        return CliMain.EXIT_OK;
    }

    private void size(InstancePluginClient c, boolean json, PrintWriter out) {
        if (args.size() == 1) {
            JsonNode r = call(c, "Size", byId(args.get(0)));
            out.println(json ? CliMain.pretty(r) : r.path("Size").asText());
            return;
        }
        if (args.size() != 2) {
            throw new CliMain.UsageProblem("size takes a group ID, and a new size to set it");
        }
        long n;
        try {
            n = Long.parseLong(args.get(1));
        } catch (NumberFormatException e) {
            throw new CliMain.UsageProblem(args.get(1) + " is not a number");
        }
        String id = args.get(0);
        JsonNode r = call(c, "SetSize", g -> {
            g.writeStartObject();
            g.writeStringField("ID", id);
            g.writeNumberField("Size", n);
            g.writeEndObject();
        });
        out.println(json ? CliMain.pretty(r) : "Size of " + id + " set to " + n);
    }

    private String one(String what) {
        if (args.size() != 1) {
            throw new CliMain.UsageProblem(call + " takes " + what);
        }
        return args.get(0);
    }

    private static GoJson.Writer byId(String id) {
        return g -> {
            g.writeStartObject();
            g.writeStringField("ID", id);
            g.writeEndObject();
        };
    }

    private static JsonNode call(InstancePluginClient c, String method, GoJson.Writer params) {
        return CliMain.parse(c.callMethod("Group." + method, params).json(), "the reply");
    }
}
