package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plugins' command-line parser: its syntax, every usage error in words, and the help's layout. */
class FlagsTest {
    /** A command line with one flag of each kind, as a plugin's main declares them. */
    static final class Demo implements PluginLauncher.PluginCommand {
        final Flags flags = new Flags("infrakit-instance-demo", "A demonstration plugin, whose description is long "
                + "enough to be wrapped at the help's width of one hundred columns without cutting a word.")
                .version(() -> "demo 1.0")
                .exitCode(0, "stopped cleanly")
                .exitCode(2, "bad command line");
        final PluginLauncher.Options common = new PluginLauncher.Options(flags);
        final Flags.Flag<Path> dir = flags.value("--dir", "DIR", Flags.PATH, "Where (default: $HOME/demo).");
        final Flags.Flag<Integer> limit = flags.value("--limit", "N", Flags.INTEGER, "How many (default: 3).")
                .defaultValue(3);
        final Flags.Flag<Double> rate = flags.value("--rate", "PER_SECOND", Flags.DECIMAL, "How fast.");
        final Flags.Flag<Boolean> adopt = flags.flag("--adopt", "Take over what is there.");
        final Flags.Flag<Boolean> tls = flags.negatable("--tls-verify", "Verify (default: when $X is set).");
        final Flags.Flag<Map<String, String>> tags = flags.keyValues("--namespace", "KEY=VALUE", "Tags.");
        final Flags.Flag<String> old = flags.value("--old-name", "N", Flags.TEXT, "Deprecated.").hidden();
        final Flags.Flag<String> api = flags.value("--api", "VERSION", Flags.TEXT, "API version.")
                .optionalValue("");
        boolean ran;

        @Override
        public Flags flags() {
            return flags;
        }

        @Override
        public int call() {
            ran = true;
            return 7;
        }
    }

    @Test
    void valuesSwitchesAndDefaults() throws Exception {
        Demo d = new Demo();
        d.flags.parse("--dir", "/tmp/x", "--limit=-5", "--rate", "2.5", "--adopt", "--no-tls-verify",
                "--namespace", "a=1,b=2", "--namespace=c=3", "--old-name", "x", "--name", "n");
        assertThat(d.dir.get()).isEqualTo(Path.of("/tmp/x"));
        assertThat(d.limit.get()).as("a value may start with a dash").isEqualTo(-5);
        assertThat(d.rate.get()).isEqualTo(2.5);
        assertThat(d.adopt.get()).isTrue();
        assertThat(d.tls.get()).isFalse();
        assertThat(d.tags.get()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "3"));
        assertThat(d.old.get()).isEqualTo("x");
        assertThat(d.common.name()).isEqualTo("n");

        Demo none = new Demo();
        none.flags.parse();
        assertThat(none.dir.get()).isNull();
        assertThat(none.dir.given()).isFalse();
        assertThat(none.limit.get()).isEqualTo(3);
        assertThat(none.adopt.get()).isFalse();
        assertThat(none.tls.get()).as("neither form given").isNull();
        assertThat(none.tags.get()).isEmpty();
        assertThat(none.api.get()).isNull();

        Demo on = new Demo();
        on.flags.parse("--tls-verify", "--api", "--adopt");
        assertThat(on.tls.get()).isTrue();
        assertThat(on.api.get()).as("an optional value before another flag").isEmpty();
        Demo last = new Demo();
        last.flags.parse("--api");
        assertThat(last.api.get()).isEmpty();
        Demo given = new Demo();
        given.flags.parse("--api", "1.25");
        assertThat(given.api.get()).isEqualTo("1.25");
    }

    @Test
    void everyUsageErrorNamesWhatIsWrong() {
        assertThatThrownBy(() -> new Demo().flags.parse("--no-such-flag"))
                .isInstanceOf(PluginLauncher.UsageException.class).hasMessage("Unknown option: '--no-such-flag'");
        assertThatThrownBy(() -> new Demo().flags.parse("--limitt", "3"))
                .hasMessage("Unknown option: '--limitt' (did you mean --limit?)");
        assertThatThrownBy(() -> new Demo().flags.parse("--dir"))
                .hasMessage("Missing required parameter for option '--dir' (DIR)");
        assertThatThrownBy(() -> new Demo().flags.parse("--dir", "--adopt"))
                .hasMessage("Missing required parameter for option '--dir' (DIR)");
        assertThatThrownBy(() -> new Demo().flags.parse("--limit", "many"))
                .hasMessage("Invalid value for option '--limit': 'many' is not an int");
        assertThatThrownBy(() -> new Demo().flags.parse("--log-level", "loud"))
                .hasMessageStartingWith("Invalid value for option '--log-level': expected one of [trace, debug, "
                        + "info, warn, error]");
        assertThatThrownBy(() -> new Demo().flags.parse("--limit", "1", "--limit", "2"))
                .hasMessage("option '--limit' should be specified only once");
        assertThatThrownBy(() -> new Demo().flags.parse("--tls-verify", "--no-tls-verify"))
                .hasMessage("option '--tls-verify' should be specified only once (as --no-tls-verify too)");
        assertThatThrownBy(() -> new Demo().flags.parse("--adopt=yes"))
                .hasMessage("option '--adopt' takes no value (given 'yes')");
        assertThatThrownBy(() -> new Demo().flags.parse("--namespace", "a=1,b"))
                .hasMessage("Invalid value for option '--namespace': 'b' is not KEY=VALUE");
        assertThatThrownBy(() -> new Demo().flags.parse("--namespace", "a=1", "--namespace", "a=2"))
                .hasMessage("Invalid value for option '--namespace': key 'a' given twice");
        assertThatThrownBy(() -> new Demo().flags.parse("stray"))
                .hasMessage("Unmatched argument at index 0: 'stray'");
        assertThatThrownBy(() -> new Demo().flags.parse("--adopt", "--", "x"))
                .hasMessage("Unmatched argument at index 2: 'x'");
    }

    @Test
    void aFlagCannotBeDeclaredTwiceOrWithoutALabel() {
        Flags flags = new Flags("x", "x");
        flags.flag("--once", "Once.");
        assertThatThrownBy(() -> flags.flag("--once", "Again.")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> flags.value("--v", "", Flags.TEXT, "No label."))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> flags.flag("-x", "Short.")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theHelpListsVisibleFlagsByNameWrappedWholeWordsAndTheExitCodes() {
        String help = new Demo().flags.help();
        assertThat(help).startsWith("Usage: infrakit-instance-demo [FLAG...]\nA demonstration plugin");
        assertThat(help).contains("      --adopt               Take over what is there.\n")
                .contains("      --dir=DIR             Where (default: $HOME/demo).\n")
                .contains("  -h, --help                Show this help message and exit.\n")
                .contains("  -V, --version             Print version information and exit.\n")
                .contains("      --[no-]tls-verify     Verify (default: when $X is set).\n")
                .contains("      --namespace=KEY=VALUE[,KEY=VALUE...]\n                            Tags.\n")
                .contains("      --api[=VERSION]       API version.\n")
                .contains("Exit codes:\n  0   stopped cleanly\n  2   bad command line\n")
                .doesNotContain("--old-name");
        assertThat(help.lines()).allMatch(l -> l.length() <= Flags.WIDTH).noneMatch(l -> l.endsWith(" "));
        assertThat(help.indexOf("--adopt")).isLessThan(help.indexOf("--dir=")).isLessThan(help.indexOf("--help"));
        assertThat(help.replace("\n", " ").replaceAll(" +", " "))
                .contains("$INFRAKIT_PLUGINS_DIR, else $INFRAKIT_HOME/plugins, else ~/.infrakit/plugins")
                .contains("(default: instance-demo)");
    }

    @Test
    void theLauncherPrintsHelpAndVersionRefusesBadFlagsAndRunsTheCommandOtherwise() {
        Demo help = new Demo();
        Run h = run(help, "--help");
        assertThat(h.exit).isZero();
        assertThat(h.out).isEqualTo(help.flags.help());
        assertThat(help.ran).isFalse();

        Run v = run(new Demo(), "-V");
        assertThat(v.exit).isZero();
        assertThat(v.out).isEqualTo("demo 1.0\n");

        Demo bad = new Demo();
        Run b = run(bad, "--no-such-flag");
        assertThat(b.exit).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(b.err).isEqualTo("error: Unknown option: '--no-such-flag'\n"
                + "(infrakit-instance-demo --help lists the flags)\n");
        assertThat(bad.ran).isFalse();

        Demo ok = new Demo();
        assertThat(run(ok, "--adopt").exit).isEqualTo(7);
        assertThat(ok.ran).isTrue();
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(Demo demo, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = PluginLauncher.execute(demo, args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
