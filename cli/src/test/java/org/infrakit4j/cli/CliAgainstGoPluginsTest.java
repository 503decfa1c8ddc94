package org.infrakit4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against InfraKit's own Go plugins (f9e924e7, built by hand from the public repository into
 * {@code ~/infrakit-reference/bin}; nothing of them is in the project): its file instance plugin, and its group plugin
 * with its vanilla flavor, all three Go processes on real unix sockets.
 */
class CliAgainstGoPluginsTest {
    private static final Path BIN = Path.of(System.getProperty("user.home"), "infrakit-reference", "bin");

    @TempDir
    Path home;
    private final List<Process> started = new ArrayList<>();

    /** Exit code, standard output and standard error of one run. */
    private record Run(int exit, String out, String err) {
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
    }

    private Path plugins() {
        return home.resolve("plugins");
    }

    private void startGo(String binary, String socket, String... args) throws Exception {
        Path exe = BIN.resolve(binary);
        assertThat(exe).as("InfraKit's Go plugin is needed at " + exe + " (../shared/tools/infrakit-reference "
                + "builds it from github.com/docker/infrakit at f9e924e7)").isExecutable();
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(home.resolve(binary + ".log").toFile());
        pb.environment().put("INFRAKIT_HOME", home.toString());
        pb.environment().put("INFRAKIT_PLUGINS_DIR", plugins().toString());
        Process p = pb.start();
        started.add(p);
        PluginProcess.awaitSocket(plugins().resolve(socket), p, Duration.ofSeconds(30));
    }

    private Run cli(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args[0], "--plugins-dir=" + plugins()));
        all.addAll(List.of(args).subList(1, args.length));
        int code = CliMain.run(all.toArray(String[]::new), new ByteArrayInputStream((stdin == null ? "" : stdin)
                .getBytes(StandardCharsets.UTF_8)), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 90 s").isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    @Test
    void instanceAndGroupCommandsDriveInfraKitsGoPlugins() throws Exception {
        Files.createDirectories(plugins());
        Path files = Files.createDirectories(home.resolve("go-instances"));
        startGo("infrakit-instance-file", "instance-file", "--dir", files.toString());
        startGo("infrakit-flavor-vanilla", "flavor-vanilla");
        startGo("infrakit-group-default", "group-go", "--name", "group-go", "--poll-interval", "300ms");

        assertThat(cli(null, "plugin", "ls").out()).contains("instance-file").contains("group-go")
                .contains("flavor-vanilla");

        // Instance calls against the Go file plugin: the reply shapes of its era, read by our client.
        Run made = cli("{\"Properties\":{\"a\":1},\"Tags\":{\"role\":\"web\"}}", "instance", "instance-file",
                "provision", "-");
        assertThat(made.exit()).as(made.err()).isZero();
        String id = made.out().trim();
        assertThat(id).startsWith("instance-");
        assertThat(cli(null, "instance", "instance-file", "describe", "--tags", "role=web").out())
                .contains(id).contains("role=web");
        assertThat(cli(null, "instance", "instance-file", "destroy", id).out()).isEqualTo("destroyed " + id + "\n");
        assertThat(cli(null, "instance", "instance-file", "describe").out().lines().count()).isEqualTo(1);

        // Group calls against the Go group plugin, which provisions through the Go file plugin with Go's vanilla.
        String spec = "{\"ID\":\"workers\",\"Properties\":{\"Instance\":{\"Plugin\":\"instance-file\","
                + "\"Properties\":{}},\"Flavor\":{\"Plugin\":\"flavor-vanilla\",\"Properties\":{\"Init\":[\"echo go\"]}},"
                + "\"Allocation\":{\"Size\":2}}}";
        Run commit = cli(spec, "group", "--group-plugin", "group-go", "commit", "-");
        assertThat(commit.exit()).as(commit.err()).isZero();
        assertThat(commit.out()).startsWith("Committed workers");
        await(() -> cli(null, "group", "--group-plugin", "group-go", "describe", "workers").out().lines().count()
                == 3);
        assertThat(cli(null, "group", "--group-plugin", "group-go", "describe", "workers").out())
                .contains("infrakit.group=workers");
        assertThat(cli(null, "group", "--group-plugin", "group-go", "inspect", "workers").out())
                .contains("\"Size\" : 2");
        Run destroyed = cli(null, "group", "--group-plugin", "group-go", "destroy", "workers");
        assertThat(destroyed.exit()).as(destroyed.err()).isZero();
        await(() -> cli(null, "instance", "instance-file", "describe").out().lines().count() == 1);
    }
}
