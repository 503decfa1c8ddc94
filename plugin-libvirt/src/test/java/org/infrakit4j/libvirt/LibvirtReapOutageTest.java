package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reaping while libvirtd does not answer (SIGSTOP: its socket accepts, nothing replies): a dead domain that falls due
 * during the freeze is not lost and not destroyed twice; it is reaped once, with its disk, after libvirtd answers
 * again, while the same plugin process kept answering every call within its bound.
 */
class LibvirtReapOutageTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(4);
    /** What the RPC round trip and a busy 2-core machine may add to the plugin's own bound. */
    private static final Duration SLACK = Duration.ofSeconds(4);
    private static final Duration REAP_AFTER = Duration.ofSeconds(30);

    private final String prefix = "ik4j-r" + UUID.randomUUID().toString().substring(0, 6);
    private final RawJson props = new RawJson("{\"NamePrefix\":\"" + prefix + "\",\"Type\":\"qemu\","
            + "\"MemoryMiB\":32,\"Console\":true,\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1}]}");
    private Path home;
    private PluginProcess processes;

    @BeforeEach
    void home() throws Exception {
        home = Files.createTempDirectory(Path.of("/tmp"), "ik4jlr-");
        processes = new PluginProcess(LibvirtMain.class, home, Map.of());
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            processes.close();
            LibvirtTestEnv.removeAll(prefix);
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, timeout).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static double metric(Path socket, String name) throws Exception {
        try (RawHttp http = new RawHttp(socket)) {
            return PrometheusText.parse(http.send("GET", "/metrics", null, null).text()).entrySet().stream()
                    .filter(e -> e.getKey().startsWith(name + "{")).mapToDouble(Map.Entry::getValue).sum();
        }
    }

    @Test
    void aDeadDomainDueWhileLibvirtdIsFrozenIsReapedOnceAfterItAnswersAgain() throws Exception {
        Path socket = processes.socket(LibvirtMain.DEFAULT_NAME);
        Process plugin = processes.start("--uri", LibvirtTestEnv.uri(), "--storage-pool", LibvirtTestEnv.pool(),
                "--libvirt-timeout", Long.toString(CALL_TIMEOUT.toSeconds()), "--namespace", "ik4j.test=" + prefix,
                "--reap-after", REAP_AFTER.toSeconds() + "s", "--console-log-dir", home.resolve("consoles").toString());
        PluginProcess.awaitSocket(socket, plugin, Duration.ofSeconds(60));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(60))) {
            InstanceId victim = client.provision(Spec.of(props, Map.of("role", "victim")));
            InstanceId keeper = client.provision(Spec.of(props, Map.of("role", "keeper")));
            await("the victim running", Duration.ofSeconds(60),
                    () -> LibvirtTestEnv.virsh("domstate", victim.value()).strip().equals("running"));
            LibvirtTestEnv.virsh("destroy", victim.value());
            assertThat(client.describeInstances(Map.of(), false)).extracting(Description::id)
                    .as("the dead one is left out").containsExactly(keeper);
            long seen = System.nanoTime(); // the reaper knows it dead from this Describe at the latest

            LibvirtDaemon.Daemon libvirtd = LibvirtDaemon.recorded();
            long thawing;
            int calls = 0;
            libvirtd.signal("STOP");
            try {
                // Frozen until well after the victim fell due and the reaper's sweeps (every 10 s) have tried.
                long until = seen + REAP_AFTER.plus(Reaper.SWEEP_INTERVAL.multipliedBy(2)).toNanos();
                while (System.nanoTime() < until) {
                    long start = System.nanoTime();
                    try {
                        client.describeInstances(Map.of(), false);
                        throw new AssertionError("Describe answered from a frozen libvirtd");
                    } catch (InstanceException e) {
                        assertThat(WireErrors.text(e)).startsWith("backend unavailable: libvirt at "
                                + LibvirtTestEnv.uri());
                    }
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("Describe while frozen")
                            .isLessThanOrEqualTo(CALL_TIMEOUT.multipliedBy(2).plus(SLACK));
                    calls++;
                    assertThat(plugin.isAlive()).isTrue();
                    Thread.sleep(1000);
                }
            } finally {
                thawing = System.nanoTime();
                libvirtd.signal("CONT");
            }
            assertThat(Duration.ofNanos(thawing - seen)).as("frozen past the victim's due time")
                    .isGreaterThan(REAP_AFTER.plus(Reaper.SWEEP_INTERVAL));

            await("the dead domain reaped after the thaw", Duration.ofMinutes(3),
                    () -> !LibvirtTestEnv.domains(prefix).contains(victim.value()));
            long reaped = System.nanoTime();
            await("the plugin serving again", Duration.ofSeconds(60), () -> {
                try {
                    return client.describeInstances(Map.of(), false).stream().map(Description::id).toList()
                            .equals(List.of(keeper));
                } catch (InstanceException e) {
                    return false;
                }
            });
            assertThat(LibvirtTestEnv.volumes(victim.value())).as("the victim's disk went with it").isEmpty();
            Path consoles = home.resolve("consoles");
            assertThat(consoles.resolve(victim.value() + ".console.log")).as("its console log went too")
                    .doesNotExist();
            assertThat(consoles.resolve(keeper.value() + ".console.log")).as("the live one's is kept").exists();
            assertThat(LibvirtTestEnv.domains(prefix)).as("the live one is untouched").containsExactly(
                    keeper.value());

            String log = processes.output(0);
            List<String> lines = log.lines().toList();
            int failed = indexOf(lines, "reaper cannot list dead instances", 0);
            int again = indexOf(lines, "reaper lists dead instances again", failed);
            int reapedLine = indexOf(lines, "dead instance reaped", again);
            assertThat(failed).as("a sweep failed while libvirtd was frozen:\n%s", log).isNotNegative();
            assertThat(again).as("the reaper listed again after the thaw:\n%s", log).isPositive();
            assertThat(reapedLine).as("reaped after libvirtd answered again:\n%s", log).isPositive();
            assertThat(lines).filteredOn(l -> l.contains("dead instance reaped") && l.contains(victim.value()))
                    .as("reaped exactly once").hasSize(1);
            assertThat(lines).filteredOn(l -> l.contains("reaping a dead instance") && l.contains(victim.value()))
                    .as("its last state logged first, naming its console log").isNotEmpty()
                    .allSatisfy(l -> assertThat(l).contains("stateReason=\"destroyed\"")
                            .contains("consoleLogFile=\"" + home.resolve("consoles").resolve(victim.value()
                                    + ".console.log") + "\"").contains("consoleLog="));
            assertThat(metric(socket, "infrakit4j_dead_instances_reaped_total")).as("reaped metric").isEqualTo(1.0);
            assertThat(metric(socket, "infrakit4j_dead_instances_seen_total")).as("seen metric").isEqualTo(1.0);
            assertThat(plugin.isAlive()).isTrue();
            client.destroy(keeper, DestroyContext.TERMINATE);
            System.out.printf("SELF-HEALING LibvirtReapOutageTest: libvirtd frozen %.1f s (--reap-after %d s, due "
                            + "during the freeze); %d Describes answered 'backend unavailable' meanwhile; the dead "
                            + "domain reaped once, %.1f s after the thaw%n", (thawing - seen) / 1e9,
                    REAP_AFTER.toSeconds(), calls, (reaped - thawing) / 1e9);
        }
    }

    /** The first line at or after {@code from} containing {@code text}; -1 when none (or {@code from} is -1). */
    private static int indexOf(List<String> lines, String text, int from) {
        if (from < 0) {
            return -1;
        }
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
