package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plugin process without credentials: an empty home (no profile files), no credential variables (one key id
 * without its secret), no instance metadata. It starts, warns, and says "no credentials" wherever it would otherwise
 * say that EC2 cannot be reached; it never shows the part it did find.
 */
class Ec2CredentialsTest {
    /** Set without its secret: found by the SDK but unusable, and never to be shown. */
    private static final String LONE_KEY_ID = "AKIAIK4JLONEKEYID000";

    private Path home;
    private PluginProcess processes;

    @BeforeEach
    void start() throws Exception {
        home = Files.createTempDirectory(Path.of("/tmp"), "ik4jc-");
        Path userHome = Files.createDirectory(home.resolve("user"));
        Map<String, String> env = new HashMap<>();
        env.put("HOME", userHome.toString());
        env.put("AWS_CONFIG_FILE", userHome.resolve(".aws/config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", userHome.resolve(".aws/credentials").toString());
        env.put("AWS_PROFILE", "default");
        // The test's own environment may carry credentials: blank is "not set" for the SDK.
        env.put("AWS_ACCESS_KEY_ID", LONE_KEY_ID);
        env.put("AWS_SECRET_ACCESS_KEY", "");
        env.put("AWS_SESSION_TOKEN", "");
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", "");
        env.put("AWS_ROLE_ARN", "");
        env.put("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
        // No instance-role lookup: it would go to the metadata address, which is no part of this machine.
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        processes = new PluginProcess(Ec2Main.class, home, env);
    }

    @AfterEach
    void stop() throws Exception {
        processes.close();
        try (var files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void missingCredentialsAreAWarningAtStartAndNoCredentialsInHealthz() throws Exception {
        Path socket = processes.socket(Ec2Main.DEFAULT_NAME);
        Process p = processes.start("--region", Ec2Emulator.REGION, "--endpoint", Ec2Emulator.endpoint().toString());
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        String where = home.resolve("user/.aws/credentials") + " and " + home.resolve("user/.aws/config");
        try (RawHttp http = new RawHttp(socket);
             InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30))) {
            RawHttp.Reply health = http.send("GET", "/healthz", null, null);
            assertThat(health.status()).as(health.text()).isEqualTo(503);
            assertThat(health.text()).startsWith("backend unavailable: no credentials: none found in ")
                    .contains("AWS_ACCESS_KEY_ID", "profile \"default\" of " + where)
                    .endsWith(" (EC2 DescribeAvailabilityZones not sent)\n")
                    .doesNotContain("cannot reach", LONE_KEY_ID);
            assertThatThrownBy(() -> client.describeInstances(Map.of(), false))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).startsWith("backend unavailable: no credentials: none found in ")
                                .endsWith(" (EC2 DescribeInstances not sent)").doesNotContain(LONE_KEY_ID);
                    });
            assertThat(p.isAlive()).as("the plugin serves on without credentials").isTrue();
        }
        String output = processes.output(0);
        assertThat(output.lines().filter(l -> l.contains("Ec2Main") && l.contains("no credentials: none found in ")))
                .as(output).isNotEmpty().allSatisfy(l -> assertThat(l).contains("WARN", where,
                        "every EC2 call fails until there are some"));
        assertThat(output).doesNotContain(LONE_KEY_ID);
    }
}
