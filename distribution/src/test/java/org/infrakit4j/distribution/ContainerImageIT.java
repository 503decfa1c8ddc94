package org.infrakit4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image, built from the tarball by distribution/src/image/build-image.sh into the test dockerd
 * (scripts/backends/up.sh ... docker): plugin-file runs in a container as a non-root user with a host directory
 * mounted as its plugins directory, the host drives it with the Java client over the socket in that directory, and
 * SIGTERM (docker stop) stops it with its socket removed.
 */
class ContainerImageIT {
    private static final String TAG = "infrakit4j:it-" + ProcessHandle.current().pid();
    private static Path work;
    private static Map<String, String> docker;

    @BeforeAll
    static void buildImage() throws Exception {
        String host = System.getenv("IK4J_DOCKER_HOST");
        assertThat(host).as("IK4J_DOCKER_HOST is not set: start the test dockerd with scripts/backends/up.sh "
                + "STATE_DIR docker and source STATE_DIR/env (scripts/test.sh does)").isNotBlank();
        docker = Map.of("DOCKER_HOST", host);
        work = Files.createTempDirectory(Path.of("/tmp"), "ik4j-image");
        Path home = Release.unpack(work.resolve("release"));
        String jdk = System.getProperty("ik4j.jlink.jdk");
        assertThat(Path.of(jdk, "bin/jlink")).as("a JDK 25 or later with jlink at %s (property ik4j.jlink.jdk)", jdk)
                .isExecutable();
        Map<String, String> env = new HashMap<>(docker);
        env.put("JLINK_JDK", jdk);
        Release.Result build = Release.run(List.of("bash",
                Release.ROOT.resolve("distribution/src/image/build-image.sh").toString(), home.toString(), TAG),
                env, Duration.ofMinutes(15));
        assertThat(build.exit()).as("build-image.sh:\n%s\n%s", build.out(), build.err()).isZero();
        System.out.println(build.out().strip());
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (docker != null) {
            Release.run(List.of("docker", "rmi", "-f", TAG), docker, Duration.ofMinutes(2));
        }
        if (work != null) {
            Release.run(List.of("rm", "-rf", work.toString()), Map.of(), Duration.ofMinutes(1));
        }
    }

    private static Release.Result docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return Release.run(command, docker, Duration.ofMinutes(3));
    }

    @Test
    void pluginFileInAContainerServesTheHostAndStopsOnSigterm() throws Exception {
        assertThat(docker("image", "inspect", "-f", "{{.Config.User}}", TAG).out().strip()).isEqualTo("10001:10001");
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Files.getFileAttributeView(plugins, PosixFileAttributeView.class).setOwner(
                plugins.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("10001"));
        String name = "ik4j-it-" + ProcessHandle.current().pid();
        Release.Result run = docker("run", "-d", "--name", name, "--network", "none", "-v",
                plugins + ":/run/infrakit/plugins", TAG, "file");
        assertThat(run.exit()).as("docker run: %s", run.err()).isZero();
        try {
            Path socket = plugins.resolve("instance-file");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(socket)) {
                assertThat(System.nanoTime()).as("the socket %s within 90 s; logs:\n%s", socket,
                        docker("logs", name).err()).isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(Files.getOwner(socket).getName()).as("the plugin runs as the image's user").isEqualTo("10001");
            try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30))) {
                assertThat(client.handshake()).as("the Instance SPI version").matches("Instance/0\\.6\\.[01]");
                InstanceId id = client.provision(Spec.of(RawJson.of("{\"In\":\"a container\"}"), Map.of("at", "c")));
                assertThat(client.describeInstances(Map.of("at", "c"), false)).extracting(d -> d.id())
                        .containsExactly(id);
            }
            Release.Result stop = docker("stop", "-t", "60", name);
            assertThat(stop.exit()).as("docker stop: %s", stop.err()).isZero();
            assertThat(docker("inspect", "-f", "{{.State.ExitCode}}", name).out().strip())
                    .as("exit code after SIGTERM; logs:\n%s", docker("logs", name).err()).isEqualTo("0");
            assertThat(socket).as("socket removed on SIGTERM").doesNotExist();
            assertThat(docker("logs", name).err()).as("the image's AOT cache is used: nothing recorded at start")
                    .doesNotContain("infrakit4j: first start").doesNotContain("class data sharing not used");
        } finally {
            docker("rm", "-f", "-v", name);
        }
    }
}
