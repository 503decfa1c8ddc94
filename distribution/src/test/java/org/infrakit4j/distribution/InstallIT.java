package org.infrakit4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tarball as a user installs it: unpacked into a path with a space, made read-only, a launcher symlinked into
 * another directory (as into /usr/local/bin); plugin-file starts there, serves the real client, records its class
 * data archive into the user's cache on the first start and maps it on the next, and writes nothing into the
 * installation.
 */
class InstallIT {
    private static Path work;
    private static Path home;
    private static Path linked;

    @BeforeAll
    static void install() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "ik4j-dist");
        home = Release.unpack(work.resolve("opt with space"));
        Path usrBin = Files.createDirectories(work.resolve("usr bin"));
        linked = Files.createSymbolicLink(usrBin.resolve("infrakit-instance-file"),
                home.resolve("bin/infrakit-instance-file"));
        readOnly(home);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (work != null) {
            Release.run(List.of("chmod", "-R", "u+w", work.toString()), Map.of(), Duration.ofMinutes(1));
            Release.run(List.of("rm", "-rf", work.toString()), Map.of(), Duration.ofMinutes(1));
        }
    }

    private static void readOnly(Path dir) throws Exception {
        Release.Result chmod = Release.run(List.of("chmod", "-R", "a-w", dir.toString()), Map.of(),
                Duration.ofMinutes(1));
        assertThat(chmod.exit()).isZero();
        assertThat(Files.getPosixFilePermissions(dir.resolve("lib"))).isEqualTo(
                PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    @Test
    void theCommonRunnerWithoutArgumentsPrintsItsUsage() throws Exception {
        Release.Result bare = Release.run(List.of(home.resolve("bin/infrakit4j-java").toString()), Map.of(),
                Duration.ofSeconds(30));
        assertThat(bare.exit()).isEqualTo(2);
        assertThat(bare.err()).startsWith("usage: infrakit4j-java [--jars JAR:JAR...] MAIN_CLASS [FLAG...]")
                .contains("JAVA_OPTS").doesNotContain("parameter not set").doesNotContain("not found");
        Release.Result help = Release.run(List.of(home.resolve("bin/infrakit4j-java").toString(), "--help"),
                Map.of(), Duration.ofSeconds(30));
        assertThat(help.exit()).isZero();
        assertThat(help.out()).startsWith("usage: infrakit4j-java");
    }

    @Test
    void aSymlinkedLauncherInAPathWithASpaceServesAndRecordsItsArchiveOnce() throws Exception {
        List<String> before = Release.listing(home);
        Path cache = work.resolve("cache");
        Path plugins = work.resolve("p");
        Path classLog1 = work.resolve("classes-1.log");
        Path classLog2 = work.resolve("classes-2.log");

        Running first = Running.start(linked, Map.of("XDG_CACHE_HOME", cache.toString(),
                "INFRAKIT_HOME", work.resolve("state").toString(),
                "JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog1), plugins);
        InstanceId id;
        try (InstancePluginClient client = InstancePluginClient.connect(first.socket(), "", Duration.ofSeconds(30))) {
            id = client.provision(Spec.of(RawJson.of("{\"Note\":\"from the tarball\"}"), Map.of("role", "web")));
            assertThat(client.describeInstances(Map.of("role", "web"), false))
                    .extracting(d -> d.id()).containsExactly(id);
        }
        String firstErr = first.stop();
        assertThat(firstErr).contains("infrakit4j: first start of this installation with this JVM")
                .doesNotContain("Could not find or load main class").doesNotContain("not found");
        List<Path> archives;
        try (Stream<Path> files = Files.walk(cache)) {
            archives = files.filter(p -> p.getFileName().toString().startsWith("org.infrakit4j.file.FileMain."))
                    .toList();
        }
        assertThat(archives).as("the archive recorded into the user's cache").hasSize(1);
        assertThat(archives.get(0).toString()).startsWith(cache.resolve("infrakit4j/" + Release.VERSION).toString());
        assertThat(Files.size(archives.get(0))).isGreaterThan(100_000);

        Running second = Running.start(linked, Map.of("XDG_CACHE_HOME", cache.toString(),
                "INFRAKIT_HOME", work.resolve("state").toString(),
                "JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog2), plugins);
        try (InstancePluginClient client = InstancePluginClient.connect(second.socket(), "", Duration.ofSeconds(30))) {
            assertThat(client.describeInstances(Map.of(), false)).extracting(d -> d.id()).containsExactly(id);
        }
        String secondErr = second.stop();
        assertThat(secondErr).as("nothing to say when the archive is used").doesNotContain("infrakit4j:");
        assertThat(Files.readString(classLog1)).contains("org.infrakit4j.file.FileMain source: file:");
        assertThat(Files.readString(classLog2)).as("the second start maps the plugin's classes from the archive")
                .containsPattern("org\\.infrakit4j\\.file\\.FileMain source: shared objects file \\(top\\)")
                .containsPattern("org\\.infrakit4j\\.rpc\\.PluginServer source: shared objects file \\(top\\)")
                // The command line is read by runtime's own Flags: no annotation-driven parser is loaded.
                .doesNotContain("picocli.")
                .as("logging is configured in code: no XML parser loaded").doesNotContain("org.apache.xerces");
        assertThat(Files.readString(home.resolve("bin/infrakit-instance-file")))
                .as("plugin-file's class path holds its own jars, not the other plugins'")
                .contains("--jars ").contains("infrakit4j-plugin-file-").doesNotContain("picocli-")
                .doesNotContain("ec2-").doesNotContain("docker-java").doesNotContain("libvirt-");
        assertThat(Release.listing(home)).as("nothing written into the installation").isEqualTo(before);
    }

    @Test
    void aLogbackFileOfTheOperatorsReplacesTheBuiltInLogging() throws Exception {
        Path file = work.resolve("my-logback.xml");
        // As conf/logback-example.xml says: appenders TEXT and JSON; --log-format keeps one of them.
        Files.writeString(file, "<configuration>"
                + "<appender name=\"TEXT\" class=\"ch.qos.logback.core.ConsoleAppender\"><target>System.err</target>"
                + "<encoder><pattern>OWN-FORMAT %level %msg%n</pattern></encoder></appender>"
                + "<appender name=\"JSON\" class=\"ch.qos.logback.core.ConsoleAppender\"><target>System.err</target>"
                + "<encoder><pattern>OWN-JSON %msg%n</pattern></encoder></appender>"
                + "<root level=\"INFO\"><appender-ref ref=\"TEXT\"/><appender-ref ref=\"JSON\"/></root>"
                + "</configuration>");
        Running plugin = Running.start(home.resolve("bin/infrakit-instance-file"), Map.of(
                "XDG_CACHE_HOME", work.resolve("cache-own").toString(),
                "INFRAKIT_HOME", work.resolve("state-own").toString(),
                "JAVA_OPTS", "-Dlogback.configurationFile=" + file), work.resolve("p-own"));
        String err = plugin.stop();
        assertThat(err).contains("OWN-FORMAT INFO serving").doesNotContain("OWN-JSON")
                .doesNotContain("ERROR in ch.qos.logback");
    }

    @Test
    void aCacheThatCannotBeWrittenIsSaidNotSilent() throws Exception {
        Path notADir = work.resolve("cache-file");
        Files.writeString(notADir, "a file where the cache directory should go");
        Running plugin = Running.start(home.resolve("bin/infrakit-instance-file"), Map.of(
                "XDG_CACHE_HOME", notADir.toString(), "INFRAKIT_HOME", work.resolve("state-2").toString()),
                work.resolve("p2"));
        String err = plugin.stop();
        assertThat(err).contains("infrakit4j: class data sharing not used: cannot write its cache directory "
                + notADir + "/infrakit4j/" + Release.VERSION);
    }

    @Test
    void theBuildDirectoryUsesTheArchiveTheBuildRecorded() throws Exception {
        Path classLog = work.resolve("classes-build.log");
        Running plugin = Running.start(Release.DIST.resolve("bin/infrakit-instance-file"), Map.of(
                "XDG_CACHE_HOME", work.resolve("unused-cache").toString(),
                "INFRAKIT_HOME", work.resolve("state-3").toString(),
                "JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog), work.resolve("p3"));
        String err = plugin.stop();
        assertThat(err).doesNotContain("infrakit4j:");
        assertThat(Files.readString(classLog))
                .containsPattern("org\\.infrakit4j\\.file\\.FileMain source: shared objects file \\(top\\)");
        assertThat(work.resolve("unused-cache")).doesNotExist();
    }

    /** A plugin process started from a launcher, serving once {@link #start} returns. */
    record Running(Process process, Path socket, Path err) {
        static Running start(Path launcher, Map<String, String> env, Path plugins) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--plugins-dir", plugins.toString());
            Map<String, String> all = new HashMap<>(env);
            all.remove("JAVA_HOME"); // the JVM on PATH, as a user's shell has it
            pb.environment().remove("JAVA_HOME");
            pb.environment().putAll(all);
            Path err = Files.createTempFile("ik4j-dist-plugin", ".err");
            pb.redirectErrorStream(false).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
            Process p = pb.start();
            Path socket = plugins.resolve("instance-file");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(socket)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new AssertionError("plugin-file did not serve " + socket + " (exit "
                            + (p.isAlive() ? "none, still starting" : p.exitValue()) + "):\n"
                            + Files.readString(err, StandardCharsets.UTF_8));
                }
                Thread.sleep(50);
            }
            return new Running(p, socket, err);
        }

        /** SIGTERM, then the exit code 0 and the socket gone; returns what the plugin wrote on stderr. */
        String stop() throws Exception {
            process.destroy();
            // Recording an archive at exit takes a few seconds more on a busy machine.
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
            String text = Files.readString(err, StandardCharsets.UTF_8);
            Files.deleteIfExists(err);
            assertThat(process.exitValue()).as("exit code; stderr:\n%s", text).isZero();
            assertThat(socket).doesNotExist();
            return text;
        }
    }
}
