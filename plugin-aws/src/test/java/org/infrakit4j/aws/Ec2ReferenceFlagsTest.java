package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.CommandRun;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * InfraKit's Go AWS plugin's flags and environment variables (reference-providers.md §0, §1.1), as deprecated
 * aliases through the real command line: each use is logged as deprecated, credentials' values never are, and two
 * spellings that disagree are a usage error.
 */
class Ec2ReferenceFlagsTest {
    private static final String KEY_ID = "AKIAIK4JCMDLINEKEY00";
    private static final String SECRET = "ik4j-cmdline-secret-never-logged";
    private static final String TOKEN = "ik4j-cmdline-session-token-never-logged";

    private static Ec2Main parse(Map<String, String> env, String... args) throws Exception {
        Ec2Main main = new Ec2Main();
        main.flags().parse(args);
        main.environment = env;
        main.applyReferenceAliases();
        return main;
    }

    @Test
    void aliasesBecomeOurSettings() throws Exception {
        Ec2Config c = parse(Map.of(), "--region", "us-east-1", "--namespace-tags", "cluster=a,team=b", "--retries",
                "2").config();
        assertThat(c.namespace()).isEqualTo(Map.of("cluster", "a", "team", "b"));
        assertThat(c.maxRetries()).isEqualTo(2);
        assertThat(parse(Map.of(), "--region", "us-east-1", "--max-retries", "3", "--retries", "3").config()
                .maxRetries()).as("the same value twice is no conflict").isEqualTo(3);
        Ec2Config fromEnv = parse(Map.of("INFRAKIT_AWS_REGION", "eu-west-3", "INFRAKIT_AWS_NAMESPACE_TAGS",
                "cluster=x")).config();
        assertThat(fromEnv.region()).isEqualTo("eu-west-3");
        assertThat(fromEnv.namespace()).isEqualTo(Map.of("cluster", "x"));
        Ec2Config ours = parse(Map.of("INFRAKIT_AWS_REGION", "eu-west-3", "INFRAKIT_AWS_NAMESPACE_TAGS", "cluster=x"),
                "--region", "us-east-2", "--namespace", "cluster=y").config();
        assertThat(ours.region()).as("our flags win over the old variables").isEqualTo("us-east-2");
        assertThat(ours.namespace()).isEqualTo(Map.of("cluster", "y"));
        assertThat(parse(Map.of(), "--region", "us-east-1", "--adopt").config().adopt()).isTrue();
    }

    @Test
    void conflictingSpellingsExit2SayingSo() {
        Map<String[], String> cases = Map.of(
                new String[] {"--namespace", "cluster=a", "--namespace-tags", "cluster=b"},
                "error: --namespace-tags cluster=b conflicts with --namespace cluster=a: give only --namespace",
                new String[] {"--max-retries", "3", "--retries", "5"},
                "error: --retries 5 conflicts with --max-retries 3: give only --max-retries",
                new String[] {"--access-key-id", KEY_ID},
                "error: --access-key-id and --secret-access-key go together",
                new String[] {"--access-key-id", KEY_ID, "--secret-access-key", SECRET, "--profile", "ops"},
                "error: --access-key-id/--secret-access-key conflict with --profile");
        cases.forEach((args, message) -> {
            String[] all = new String[args.length + 4];
            System.arraycopy(args, 0, all, 0, args.length);
            System.arraycopy(new String[] {"--region", "us-east-1", "--endpoint", "http://127.0.0.1:9"}, 0, all,
                    args.length, 4);
            CommandRun o = CommandRun.of(new Ec2Main(), all);
            assertThat(o.exit()).as(String.join(" ", args)).isEqualTo(PluginLauncher.EXIT_USAGE);
            assertThat(o.err()).as(String.join(" ", args)).contains(message).doesNotContain(SECRET);
        });
    }

    @Test
    void theGoPluginsCommandLineServesUnderItsTypesWithDeprecationLinesAndNoSecrets() throws Exception {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ik4jf-");
        Map<String, String> env = new HashMap<>();
        // No credentials but the command line's: the calls below succeed only with them.
        env.put("AWS_ACCESS_KEY_ID", "");
        env.put("AWS_SECRET_ACCESS_KEY", "");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("HOME", home.toString());
        env.put("INFRAKIT_AWS_REGION", Ec2Emulator.REGION);
        env.put("INFRAKIT_AWS_NAMESPACE_TAGS", "cluster=flags");
        Ec2Emulator.reset();
        try (PluginProcess processes = new PluginProcess(Ec2Main.class, home, env);
             Ec2Client admin = Ec2Emulator.client()) {
            Path socket = processes.socket(Ec2Main.DEFAULT_NAME);
            Process p = processes.start("--endpoint", Ec2Emulator.endpoint().toString(), "--log", "4", "--retries",
                    "1", "--access-key-id", KEY_ID, "--secret-access-key", SECRET, "--session-token", TOKEN);
            PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
            try (InstancePluginClient client = InstancePluginClient.connect(socket, "ec2-instance",
                    Duration.ofSeconds(30))) {
                assertThat(client.types().json()).contains("\"ec2-instance\"", "\"ec2-spot-instance\"");
                InstanceId id = client.provision(Spec.of(new RawJson("{\"RunInstancesInput\":{\"ImageId\":\""
                        + Ec2Emulator.imageId(admin) + "\"}}"), Map.of("infrakit.group", "g")));
                assertThat(Ec2Emulator.liveInstances(admin, "cluster", "flags")).containsExactly(id.value());
            }
            String output = processes.output(0);
            assertThat(output).contains("--retries is deprecated: use --max-retries 1",
                    "INFRAKIT_AWS_REGION is deprecated", "INFRAKIT_AWS_NAMESPACE_TAGS is deprecated: use --namespace "
                            + "cluster=flags",
                    "--access-key-id, --secret-access-key, --session-token are deprecated: credentials on the "
                            + "command line are visible to every user in ps",
                    "--log 4 is deprecated");
            assertThat(output).doesNotContain(SECRET, TOKEN, KEY_ID);
        } finally {
            try (var files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
