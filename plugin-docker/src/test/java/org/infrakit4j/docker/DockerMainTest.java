package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.infrakit4j.rpc.PluginLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: flags, their environment defaults, and where the Label store goes. */
class DockerMainTest {

    private static DockerMain parse(String... args) {
        DockerMain main = new DockerMain();
        new CommandLine(main).parseArgs(args);
        return main;
    }

    @Test
    void flagsOverrideTheEnvironment() {
        DockerMain main = parse("--docker-host", "tcp://10.0.0.1:2376", "--tls-verify", "--cert-path", "/certs",
                "--namespace", "cluster=a,team=x", "--docker-timeout", "5");
        assertThat(main.engineConfig(Map.of("DOCKER_HOST", "unix:///elsewhere.sock")))
                .isEqualTo(new DockerEngine.Config("tcp://10.0.0.1:2376", true, Path.of("/certs"),
                        Duration.ofSeconds(5)));
        assertThat(main.namespace).containsExactly(Map.entry("cluster", "a"), Map.entry("team", "x"));
    }

    @Test
    void theEnvironmentAndThenTheDefaultsApplyWithoutFlags() {
        assertThat(parse().engineConfig(Map.of()))
                .isEqualTo(new DockerEngine.Config("unix:///var/run/docker.sock", false, null, Duration.ofSeconds(30)));
        assertThat(parse().engineConfig(Map.of("DOCKER_HOST", "tcp://h:2376", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", "/c")))
                .isEqualTo(new DockerEngine.Config("tcp://h:2376", true, Path.of("/c"), Duration.ofSeconds(30)));
        assertThat(parse("--no-tls-verify").engineConfig(Map.of("DOCKER_HOST", "tcp://h:2375",
                "DOCKER_TLS_VERIFY", "1")).tlsVerify()).isFalse();
    }

    @Test
    void theLabelStoreSitsNextToTheSocket() {
        assertThat(DockerMain.labelStoreOf(Path.of("/run/plugins/instance-docker")))
                .isEqualTo(Path.of("/run/plugins/instance-docker.labels.json"));
    }

    @Test
    void aBadEngineAddressIsAStartupError(@TempDir Path dir) {
        assertThat(PluginLauncher.execute(new DockerMain(), "--docker-host", "http://nope", "--plugins-dir",
                dir.toString())).isEqualTo(PluginLauncher.EXIT_STARTUP);
    }
}
