package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.testkit.CommandRun;
import org.infrakit4j.runtime.ReapPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: flags, their environment defaults, and where the Label store goes. */
class DockerMainTest {

    private static DockerMain parse(String... args) throws PluginLauncher.UsageException {
        DockerMain main = new DockerMain();
        main.flags().parse(args);
        return main;
    }

    @Test
    void flagsOverrideTheEnvironment() throws Exception {
        DockerMain main = parse("--docker-host", "tcp://10.0.0.1:2376", "--tls-verify", "--cert-path", "/certs",
                "--namespace", "cluster=a,team=x", "--docker-timeout", "5");
        assertThat(main.engineConfig(Map.of("DOCKER_HOST", "unix:///elsewhere.sock")))
                .isEqualTo(new DockerEngine.Config("tcp://10.0.0.1:2376", true, Path.of("/certs"),
                        Duration.ofSeconds(5)));
        assertThat(main.namespace.get()).containsExactly(Map.entry("cluster", "a"), Map.entry("team", "x"));
    }

    @Test
    void theEnvironmentAndThenTheDefaultsApplyWithoutFlags() throws Exception {
        assertThat(parse().engineConfig(Map.of()))
                .isEqualTo(new DockerEngine.Config("unix:///var/run/docker.sock", false, null, Duration.ofSeconds(30)));
        assertThat(parse().engineConfig(Map.of("DOCKER_HOST", "tcp://h:2376", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", "/c")))
                .isEqualTo(new DockerEngine.Config("tcp://h:2376", true, Path.of("/c"), Duration.ofSeconds(30)));
        assertThat(parse("--no-tls-verify").engineConfig(Map.of("DOCKER_HOST", "tcp://h:2375",
                "DOCKER_TLS_VERIFY", "1")).tlsVerify()).isFalse();
    }

    @Test
    void theHelpListsEveryFlagButTheDeprecatedOnes() {
        String help = new DockerMain().flags().help();
        assertThat(help).contains("Usage: infrakit-instance-docker", "-h, --help", "-V, --version", "--adopt",
                "--properties-schema", "--docker-host=URL", "--[no-]tls-verify", "--cert-path=DIR",
                "--namespace=KEY=VALUE[,KEY=VALUE...]", "--docker-timeout=SECONDS", "(default: 30)",
                "--report-dead", "--reap-after=DURATION", "--reap-pets", "--name=NAME", "--plugins-dir=DIR",
                "--log-level=LEVEL", "Exit codes:", "unreadable label store")
                .doesNotContain("--url", "--namespace-tags", "--retries");
    }

    @Test
    void theLabelStoreSitsNextToTheSocket() {
        assertThat(DockerMain.labelStoreOf(Path.of("/run/plugins/instance-docker")))
                .isEqualTo(Path.of("/run/plugins/instance-docker.labels.json"));
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(new DockerMain(), args);
    }

    @Test
    void badFlagValuesExit2WithAMessageBeforeAnythingIsTouched(@TempDir Path dir) {
        Path plugins = dir.resolve("plugins");
        Map<List<String>, String> cases = Map.ofEntries(Map.entry(List.of("--reap-after", "5x"),
                        "error: --reap-after: not a duration: \"5x\" (say e.g. 30s, 5m, 1h30m, 0 for at once, "
                                + "or never)"),
                Map.entry(List.of("--reap-after", "-1s"), "error: --reap-after: not a duration: \"-1s\""),
                Map.entry(List.of("--reap-after", "5 m"), "error: --reap-after: not a duration: \"5 m\""),
                Map.entry(List.of("--reap-after", ""), "error: --reap-after: not a duration: \"\""),
                Map.entry(List.of("--reap-after", "forever"), "error: --reap-after: not a duration: \"forever\""),
                Map.entry(List.of("--reap-after"), "Missing required parameter for option '--reap-after' (DURATION)"),
                Map.entry(List.of("--report-dead=maybe"), "--report-dead"));
        cases = new java.util.HashMap<>(cases);
        cases.putAll(Map.of(
                List.of("--docker-host", "http://nope"), "--docker-host http://nope: scheme http is not unix or tcp "
                        + "(give unix:///path/to/docker.sock or tcp://host:port)",
                List.of("--docker-host", "unix://"), "--docker-host unix://: ",
                List.of("--docker-host", "tcp://:2375"), "--docker-host tcp://:2375: no host name",
                List.of("--docker-host", "nope"), "--docker-host nope: no scheme",
                List.of("--docker-timeout", "0"), "--docker-timeout must be between 1 and 3600 seconds, got 0",
                List.of("--docker-timeout", "-1"), "--docker-timeout must be between 1 and 3600 seconds, got -1",
                List.of("--namespace", " =x"), "--namespace  =x: the key is empty",
                List.of("--namespace", "=x"), "Invalid value for option '--namespace': '=x' is not KEY=VALUE"));
        cases.forEach((args, message) -> {
            List<String> all = new java.util.ArrayList<>(args);
            all.addAll(List.of("--plugins-dir", plugins.toString()));
            CommandRun o = run(all.toArray(String[]::new));
            assertThat(o.exit()).as("%s", args).isEqualTo(PluginLauncher.EXIT_USAGE);
            assertThat(o.err()).as("%s", args).contains(message).doesNotContain("Exception");
        });
        assertThat(plugins).as("nothing touched").doesNotExist();
    }

    @Test
    void theReapFlagsBecomeThePolicy() throws Exception {
        assertThat(parse().reaping.policy()).isEqualTo(ReapPolicy.DEFAULT);
        assertThat(parse("--report-dead", "--reap-after", "1h30m", "--reap-pets").reaping.policy())
                .isEqualTo(new ReapPolicy(true, Optional.of(Duration.ofMinutes(90)), true));
        assertThat(parse("--reap-after", "0").reaping.policy().reapAfter()).contains(Duration.ZERO);
        assertThat(parse("--reap-after", "never").reaping.policy().reapAfter()).isEmpty();
    }

    @Test
    void missingTlsFilesAreAStartupErrorInWords(@TempDir Path dir) throws Exception {
        Path plugins = dir.resolve("plugins");
        CommandRun none = run("--docker-host", "tcp://127.0.0.1:2376", "--tls-verify", "--cert-path",
                dir.resolve("certs").toString(), "--plugins-dir", plugins.toString());
        assertThat(none.exit()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(none.err()).isEqualTo("error: TLS is on but the certificate directory " + dir.resolve("certs")
                + " does not exist (--cert-path or $DOCKER_CERT_PATH)" + System.lineSeparator());
        Files.createDirectories(dir.resolve("certs"));
        Files.writeString(dir.resolve("certs/ca.pem"), "");
        CommandRun partial = run("--docker-host", "tcp://127.0.0.1:2376", "--tls-verify", "--cert-path",
                dir.resolve("certs").toString(), "--plugins-dir", plugins.toString());
        assertThat(partial.exit()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(partial.err()).contains("TLS is on but " + dir.resolve("certs/cert.pem") + " is missing");
        assertThat(plugins).doesNotExist();
    }

    @Test
    void aLabelStoreThatIsNotJsonIsAStartupErrorNamingIt(@TempDir Path dir) throws Exception {
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Files.writeString(plugins.resolve("instance-docker.labels.json"), "not json");
        CommandRun o = run("--docker-host", "unix://" + dir.resolve("no.sock"), "--plugins-dir", plugins.toString());
        assertThat(o.exit()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(o.err()).contains("error: cannot read the label store " + plugins.resolve(
                "instance-docker.labels.json") + ": not the JSON this plugin writes (").doesNotContain("Exception");
    }

    @Test
    void versionWithAValueIsAUsageErrorThatSaysWhyAndPlainVersionStillPrintsOurs(@TempDir Path dir) throws Exception {
        Path plugins = dir.resolve("plugins");
        CommandRun old = run("--version", "1.25", "--plugins-dir", plugins.toString());
        assertThat(old.exit()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(old.err()).contains("--version 1.25: InfraKit's Go Docker plugin took --version as the Docker API "
                + "version; here --version prints this plugin's version and takes no value");
        assertThat(plugins).as("nothing touched").doesNotExist();
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        CommandRun plain;
        try {
            plain = run("--version");
        } finally {
            System.setOut(saved);
        }
        assertThat(plain.exit()).isEqualTo(PluginLauncher.EXIT_OK);
        assertThat(plain.err()).isEmpty();
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).isNotBlank();
        assertThat(parse("-V").version.get()).isEmpty();
    }

    @Test
    void theReferenceFlagsAndVariableAreAliases() throws Exception {
        DockerMain main = parse("--url", "unix:///run/docker.sock", "--namespace-tags", "cluster=a",
                "--namespace-tags", "team=x,env=dev", "--retries", "5", "--log", "4");
        main.referenceAliases(Map.of());
        assertThat(main.engineConfig(Map.of()).host()).isEqualTo("unix:///run/docker.sock");
        assertThat(main.namespace.get()).containsExactly(Map.entry("cluster", "a"), Map.entry("team", "x"),
                Map.entry("env", "dev"));

        DockerMain fromEnv = parse();
        fromEnv.referenceAliases(Map.of(DockerMain.ENV_NAMESPACE_TAGS, "cluster=b,team=y"));
        assertThat(fromEnv.namespace.get()).containsExactly(Map.entry("cluster", "b"), Map.entry("team", "y"));
        DockerMain flagWins = parse("--namespace", "cluster=c");
        flagWins.referenceAliases(Map.of(DockerMain.ENV_NAMESPACE_TAGS, "cluster=b"));
        assertThat(flagWins.namespace.get()).containsExactly(Map.entry("cluster", "c"));
        assertThat(parse("--adopt").adopt.get()).isTrue();
        assertThat(parse().adopt.get()).isFalse();
    }

    @Test
    void everyReferenceSpellingUsedIsLoggedAsDeprecated(@TempDir Path dir) throws Exception {
        // A label store that is not JSON stops the start-up after logging is set up, so the lines are out by then.
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Files.writeString(plugins.resolve("instance-docker.labels.json"), "not json");
        CommandRun o = run("--url", "unix://" + dir.resolve("no.sock"), "--namespace-tags", "cluster=a",
                "--retries", "5", "--log", "4", "--plugins-dir", plugins.toString());
        assertThat(o.exit()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(o.err()).contains("--url is deprecated: use --docker-host unix://" + dir.resolve("no.sock"))
                .contains("--namespace-tags is deprecated: use --namespace cluster=a")
                .contains("--retries 5 is deprecated and has no effect")
                .contains("--log 4 is deprecated: use --log-level info");
    }

    @Test
    void conflictingReferenceSpellingsExit2SayingWhich(@TempDir Path dir) {
        Path plugins = dir.resolve("plugins");
        Map<List<String>, String> cases = Map.of(
                List.of("--url", "unix:///a.sock", "--docker-host", "unix:///b.sock"), "--url unix:///a.sock "
                        + "(InfraKit's spelling of --docker-host) conflicts with --docker-host unix:///b.sock: give "
                        + "only --docker-host",
                List.of("--namespace-tags", "k=1", "--namespace", "k=2"), "--namespace-tags k=1 conflicts "
                        + "with --namespace k=2: give only --namespace",
                List.of("--url", "http://nope"), "--docker-host http://nope: scheme http is not unix or tcp");
        cases.forEach((args, message) -> {
            List<String> all = new java.util.ArrayList<>(args);
            all.addAll(List.of("--plugins-dir", plugins.toString()));
            CommandRun o = run(all.toArray(String[]::new));
            assertThat(o.exit()).as("%s", args).isEqualTo(PluginLauncher.EXIT_USAGE);
            assertThat(o.err()).as("%s", args).contains(message);
        });
        assertThat(plugins).as("nothing touched").doesNotExist();
    }
}
