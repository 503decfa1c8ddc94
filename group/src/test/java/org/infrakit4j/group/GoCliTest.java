package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.spi.Description;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InfraKit's own Go CLI (f9e924e7 era, built by hand from the public repository into
 * {@code ~/infrakit-reference/bin}; nothing of it is in the project) drives our group plugin unchanged:
 * {@code infrakit group commit|describe|inspect|free|destroy}, through the plugin discovery of its era.
 */
class GoCliTest {
    private static final Path INFRAKIT = Path.of(System.getProperty("user.home"), "infrakit-reference", "bin",
            "infrakit");

    @TempDir
    Path home;
    private GroupFixture fx;

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** Output and exit code of one CLI run. */
    private record Run(int exit, String out) {
    }

    private Run infrakit(String stdin, String... args) throws Exception {
        assertThat(INFRAKIT).as("InfraKit's Go CLI is needed at " + INFRAKIT + " (build it from "
                + "github.com/docker/infrakit at f9e924e7)").isExecutable();
        List<String> cmd = new java.util.ArrayList<>(List.of(INFRAKIT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("INFRAKIT_HOME", home.toString());
        pb.environment().put("INFRAKIT_PLUGINS_DIR", fx.dir.path().toString());
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the CLI finished").isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private List<Description> members(String group) {
        return fx.instancePlugin().describeInstances(Map.of("infrakit.group", group), false);
    }

    @Test
    void goCliCommitsDescribesInspectsFreesAndDestroysOurGroup() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String spec = "{\"ID\":\"workers\",\"Properties\":" + GroupFixture.cattle(3, "{\"Tags\":{\"role\":\"w\"}}")
                + "}";
        Run pretend = infrakit(spec, "group", "commit", "--pretend", "-");
        assertThat(pretend.out()).contains("Committing workers would involve: Managing 3 instances");
        Run commit = infrakit(spec, "group", "commit", "-");
        assertThat(commit.out()).contains("Committed workers: Managing 3 instances");
        assertThat(commit.exit()).isZero();
        GroupFixture.await("3 members", () -> members("workers").size() == 3);

        Run describe = infrakit(null, "group", "describe", "workers");
        assertThat(describe.exit()).isZero();
        assertThat(describe.out()).contains("ID", "LOGICAL", "TAGS");
        for (Description d : members("workers")) {
            assertThat(describe.out()).contains(d.id().value()).contains("infrakit.group=workers")
                    .contains("role=w");
        }
        Run inspect = infrakit(null, "group", "inspect", "workers");
        assertThat(inspect.exit()).isZero();
        assertThat(inspect.out()).contains("\"ID\": \"workers\"").contains("\"Plugin\": \"instance-file\"")
                .contains("\"Size\": 3");

        Run free = infrakit(null, "group", "free", "workers");
        assertThat(free.out()).contains("Freed workers");
        assertThat(fx.group.groups().inspect()).isEmpty();
        assertThat(members("workers")).hasSize(3);

        assertThat(infrakit(spec, "group", "commit", "-").out()).contains("Committed workers: Managing 3 instances");
        Run destroy = infrakit(null, "group", "destroy", "workers");
        assertThat(destroy.out()).contains("Destroy workers initiated");
        assertThat(members("workers")).isEmpty();
        Files.writeString(home.resolve("cli-transcript.txt"), pretend.out() + commit.out() + describe.out()
                + inspect.out() + free.out() + destroy.out());
    }
}
