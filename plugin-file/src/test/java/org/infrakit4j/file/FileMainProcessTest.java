package org.infrakit4j.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The plugin as its own process: socket lifecycle, signals, exit codes. */
class FileMainProcessTest {
    private Path home;
    private PluginProcess processes;

    @BeforeEach
    void home() throws IOException {
        processes = PluginProcess.inNewHome(FileMain.class, "ik4jp-", Map.of());
        home = processes.home();
    }

    @AfterEach
    void cleanup() throws Exception {
        processes.close();
    }

    private Process start(String... args) throws IOException {
        return processes.start(args);
    }

    private String output(int n) throws IOException {
        return processes.output(n);
    }

    private static void awaitSocket(Path socket, Process p) throws Exception {
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(30));
    }

    @Test
    void servesOnTheDefaultSocketAndStopsCleanlyOnSigterm() throws Exception {
        Process p = start();
        Path socket = home.resolve("plugins/instance-file");
        awaitSocket(socket, p);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("plugins"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(Files.readString(home.resolve("plugins/instance-file.pid"))).isEqualTo(Long.toString(p.pid()));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10));
             RawHttp idle = new RawHttp(socket)) {
            client.provision(Spec.of(new RawJson("{}"), Map.of("a", "b")));
            assertThat(idle.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{},\"id\":1}")
                    .status()).isEqualTo(200);
            long t0 = System.nanoTime();
            PluginProcess.term(p);
            assertThat(p.waitFor(8, TimeUnit.SECONDS)).as("exits though a keep-alive connection is open").isTrue();
            assertThat(p.exitValue()).isEqualTo(0);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        }
        assertThat(socket).doesNotExist();
        assertThat(home.resolve("plugins/instance-file.pid")).doesNotExist();
        try (var files = Files.list(home.resolve("instance-file"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".json")).count()).isEqualTo(1);
        }
    }

    @Test
    void servesMetricsAndReportsAnUnusableDirectoryOnHealthz() throws Exception {
        Process p = start("--dir", home.resolve("data").toString());
        Path socket = home.resolve("plugins/instance-file");
        awaitSocket(socket, p);
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10));
             RawHttp http = new RawHttp(socket)) {
            client.provision(Spec.of(new RawJson("{}"), Map.of("a", "b")));
            Map<String, Double> metrics = PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
            assertThat(metrics).containsEntry(
                    "infrakit4j_backend_call_duration_seconds_count{operation=\"journal.append\"}", 1.0);
            assertThat(metrics.keySet()).anyMatch(k -> k.startsWith("infrakit4j_build_info{plugin=\"instance-file\""));
            assertThat(http.send("GET", "/healthz", null, null).text()).isEqualTo("ok\n");

            Files.move(home.resolve("data"), home.resolve("moved"));
            RawHttp.Reply sick = http.send("GET", "/healthz", null, null);
            assertThat(sick.status()).isEqualTo(503);
            assertThat(sick.text()).isEqualTo("backend unavailable: directory " + home.resolve("data")
                    + " is missing or not writable\n");
            assertThat(p.isAlive()).isTrue();

            Files.move(home.resolve("moved"), home.resolve("data"));
            assertThat(http.send("GET", "/healthz", null, null).text()).isEqualTo("ok\n");
            assertThat(client.describeInstances(Map.of("a", "b"), false)).hasSize(1);
        }
    }

    @Test
    void jsonLogsHaveOneLinePerCallWithMethodInstanceDurationAndError() throws Exception {
        Process p = start("--log-format", "json", "--log-level", "debug");
        Path socket = home.resolve("plugins/instance-file");
        awaitSocket(socket, p);
        String made;
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            made = client.provision(Spec.of(new RawJson("{}"), Map.of("a", "b"))).value();
            client.label(new org.infrakit4j.spi.InstanceId(made), Map.of("c", "d"));
            client.describeInstances(Map.of(), false);
            assertThatThrownBy(() -> client.validate(new RawJson("[1]")));
            client.destroy(new org.infrakit4j.spi.InstanceId(made), org.infrakit4j.spi.DestroyContext.TERMINATE);
        }
        PluginProcess.term(p);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<Map<String, String>> calls = new java.util.ArrayList<>();
        for (String line : output(0).lines().toList()) {
            com.fasterxml.jackson.databind.JsonNode event = json.readTree(line);
            Map<String, String> kv = new java.util.HashMap<>();
            // Each key=value is a top-level field of its own JSON type: the duration a number, not a string.
            event.fields().forEachRemaining(f -> kv.put(f.getKey(), f.getValue().asText()));
            if (kv.containsKey("method")) {
                assertThat(event.path("durationMs").isIntegralNumber()).as(line).isTrue();
                assertThat(event.path("timestamp").asText()).as(line)
                        .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
                kv.put("level", event.path("level").asText());
                calls.add(kv);
            }
        }
        assertThat(calls).extracting(c -> c.get("method")).containsExactly("Instance.Provision",
                "Instance.Label", "Instance.DescribeInstances", "Instance.Validate", "Instance.Destroy");
        assertThat(calls).allSatisfy(c -> assertThat(Double.parseDouble(c.get("durationMs"))).isNotNegative());
        assertThat(calls.get(0)).containsEntry("instance", made).containsEntry("level", "INFO");
        assertThat(calls.get(1)).containsEntry("instance", made);
        assertThat(calls.get(3)).containsEntry("level", "WARN")
                .containsEntry("error", "invalid properties: Properties: must be a JSON object, got an array");
        assertThat(calls.get(4)).containsEntry("instance", made);
    }

    @Test
    void aNewlineInAnIdCannotForgeATextLogLine() throws Exception {
        Process p = start("--log-level", "debug");
        Path socket = home.resolve("plugins/instance-file");
        awaitSocket(socket, p);
        String forged = "2026-01-01T00:00:00.000Z INFO  RpcDispatcher - forged";
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> client.label(new org.infrakit4j.spi.InstanceId("instance-1\n" + forged
                    + "\r\u2028\u202e"), Map.of("k", "v\nforged"))).isInstanceOf(InstanceException.class);
            client.destroy(new org.infrakit4j.spi.InstanceId("x\n" + forged),
                    org.infrakit4j.spi.DestroyContext.TERMINATE);
        }
        PluginProcess.term(p);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String log = output(0);
        assertThat(log.lines().filter(l -> l.matches("\\S+ (INFO |WARN ) RpcDispatcher - .*"))).as(log).hasSize(2);
        assertThat(log).doesNotContain("%n");
        assertThat(log.lines()).as(log).allSatisfy(line -> assertThat(line)
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) .*")
                .doesNotContain("\r", "\u2028", "\u202e"));
        assertThat(log).contains("instance-1\\n" + forged + "\\r\\u2028\\u202e", "x\\n" + forged);
    }

    @Test
    void killNineDuringProvisionsLosesNoAcknowledgedInstance() throws Exception {
        Path socket = home.resolve("plugins/instance-file");
        Process p = start();
        awaitSocket(socket, p);
        java.util.Set<org.infrakit4j.spi.InstanceId> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            client.handshake();
            for (int t = 0; t < 8; t++) {
                pool.submit(() -> {
                    for (int i = 0; ; i++) {
                        acknowledged.add(client.provision(Spec.of(new RawJson("{\"n\":" + i + "}"),
                                Map.of("crash", "test"))));
                    }
                });
            }
            while (acknowledged.size() < 300) {
                Thread.sleep(5);
            }
            PluginProcess.kill9(p);
        } finally {
            pool.shutdownNow();
        }
        assertThat(socket).as("a killed plugin leaves its socket behind").exists();
        if (Boolean.getBoolean("ik4j.debugCrash")) {
            new ProcessBuilder("cp", "-a", home.toString(), "/tmp/ik4j-crash-before").start().waitFor();
        }
        Process again = start();
        awaitSocket(socket, again);
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            List<org.infrakit4j.spi.Description> found = client.describeInstances(Map.of("crash", "test"), false);
            if (Boolean.getBoolean("ik4j.debugCrash")) {
                java.util.Set<org.infrakit4j.spi.InstanceId> got = new java.util.HashSet<>();
                found.forEach(d -> got.add(d.id()));
                java.util.Set<org.infrakit4j.spi.InstanceId> missing = new java.util.HashSet<>(acknowledged);
                missing.removeAll(got);
                System.err.println("DEBUG acknowledged=" + acknowledged.size() + " found=" + found.size() + " missing=" + missing);
                new ProcessBuilder("cp", "-a", home.toString(), "/tmp/ik4j-crash-debug").start().waitFor();
            }
            assertThat(found).extracting(org.infrakit4j.spi.Description::id).containsAll(acknowledged);
            System.out.printf("RELIABILITY: plugin-file kill -9 under 8 provisioning clients: %d acknowledged, "
                    + "%d described after restart, 0 lost%n", acknowledged.size(), found.size());
        }
        try (var files = Files.list(home.resolve("instance-file"))) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".json"))::iterator) {
                assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).path("ID").asText())
                        .as("every instance file is whole: %s", f).isEqualTo(f.getFileName().toString()
                                .replace(".json", ""));
            }
        }
        assertThat(output(1)).doesNotContain("skipping a corrupt instance file");
    }

    @Test
    void aSecondProcessWithTheSameNameFailsFastAndLeavesTheFirstServing() throws Exception {
        Process first = start("--dir", home.resolve("a").toString());
        Path socket = home.resolve("plugins/instance-file");
        awaitSocket(socket, first);
        Process second = start("--dir", home.resolve("b").toString());
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(output(1)).contains("another plugin is already serving " + socket)
                .contains("process " + first.pid());
        assertThat(first.isAlive()).isTrue();
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            assertThat(client.describeInstances(Map.of(), false)).isEmpty();
        }
    }

    @Test
    void aSecondProcessOnTheSameDirectoryIsRefused() throws Exception {
        Process first = start("--dir", home.resolve("same").toString());
        awaitSocket(home.resolve("plugins/instance-file"), first);
        Process second = start("--dir", home.resolve("same").toString(), "--name", "instance-file-2");
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(output(1)).contains("another plugin process is using " + home.resolve("same"));
        assertThat(home.resolve("plugins/instance-file-2")).doesNotExist();
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path plugins = Files.createDirectories(home.resolve("plugins"));
        Path socket = plugins.resolve("instance-file");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        Process p = start();
        awaitSocket(socket, p);
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            assertThat(client.handshake()).isEqualTo("Instance/0.6.0");
        }
    }

    @Test
    void aSocketPathOverTheUnixLimitIsAClearStartupError() throws Exception {
        Path deep = home.resolve("d".repeat(60)).resolve("e".repeat(60));
        Process p = start("--plugins-dir", deep.toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(output(0)).contains("over the unix limit of 107");
    }

    @Test
    void aBadFlagIsAUsageError() throws Exception {
        Process p = start("--no-such-flag");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(output(0)).contains("Unknown option: '--no-such-flag'");
    }

    @Test
    void theGoPluginsLogFlagAndDirVariableStillWorkAndAreLoggedAsDeprecated() throws Exception {
        Path files = home.resolve("go-dir");
        processes = processes.withEnvironment(Map.of("INFRAKIT_INSTANCE_FILE_DIR", files.toString()));
        Process p = start("--log", "5");
        awaitSocket(home.resolve("plugins/instance-file"), p);
        PluginProcess.term(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(files).as("the directory came from $INFRAKIT_INSTANCE_FILE_DIR").isDirectory();
        String log = output(0);
        assertThat(log).contains("--log 5 is deprecated: use --log-level debug")
                .contains("$INFRAKIT_INSTANCE_FILE_DIR is deprecated: use --dir " + files);
    }

    @Test
    void aGoLogLevelThatContradictsLogLevelIsAUsageError() throws Exception {
        Process p = start("--log", "3", "--log-level", "debug");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(output(0)).contains("--log 3 means --log-level warn, which conflicts with --log-level debug");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "--log-level|loud|Invalid value for option '--log-level'",
        "--log|9|--log must be a number from 0 to 5",
        "--stop-timeout|-1|--stop-timeout must be 0 or more seconds, not -1",
        "--max-body|-5|--max-body must be a positive number of bytes, not -5",
        "--max-connections|0|--max-connections must be at least 1, not 0",
        "--name|..|--name .. is not a plain file name"})
    void aBadFlagValueIsAUsageErrorBeforeAnythingIsTouched(String flag, String value, String message)
            throws Exception {
        Process p = start(flag, value, "--dir", home.resolve("files").toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_USAGE);
        assertThat(output(0)).contains(message);
        assertThat(home.resolve("plugins")).doesNotExist();
        assertThat(home.resolve("files")).doesNotExist();
    }

    @Test
    void aDirThatIsAFileIsSaidInWords() throws Exception {
        Path file = Files.writeString(home.resolve("x"), "not a directory");
        Process p = start("--dir", file.toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(output(0)).contains("error: --dir " + file + " is a file, not a directory")
                .doesNotContain("Exception");
        assertThat(Files.readString(file)).isEqualTo("not a directory");
    }

    @Test
    void aPluginsDirThatIsAFileIsSaidInWords() throws Exception {
        Path file = Files.writeString(home.resolve("plugins"), "");
        Process p = start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(PluginLauncher.EXIT_STARTUP);
        assertThat(output(0)).contains("the plugins directory " + file + " is a file, not a directory")
                .doesNotContain("Exception");
    }

    @Test
    void anExistingSharedPluginsDirKeepsItsModeAndIsReportedWhileTheSocketStaysOwnerOnly() throws Exception {
        Path plugins = Files.createDirectories(home.resolve("plugins"));
        Files.setPosixFilePermissions(plugins, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        Process p = start();
        awaitSocket(plugins.resolve("instance-file"), p);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(plugins)))
                .isEqualTo("rwxr-x---");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(plugins.resolve("instance-file")))).isEqualTo("rw-------");
        assertThat(output(0)).contains("the plugins directory " + plugins + " is rwxr-x---");
    }
}
