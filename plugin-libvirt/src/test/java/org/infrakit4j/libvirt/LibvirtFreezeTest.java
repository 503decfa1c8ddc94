package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.LoopingClients;
import org.infrakit4j.testkit.LoopingClients.Call;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A libvirtd that stops answering (SIGSTOP: its socket still accepts, nothing replies) under looping clients: the
 * plugin, as its own process, answers every call within its bound with {@code backend unavailable}, /healthz says
 * 503, and once libvirtd is thawed (SIGCONT) the same process serves again and nothing is orphaned in libvirt.
 */
class LibvirtFreezeTest {
    private static final int CLIENTS = 2;
    /** The plugin's --libvirt-timeout: each libvirt call's bound. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(4);
    /** What the RPC round trip and a busy 2-core machine may add to the plugin's own bound. */
    private static final Duration SLACK = Duration.ofSeconds(4);
    /** A call frozen part-way makes at most two bounded libvirt calls: the step it was in and its clean-up. */
    private static final Duration CALL_BOUND = CALL_TIMEOUT.multipliedBy(2).plus(SLACK);
    /** /healthz waits at most 0.7 s for libvirt. */
    private static final Duration HEALTH_BOUND = Duration.ofMillis(700).plus(SLACK);
    /**
     * Frozen, a round of the four methods takes about three call timeouts (Destroy answers after 0.5 s): long
     * enough for each client to finish the call it was in and then make every method at least once.
     */
    private static final Duration FREEZE = CALL_TIMEOUT.multipliedBy(8);

    private final String prefix = "ik4j-f" + UUID.randomUUID().toString().substring(0, 6);
    private final String namespace = "ik4j.namespace=freeze-" + prefix;
    private final RawJson props = new RawJson("{\"NamePrefix\":\"" + prefix + "\",\"Type\":\"qemu\","
            + "\"MemoryMiB\":32,\"Console\":false}");
    private Path home;
    private PluginProcess processes;
    private LoopingClients load;

    @BeforeEach
    void home() throws Exception {
        processes = PluginProcess.inNewHome(LibvirtMain.class, "ik4jlf-", Map.of());
        home = processes.home();
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (load != null) {
                load.close();
            }
            processes.close();
        } finally {
            LibvirtTestEnv.removeAll(prefix);
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, timeout).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The last /healthz answer, for the message of a failed wait. */
    private volatile String lastHealth = "";

    /** /healthz on a connection of its own: the plugin's server may close an idle one (30 s). */
    private static RawHttp.Reply probe(Path socket) throws Exception {
        try (RawHttp http = new RawHttp(socket)) {
            return http.send("GET", "/healthz", null, null);
        }
    }

    private int health(Path socket) {
        try {
            RawHttp.Reply reply = probe(socket);
            lastHealth = reply.text();
            return reply.status();
        } catch (Exception e) {
            lastHealth = e.toString();
            return -1;
        }
    }

    /** The plugin's thread dump (jcmd), to tell where a call waits. */
    private static String threads(Process p) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(p.pid()), "Thread.print").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (Exception e) {
            return "no thread dump: " + e;
        }
    }

    @Test
    void aFrozenLibvirtdFailsEveryCallWithinItsBoundAndTheSamePluginServesOnceItThaws() throws Exception {
        String uri = LibvirtTestEnv.uri();
        Path socket = processes.socket(LibvirtMain.DEFAULT_NAME);
        Process plugin = processes.start("--uri", uri, "--storage-pool", LibvirtTestEnv.pool(), "--libvirt-timeout",
                Long.toString(CALL_TIMEOUT.toSeconds()), "--namespace", namespace, "--log-level", "warn",
                // A Provision whose start the freeze cut short leaves a shut-off, so dead, domain: listed here and
                // never reaped, so the test sees every domain (LibvirtReapOutageTest covers reaping in an outage).
                "--report-dead", "--reap-after", "never");
        PluginProcess.awaitSocket(socket, plugin, Duration.ofSeconds(60));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(60))) {
            List<InstanceId> before = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                before.add(client.provision(Spec.of(props, Map.of("ik4j.phase", "before"))));
            }
            assertThat(probe(socket).text()).isEqualTo("ok\n");
            load = LoopingClients.start(client, props, CLIENTS);
            await("calls succeeding before the freeze", Duration.ofMinutes(3),
                    () -> load.calls().stream().filter(c -> !c.failed()).count() >= 12);
            assertThat(load.calls()).as("calls before the freeze").noneMatch(Call::failed);

            LibvirtDaemon.Daemon libvirtd = LibvirtDaemon.recorded();
            long frozen;
            long thawing;
            int probes = 0;
            long maxHealthMillis = 0;
            libvirtd.signal("STOP");
            try {
                frozen = System.nanoTime();
                while (System.nanoTime() - frozen < FREEZE.toNanos()) {
                    long start = System.nanoTime();
                    RawHttp.Reply reply = probe(socket);
                    maxHealthMillis = Math.max(maxHealthMillis, (System.nanoTime() - start) / 1_000_000);
                    probes++;
                    assertThat(reply.status()).as("/healthz, libvirtd frozen: %s", reply.text()).isEqualTo(503);
                    assertThat(reply.text()).startsWith("backend unavailable: libvirt at " + uri);
                    assertThat(plugin.isAlive()).as("the plugin process stays up").isTrue();
                    Thread.sleep(250);
                }
            } finally {
                thawing = System.nanoTime();
                libvirtd.signal("CONT");
            }
            try {
                await("/healthz ok after the thaw", Duration.ofSeconds(90), () -> health(socket) == 200);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; last /healthz: " + lastHealth + "; plugin log:\n"
                        + processes.output(0) + "\nplugin threads:\n" + threads(plugin), e);
            }
            long healthy = System.nanoTime();
            InstanceId fresh = client.provision(Spec.of(props, Map.of("ik4j.phase", "after")));
            assertThat(client.describeInstances(Map.of("ik4j.phase", "after"), false)).extracting(Description::id)
                    .containsExactly(fresh);
            client.destroy(fresh, DestroyContext.TERMINATE);
            assertThat(client.describeInstances(Map.of("ik4j.phase", "after"), false)).isEmpty();
            long serving = System.nanoTime();
            Thread.sleep(3000); // the load runs on against the thawed libvirtd
            load.stop(Duration.ofMinutes(2));

            List<Call> during = load.within(frozen, thawing);
            assertThat(during).extracting(Call::method).as("methods called while libvirtd was frozen")
                    .containsAll(LoopingClients.METHODS);
            // Destroy answers within 0.5 s by design and leaves the removal to the background, so it may say OK.
            assertThat(during).filteredOn(c -> !c.method().equals("Destroy")).allSatisfy(c ->
                    assertThat(c.error()).as("%s, libvirtd frozen", c.method()).isNotNull()
                            .startsWith("backend unavailable: libvirt at " + uri + ": "));
            assertThat(during).filteredOn(Call::failed).allSatisfy(c -> assertThat(c.error()).as(c.method())
                    .startsWith("backend unavailable: libvirt at " + uri + ": "));
            assertThat(during).as("every call answered within %s while libvirtd was frozen", CALL_BOUND)
                    .allSatisfy(c -> assertThat(c.millis()).as(c.method()).isLessThanOrEqualTo(CALL_BOUND.toMillis()));
            assertThat(maxHealthMillis).as("slowest /healthz while frozen (ms)")
                    .isLessThanOrEqualTo(HEALTH_BOUND.toMillis());
            Pattern named = Pattern.compile("^(backend unavailable|backend error): .*libvirt at " + Pattern.quote(uri)
                    + ".*", Pattern.DOTALL);
            assertThat(load.calls()).filteredOn(Call::failed).as("every failure names libvirt")
                    .allSatisfy(c -> assertThat(c.error()).as(c.method()).matches(named));
            List<Call> recovered = load.since(serving);
            assertThat(recovered).isNotEmpty().allSatisfy(c -> assertThat(c.error()).as("%s after the thaw",
                    c.method()).isNull());
            assertThat(plugin.isAlive()).isTrue();

            // Nothing orphaned: once removals still under way are done, every domain of the test in libvirt is
            // described (so a group plugin can destroy it), and destroying them all leaves none.
            Set<String> inLibvirt = new HashSet<>();
            Set<String> described = new HashSet<>();
            await("libvirt and Describe agreeing", Duration.ofMinutes(2), () -> {
                inLibvirt.clear();
                inLibvirt.addAll(LibvirtTestEnv.domains(prefix));
                described.clear();
                described.addAll(client.describeInstances(Map.of(), false).stream().map(d -> d.id().value())
                        .collect(Collectors.toSet()));
                return inLibvirt.equals(described);
            });
            assertThat(described).containsAll(before.stream().map(InstanceId::value).toList());
            for (String id : described) {
                client.destroy(new InstanceId(id), DestroyContext.TERMINATE);
            }
            await("every domain of the test removed", Duration.ofMinutes(3),
                    () -> LibvirtTestEnv.domains(prefix).isEmpty()
                            && client.describeInstances(Map.of(), false).isEmpty());

            System.out.printf("RELIABILITY: plugin-libvirt libvirtd frozen (SIGSTOP) %.1f s under %d looping "
                            + "clients, --libvirt-timeout %d s: %d calls during it, %d failed (all \"backend "
                            + "unavailable: libvirt at ...\"), slowest %d ms; /healthz 503, slowest of %d probes "
                            + "%d ms; ok again %d ms after SIGCONT; the same process throughout; %d domains "
                            + "described and destroyed after, 0 orphaned%n",
                    (thawing - frozen) / 1e9, CLIENTS, CALL_TIMEOUT.toSeconds(), during.size(),
                    during.stream().filter(Call::failed).count(),
                    during.stream().mapToLong(Call::millis).max().orElseThrow(), probes, maxHealthMillis,
                    TimeUnit.NANOSECONDS.toMillis(healthy - thawing), described.size());
        }
    }
}
