package org.infrakit4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.infrakit4j.file.FileInstancePlugin;
import org.infrakit4j.group.GroupMain;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against the real file plugin and our group plugin (its own process), both on real unix sockets. */
class CliTest {
    @TempDir
    Path home;
    private FileInstancePlugin file;
    private PluginServer fileServer;
    private PluginProcess processes;

    /** Exit code, standard output and standard error of one run. */
    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void start() throws Exception {
        Path plugins = home.resolve("plugins");
        java.nio.file.Files.createDirectories(plugins);
        file = FileInstancePlugin.open(home.resolve("instances"));
        fileServer = PluginServer.start(PluginServer.Config.of(plugins.resolve("instance-file")), Map.of("", file));
    }

    @AfterEach
    void stop() throws Exception {
        if (processes != null) {
            processes.close();
        }
        fileServer.close();
        file.close();
    }

    private Run cli(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = args[0];
        all[1] = "--plugins-dir=" + home.resolve("plugins");
        System.arraycopy(args, 1, all, 2, args.length - 1);
        int code = CliMain.run(all, new ByteArrayInputStream((stdin == null ? "" : stdin)
                .getBytes(StandardCharsets.UTF_8)), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void instanceCallsPrintTablesOrJsonWithDocumentedExitCodes() {
        Run made = cli("{\"Properties\":{\"a\":1},\"Tags\":{\"role\":\"web\"},\"LogicalID\":\"10.0.0.9\"}",
                "instance", "instance-file", "provision", "-");
        assertThat(made.exit()).as(made.err()).isZero();
        String id = made.out().trim();
        assertThat(id).isNotEmpty();
        Run described = cli(null, "instance", "instance-file", "describe", "--tags", "role=web");
        assertThat(described.out()).startsWith(String.format("%-30s\t%-30s\t%s%n", "ID", "LOGICAL", "TAGS"))
                .contains(String.format("%-30s\t%-30s\t%s", id, "10.0.0.9", "role=web"));
        assertThat(cli(null, "instance", "instance-file", "label", id, "owner=me").exit()).isZero();
        Run json = cli(null, "instance", "instance-file", "describe", "--json");
        assertThat(json.out()).contains("\"ID\" : \"" + id + "\"").contains("\"owner\" : \"me\"");
        assertThat(cli(null, "instance", "instance-file", "destroy", id).out()).isEqualTo("destroyed " + id + "\n");
        assertThat(cli(null, "instance", "instance-file", "describe").out().lines().count()).isEqualTo(1);

        Run notJson = cli("{nope", "instance", "instance-file", "validate", "-");
        assertThat(notJson.exit()).isEqualTo(CliMain.EXIT_USAGE);
        assertThat(notJson.err()).startsWith("error: the Properties is not JSON");
        Run refused = cli(null, "instance", "instance-file", "label", "no-such-instance", "a=b");
        assertThat(refused.exit()).isEqualTo(CliMain.EXIT_REFUSED);
        assertThat(refused.err()).contains("no-such-instance");
        Run missing = cli(null, "instance", "instance-nowhere", "describe");
        assertThat(missing.exit()).isEqualTo(CliMain.EXIT_UNREACHABLE);
        assertThat(missing.err()).contains("no plugin named \"instance-nowhere\"");
        assertThat(cli(null, "instance").exit()).isEqualTo(CliMain.EXIT_USAGE);
    }

    @Test
    void groupCommandsDriveOurGroupPluginToASelfHealingGroupOfThree() throws Exception {
        processes = new PluginProcess(GroupMain.class, home, Map.of());
        Process group = processes.start("--poll-interval", "300ms");
        PluginProcess.awaitSocket(processes.socket("group"), group, Duration.ofSeconds(60));
        String spec = "{\"ID\":\"workers\",\"Properties\":{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":"
                + "{}},\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{\"Tags\":{\"role\":\"w\"}}},"
                + "\"Allocation\":{\"Size\":3}}}";
        assertThat(cli(spec, "group", "commit", "--pretend", "-").out())
                .isEqualTo("Committing workers would involve: Managing 3 instances\n");
        Run commit = cli(spec, "group", "commit", "-");
        assertThat(commit.out()).as(commit.err()).isEqualTo("Committed workers: Managing 3 instances\n");
        await(() -> cli(null, "group", "describe", "workers").out().lines().count() == 4);
        assertThat(cli(null, "group", "describe", "workers").out()).contains("infrakit.group=workers", "role=w");
        assertThat(cli(null, "group", "size", "workers").out()).isEqualTo("3\n");
        assertThat(cli(null, "group", "inspect", "workers").out()).contains("\"Size\" : 3");
        assertThat(cli(null, "plugin", "ls").out()).contains("Group/0.1.0").contains("Instance/0.6.0");
        assertThat(cli(null, "group", "size", "workers", "2").out()).isEqualTo("Size of workers set to 2\n");
        await(() -> cli(null, "group", "describe", "workers").out().lines().count() == 3);
        assertThat(cli(null, "group", "destroy", "workers").out()).isEqualTo("Destroy workers initiated\n");
        assertThat(cli(null, "instance", "instance-file", "describe").out().lines().count()).isEqualTo(1);
        Run free = cli(null, "group", "free", "workers");
        assertThat(free.exit()).isEqualTo(CliMain.EXIT_REFUSED);
        assertThat(free.err()).contains("Group 'workers' is not being watched");
    }

    @Test
    void bashCompletionIsGeneratedFromTheCommands() {
        Run completion = cli(null, "completion");
        assertThat(completion.exit()).isZero();
        assertThat(completion.out()).contains("infrakit4j").contains("group").contains("instance")
                .contains("complete -F");
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 60 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
