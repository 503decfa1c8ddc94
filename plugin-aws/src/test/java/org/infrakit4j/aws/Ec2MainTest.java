package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.testkit.CommandRun;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's flags, parsed into the plugin's configuration and the plugin built from them. */
class Ec2MainTest {
    private static Ec2Main parse(String... args) throws PluginLauncher.UsageException {
        Ec2Main main = new Ec2Main();
        main.flags().parse(args);
        return main;
    }

    @Test
    void flagsBecomeTheConfiguration() throws Exception {
        Ec2Config config = parse("--region", "eu-west-1", "--profile", "ops", "--endpoint", "http://127.0.0.1:5999",
                "--namespace", "cluster=prod,team=a", "--max-retries", "3", "--rate", "2.5", "--validate-dry-run",
                "--page-size", "50", "--call-timeout", "2.5", "--name", "aws-prod").config();
        assertThat(config.region()).isEqualTo("eu-west-1");
        assertThat(config.profile()).contains("ops");
        assertThat(config.endpoint()).contains(URI.create("http://127.0.0.1:5999"));
        assertThat(config.namespace()).isEqualTo(Map.of("cluster", "prod", "team", "a"));
        assertThat(config.maxRetries()).isEqualTo(3);
        assertThat(config.rate()).isEqualTo(2.5);
        assertThat(config.validateDryRun()).isTrue();
        assertThat(config.pageSize()).isEqualTo(50);
        assertThat(config.callTimeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void defaultsAreSafeForRealEc2() throws Exception {
        Ec2Config config = parse("--region", "us-east-1").config();
        assertThat(config.endpoint()).isEqualTo(Optional.empty());
        assertThat(config.profile()).isEmpty();
        assertThat(config.maxRetries()).isEqualTo(Ec2Config.DEFAULT_MAX_RETRIES);
        assertThat(config.rate()).isEqualTo(Ec2Config.DEFAULT_RATE);
        assertThat(config.pageSize()).isEqualTo(1000);
        assertThat(config.validateDryRun()).isFalse();
        assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(Ec2Main.DEFAULT_NAME).isEqualTo("instance-aws");
    }

    @Test
    void badValuesAreStartupErrorsNamingTheProblem() {
        assertThatThrownBy(() -> parse("--region", "us-east-1", "--namespace", "aws:x=1").config())
                .isInstanceOf(PluginLauncher.StartupException.class)
                .hasMessage("tag key \"aws:x\": keys starting with aws: are reserved by AWS");
        assertThatThrownBy(() -> parse("--region", "us-east-1", "--page-size", "2").config())
                .isInstanceOf(PluginLauncher.StartupException.class)
                .hasMessage("page size must be 5 to 1000 (EC2's MaxResults), got 2");
        assertThatThrownBy(() -> parse("--region", "us-east-1", "--rate", "-1").config())
                .hasMessage("rate must be 0 (unlimited) or more, got -1.0");
        assertThatThrownBy(() -> parse("--region", "us-east-1", "--call-timeout", "0").config())
                .hasMessage("call timeout must be positive, got PT0S");
    }

    @Test
    void thePluginReportsItsEc2CallsToTheMeterAndProbesHealth() throws Exception {
        List<String> recorded = new CopyOnWriteArrayList<>();
        BackendMeter meter = (operation, nanos, failed) -> {
            // The reaper's sweeps (its own thread, from 2 s after the start) are not this test's calls.
            if (!Thread.currentThread().getName().equals("ik4j-reaper")) {
                recorded.add(operation + (failed ? " failed" : ""));
            }
        };
        // The default credential chain reads these system properties before the environment.
        System.setProperty("aws.accessKeyId", "AKIAIK4JTESTDUMMY000");
        System.setProperty("aws.secretAccessKey", "dummy-secret-for-the-emulator");
        try {
            Map<String, InstancePlugin> plugins = parse("--region", Ec2Emulator.REGION, "--endpoint",
                    Ec2Emulator.endpoint().toString()).plugins(meter);
            try (Ec2InstancePlugin plugin = (Ec2InstancePlugin) plugins.get("")) {
                assertThat(plugin.reaper()).as("the plugin runs its reaper").isPresent();
                plugin.describeInstances(Map.of("ik4j.main-test", UUID.randomUUID().toString()), false);
                plugin.checkHealth();
                assertThatThrownBy(() -> plugin.label(new InstanceId("i-0123456789abcdef0"), Map.of("a", "b")))
                        .isInstanceOfSatisfying(InstanceException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
            }
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
        assertThat(recorded).containsExactly("DescribeInstances", "DescribeAvailabilityZones",
                "DescribeInstances failed");
    }

    private static CommandRun run(String... args) {
        return CommandRun.of(new Ec2Main(), args);
    }

    @Test
    void aBadReapAfterExits2WithAMessageBeforeAnythingIsTouched(@TempDir Path dir) {
        Path plugins = dir.resolve("plugins");
        Map<String, String> cases = Map.of(
                "5 minutes", "--reap-after: not a duration: \"5 minutes\" (say e.g. 30s, 5m, 1h30m, 0 for at once, "
                        + "or never)",
                "-1s", "--reap-after: not a duration: \"-1s\"",
                "10", "--reap-after: not a duration: \"10\"",
                "", "--reap-after: not a duration: \"\"");
        cases.forEach((value, message) -> {
            CommandRun o = run("--region", "us-east-1", "--endpoint", "http://127.0.0.1:9", "--reap-after", value,
                    "--plugins-dir", plugins.toString());
            assertThat(o.exit()).as("--reap-after %s", value).isEqualTo(PluginLauncher.EXIT_USAGE);
            assertThat(o.err()).as("--reap-after %s", value).contains("error: " + message)
                    .contains("--help lists the flags").doesNotContain("Exception");
        });
        assertThat(plugins).as("nothing touched").doesNotExist();
    }

    @Test
    void reapingFlagsBecomeThePolicy() throws Exception {
        assertThat(parse("--region", "us-east-1").reaping.policy()).isEqualTo(ReapPolicy.DEFAULT);
        assertThat(parse("--region", "us-east-1", "--report-dead", "--reap-after", "1h30m", "--reap-pets").reaping
                .policy()).isEqualTo(new ReapPolicy(true, Optional.of(Duration.ofMinutes(90)), true));
        assertThat(parse("--region", "us-east-1", "--reap-after", "never").reaping.policy().reapAfter()).isEmpty();
        assertThat(parse("--region", "us-east-1", "--reap-after", "0").reaping.policy().reapAfter())
                .contains(Duration.ZERO);
    }

    @Test
    void helpListsTheFlags() {
        assertThat(run("--help").exit()).isZero();
        String help = new Ec2Main().flags().help();
        assertThat(help).contains("--region", "--profile", "--endpoint", "--namespace", "--max-retries",
                "--rate", "--validate-dry-run", "--page-size", "--plugins-dir", "--log-level", "--report-dead",
                "--reap-after", "--reap-pets");
        assertThat(help).contains("--call-timeout=SECONDS", "--namespace=K=V[,K=V...]", "--adopt",
                "--properties-schema", "(default: 8)", "(default: 30)", "(default: 10.0)", "(default: 1000)",
                "instance-aws).", "3   could not start (socket in use, no region, bad option value)");
        assertThat(help).as("InfraKit's spellings stay hidden").doesNotContain("--namespace-tags", " --retries",
                "--access-key-id", "--secret-access-key", "--session-token");
    }
}
