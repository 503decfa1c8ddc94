package org.infrakit4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code infrakit4j}: the command line for instance and group plugins, ours and InfraKit's Go ones alike.
 *
 * <p>Exit codes: {@value #EXIT_OK} done; {@value #EXIT_REFUSED} the plugin answered an error;
 * {@value #EXIT_USAGE} bad command line or input; {@value #EXIT_UNREACHABLE} no such plugin, or it did not answer.
 */
@Command(name = "infrakit4j", mixinStandardHelpOptions = true, versionProvider = CliMain.Version.class,
        description = "Command line for InfraKit instance and group plugins.",
        subcommands = {CliMain.PluginCommand.class, InstanceCommand.class, GroupCommand.class,
            CliMain.CompletionCommand.class},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "1:the plugin answered an error", "2:bad command line or input",
            "3:no such plugin, or it did not answer"})
public final class CliMain {
    public static final int EXIT_OK = 0;
    public static final int EXIT_REFUSED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--plugins-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Socket directory (default: $INFRAKIT_PLUGINS_DIR, else $INFRAKIT_HOME/plugins, else "
                    + "~/.infrakit/plugins).")
    Path pluginsDir;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30", scope = ScopeType.INHERIT,
            description = "How long one call may take (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** Where "-" reads from; System.in unless a test gives another. */
    InputStream stdin = System.in;

    public static void main(String[] args) {
        System.exit(run(args, System.in, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /** Runs one command line; what {@code main} and the tests call. */
    static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
        CliMain root = new CliMain();
        root.stdin = in;
        CommandLine cli = commandLine(root);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("error: " + (e instanceof InstanceException failure ? WireErrors.text(failure)
                    : e.getMessage()));
            line.getErr().flush();
            if (e instanceof UsageProblem) {
                return EXIT_USAGE;
            }
            if (e instanceof Unreachable) {
                return EXIT_UNREACHABLE;
            }
            if (e instanceof InstanceException ie) {
                return ie.code() == ErrorCode.BACKEND_UNAVAILABLE ? EXIT_UNREACHABLE : EXIT_REFUSED;
            }
            return EXIT_REFUSED;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static CommandLine commandLine(CliMain root) {
        CommandLine cli = new CommandLine(root);
        cli.setExitCodeExceptionMapper(e -> EXIT_USAGE);
        return cli;
    }

    /** Bad input (a spec that is not JSON, a label that is not key=value): exit code 2. */
    static final class UsageProblem extends RuntimeException {
        UsageProblem(String message) {
            super(message);
        }
    }

    /** No plugin of that name in the directory: exit code 3. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    PluginDirectory directory() {
        return pluginsDir == null ? PluginDirectory.fromEnvironment() : new PluginDirectory(pluginsDir);
    }

    InstancePluginClient client(String name) {
        try {
            return InstancePluginClient.forName(directory(), name, Duration.ofSeconds(timeoutSeconds));
        } catch (IOException e) {
            throw new Unreachable(e.getMessage());
        }
    }

    /** A file's text, or standard input's for "-". */
    String read(String source) {
        try {
            if (source.equals("-")) {
                return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(Path.of(source));
        } catch (IOException e) {
            throw new UsageProblem("cannot read " + source + ": " + e.getMessage());
        }
    }

    static JsonNode parse(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UsageProblem(what + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    static String pretty(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code plugin ls}: every plugin in the directory with the interfaces it answers for. */
    @Command(name = "plugin", description = "Plugins in the plugin directory.", subcommands = PluginLs.class)
    static final class PluginCommand {
    }

    /** Name, interfaces (Handshake.Types) and socket of each plugin. */
    @Command(name = "ls", description = "List the plugins: name, interfaces, socket.")
    static final class PluginLs implements Callable<Integer> {
        @CommandLine.ParentCommand
        PluginCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            CliMain root = (CliMain) spec.root().userObject();
            Map<String, String> found = new TreeMap<>(root.directory().discover());
            List<String[]> rows = new ArrayList<>();
            com.fasterxml.jackson.databind.node.ArrayNode array = JSON.createArrayNode();
            for (Map.Entry<String, String> e : found.entrySet()) {
                String interfaces;
                try (InstancePluginClient c = root.client(e.getKey())) {
                    JsonNode types = JSON.readTree(c.types().json());
                    List<String> names = new ArrayList<>();
                    types.fieldNames().forEachRemaining(names::add);
                    interfaces = String.join(",", names);
                } catch (InstanceException | Unreachable ex) {
                    interfaces = "(not answering)";
                }
                rows.add(new String[] {e.getKey(), interfaces, e.getValue()});
                array.addObject().put("Name", e.getKey()).put("Interfaces", interfaces).put("Socket", e.getValue());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (root.json) {
                out.println(pretty(array));
            } else {
                Table.print(out, List.of("NAME", "INTERFACES", "SOCKET"), rows);
            }
            return EXIT_OK;
        }
    }

    /** {@code completion}: the bash completion script, generated from the commands themselves. */
    @Command(name = "completion", description = "Print the bash completion script: source <(infrakit4j completion)")
    static final class CompletionCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(AutoComplete.bash("infrakit4j", spec.root().commandLine()));
            return EXIT_OK;
        }
    }

    /** The version of the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CliMain.class.getPackage().getImplementationVersion();
            return new String[] {"infrakit4j " + (v == null ? "(development build)" : v)};
        }
    }
}
