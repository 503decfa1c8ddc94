package org.infrakit4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstanceJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code instance <plugin> validate|provision|describe|label|destroy}: the five Instance calls. */
@Command(name = "instance", description = "Call an instance plugin: validate, provision, describe, label, destroy.")
final class InstanceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PLUGIN", description = "The plugin's name, lookup[/type].")
    String plugin;

    @Parameters(index = "1", paramLabel = "CALL", description = "validate, provision, describe, label or destroy.")
    String call;

    @Parameters(index = "2..*", paramLabel = "ARG", arity = "0..*",
            description = "validate FILE|-, provision FILE|- (an instance Spec), label ID KEY=VALUE..., destroy ID...")
    List<String> args = new ArrayList<>();

    @Option(names = "--tags", paramLabel = "KEY=VALUE", split = ",",
            description = "describe: only instances with all these tags.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--properties", description = "describe: include each instance's Properties.")
    boolean properties;

    @Override
    public Integer call() throws IOException {
        CliMain root = (CliMain) spec.root().userObject();
        PrintWriter out = spec.commandLine().getOut();
        try (InstancePluginClient c = root.client(plugin)) {
            switch (call) {
                case "validate" -> {
                    c.validate(new RawJson(CliMain.parse(root.read(one("a FILE or -")), "the Properties").toString()));
                    out.println(root.json ? "{\"OK\":true}" : "valid");
                }
                case "provision" -> {
                    String text = root.read(one("a FILE or -"));
                    CliMain.parse(text, "the Spec");
                    Spec s;
                    try {
                        s = InstanceJson.readSpec(new RawJson(text.trim()));
                    } catch (IOException e) {
                        throw new CliMain.UsageProblem("the Spec cannot be read: " + e.getMessage());
                    }
                    InstanceId id = c.provision(s);
                    out.println(root.json ? "{\"ID\":" + CliMain.JSON.writeValueAsString(id.value()) + "}" : id.value());
                }
                case "describe" -> describe(c, root.json, out);
                case "label" -> {
                    if (args.size() < 2) {
                        throw new CliMain.UsageProblem("label takes an instance ID and KEY=VALUE labels");
                    }
                    c.label(new InstanceId(args.get(0)), pairs(args.subList(1, args.size())));
                    out.println(root.json ? "{\"OK\":true}" : "labelled " + args.get(0));
                }
                case "destroy" -> {
                    if (args.isEmpty()) {
                        throw new CliMain.UsageProblem("destroy takes one or more instance IDs");
                    }
                    for (String id : args) {
                        c.destroy(new InstanceId(id), DestroyContext.TERMINATE);
                        if (!root.json) {
                            out.println("destroyed " + id);
                        }
                    }
                    if (root.json) {
                        out.println("{\"OK\":true}");
                    }
                }
                default -> throw new CliMain.UsageProblem("unknown call " + call
                        + ": validate, provision, describe, label or destroy");
            }
        }
        return CliMain.EXIT_OK;
    }

    private String one(String what) {
        if (args.size() != 1) {
            throw new CliMain.UsageProblem(call + " takes " + what);
        }
        return args.get(0);
    }

    static Map<String, String> pairs(List<String> items) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new CliMain.UsageProblem(item + " is not KEY=VALUE");
            }
            out.put(item.substring(0, eq), item.substring(eq + 1));
        }
        return out;
    }

    private void describe(InstancePluginClient c, boolean json, PrintWriter out) throws IOException {
        List<Description> list = c.describeInstances(pairs(tags), properties);
        if (json) {
            String text = new String(GoJson.toBytes(g -> {
                g.writeStartArray();
                for (Description d : list) {
                    InstanceJson.writeDescription(g, d);
                }
                g.writeEndArray();
            }), StandardCharsets.UTF_8);
            out.println(CliMain.pretty(CliMain.parse(text, "the reply")));
            return;
        }
        printDescriptions(out, list, properties);
    }

    /** The table of InfraKit's CLI: ID, LOGICAL ("  -   " when none), TAGS sorted k=v (and PROPERTIES). */
    static void printDescriptions(PrintWriter out, List<Description> list, boolean withProperties) {
        List<String[]> rows = new ArrayList<>();
        for (Description d : list) {
            List<String> tagList = new ArrayList<>();
            new TreeMap<>(d.tags()).forEach((k, v) -> tagList.add(k + "=" + v));
            String logical = d.logicalId().orElse("  -   ");
            rows.add(withProperties ? new String[] {d.id().value(), logical, String.join(",", tagList),
                d.properties().json()} : new String[] {d.id().value(), logical, String.join(",", tagList)});
        }
        Table.print(out, withProperties ? List.of("ID", "LOGICAL", "TAGS", "PROPERTIES")
                : List.of("ID", "LOGICAL", "TAGS"), rows);
    }

}
