package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.testkit.CommandRun;
import org.junit.jupiter.api.Test;

/** {@code infrakit-group}'s command line: its flags, defaults and the checks made before anything is served. */
class GroupMainTest {
    @Test
    void helpListsEveryFlagWithItsDefaultAndTheExitCodes() {
        String help = new GroupMain().flags().help();
        assertThat(help).startsWith("Usage: infrakit-group [FLAG...]\n")
                .contains("InfraKit group plugin: keeps groups of instances at their committed config")
                .contains("--state-file=FILE", "$INFRAKIT_HOME/group/groups.json")
                .contains("--poll-interval=DURATION", "e.g. 500ms, 10s, 1m (default: 10s).")
                .contains("--max-parallel=N", "(default: 4).")
                .contains("--call-timeout=DURATION", "flavor plugin may take (default: 30s).")
                .contains("--name=NAME", "(default: group).", "--plugins-dir=DIR", "--log-level=LEVEL",
                        "--log-format=FORMAT", "--max-body=BYTES", "--stop-timeout=SECONDS", "--max-connections=N",
                        "--idle-timeout=SECONDS", "-h, --help", "-V, --version")
                .contains("Exit codes:", "0   stopped cleanly (SIGTERM or SIGINT)", "1   failed while serving",
                        "2   bad command line", "3   could not start (socket in use, state file locked or unreadable)")
                .doesNotContain("${DEFAULT-VALUE}");
    }

    @Test
    void defaultsWhenNotGiven() throws Exception {
        GroupMain main = new GroupMain();
        main.flags().parse();
        assertThat(main.stateFile.get()).isNull();
        assertThat(main.stateFile.given()).isFalse();
        assertThat(main.pollInterval.get()).isEqualTo("10s");
        assertThat(main.maxParallel.get()).isEqualTo(4);
        assertThat(main.callTimeout.get()).isEqualTo("30s");
        assertThat(main.common.name()).isNull();
    }

    @Test
    void readsEveryFlag() throws Exception {
        GroupMain main = new GroupMain();
        main.flags().parse("--state-file", "/tmp/g.json", "--poll-interval=500ms", "--max-parallel", "8",
                "--call-timeout", "PT1M", "--name", "group-2");
        assertThat(main.stateFile.get()).isEqualTo(Path.of("/tmp/g.json"));
        assertThat(main.pollInterval.get()).isEqualTo("500ms");
        assertThat(main.maxParallel.get()).isEqualTo(8);
        assertThat(main.callTimeout.get()).isEqualTo("PT1M");
        assertThat(main.common.name()).isEqualTo("group-2");
        assertThat(GroupMain.duration("--poll-interval", main.pollInterval.get())).isEqualTo(Duration.ofMillis(500));
        assertThat(GroupMain.duration("--call-timeout", main.callTimeout.get())).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void durationsInGoAndIsoSpelling() throws Exception {
        assertThat(GroupMain.duration("--poll-interval", "10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(GroupMain.duration("--poll-interval", " 2M ")).isEqualTo(Duration.ofMinutes(2));
        assertThat(GroupMain.duration("--poll-interval", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(GroupMain.duration("--poll-interval", "pt10s")).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> GroupMain.duration("--poll-interval", "0s"))
                .isInstanceOf(PluginLauncher.UsageException.class)
                .hasMessage("--poll-interval must be a positive duration such as 500ms, 10s or 1m, not 0s");
    }

    @Test
    void aBadDurationIsAUsageError() {
        CommandRun run = CommandRun.of(new GroupMain(), "--poll-interval", "soon");
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("--poll-interval must be a positive duration such as 500ms, 10s or 1m, not soon")
                .contains("infrakit-group --help lists the flags");

        run = CommandRun.of(new GroupMain(), "--call-timeout", "-5s");
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("--call-timeout must be a positive duration such as 500ms, 10s or 1m, not -5s");
    }

    @Test
    void maxParallelFrom1To256() {
        for (String bad : new String[] {"0", "257", "-1"}) {
            CommandRun run = CommandRun.of(new GroupMain(), "--max-parallel", bad);
            assertThat(run.exit()).as(bad).isEqualTo(PluginLauncher.EXIT_USAGE);
            assertThat(run.err()).contains("--max-parallel must be from 1 to 256, not " + bad);
        }
        CommandRun run = CommandRun.of(new GroupMain(), "--max-parallel", "many");
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("Invalid value for option '--max-parallel': 'many' is not an int");
    }

    @Test
    void unknownMissingOrRepeatedFlagsAreUsageErrors() {
        CommandRun run = CommandRun.of(new GroupMain(), "--poll", "1s");
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("Unknown option: '--poll'");

        run = CommandRun.of(new GroupMain(), "--state-file");
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("Missing required parameter for option '--state-file' (FILE)");

        run = CommandRun.of(new GroupMain(), "--poll-interval", "1s", "--poll-interval", "2s");
        assertThat(run.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(run.err()).contains("option '--poll-interval' should be specified only once");
    }
}
