package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.LoopingClients;
import org.infrakit4j.testkit.LoopingClients.Call;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * EC2 going away under load and coming back: the plugin runs as its own process on a private emulator, which the
 * test stops and starts again (empty: moto keeps no state) while clients keep calling.
 */
class Ec2OutageTest {
    private static final int CLIENTS = 4;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    /** What the RPC round trip may add to the plugin's own bound on a busy machine (two shared cores, load ~4). */
    private static final Duration RPC_SLACK = Duration.ofSeconds(3);
    /** /healthz waits about 0.9 s for its probe; this is that bound with the same room for a busy machine. */
    private static final Duration HEALTH_BOUND = Duration.ofSeconds(4);
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    /** Threads the plugin may have beyond its count under load before the outage: pools idle out, none pile up. */
    private static final int THREAD_SLACK = 16;

    /**
     * The SDK's message when a call outlives the call timeout. The emulator, just restarted under four looping
     * clients on a shared machine, now and then answers slower than the 2 s: that is the timeout working, not a
     * failure to recover. A plugin call whose first EC2 calls used up its one deadline says so instead.
     */
    private static final String SLOW = "did not complete before the specified timeout";
    private static final String SPENT = "is spent by the EC2 calls before it";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Path home;
    private PrivateMoto moto;
    private PluginProcess processes;
    private LoopingClients load;

    @BeforeEach
    void start() throws Exception {
        processes = PluginProcess.inNewHome(Ec2Main.class, "ik4jo-", Ec2Emulator.processEnvironment());
        home = processes.home();
        moto = PrivateMoto.start(home.resolve("moto.log"));
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        try {
            if (moto != null) {
                moto.close();
            }
        } finally {
            processes.close(); // and its home, moto's log with it
        }
    }

    @Test
    void theSamePluginFailsFastDuringAnOutageAndServesWhenEc2IsBack() throws Exception {
        Path socket = processes.socket(Ec2Main.DEFAULT_NAME);
        String ami;
        try (Ec2Client admin = Ec2Emulator.client(moto.endpoint())) {
            ami = Ec2Emulator.imageId(admin);
        }
        RawJson props = new RawJson("{\"ImageId\":\"" + ami + "\",\"InstanceType\":\"t2.micro\"}");
        Process p = processes.start("--region", Ec2Emulator.REGION, "--endpoint", moto.endpoint().toString(),
                "--namespace", "ik4j.run=" + run, "--max-retries", "2", "--rate", "0",
                "--call-timeout", Double.toString(CALL_TIMEOUT.toMillis() / 1000.0),
                // The test's one /healthz connection stays open while moto restarts, which may take longer than
                // the default 30 s idle timeout on a busy machine: the server would rightly close it.
                "--idle-timeout", "600");
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30));
             RawHttp http = new RawHttp(socket)) {
            List<InstanceId> before = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                before.add(client.provision(Spec.of(props, Map.of("ik4j.phase", "before"))));
            }
            assertThat(client.describeInstances(Map.of("ik4j.phase", "before"), false)).hasSize(3);
            assertThat(http.send("GET", "/healthz", null, null).text()).isEqualTo("ok\n");
            load = LoopingClients.start(client, props, CLIENTS);
            Thread.sleep(3000); // warm-up: threads and RSS are measured once the load has run a while
            long rssBefore = PluginProcess.residentBytes(p);
            int threadsBefore = threads(p);

            moto.stop();
            long down = System.nanoTime();
            long maxHealthMillis = 0;
            int probes = 0;
            int namingTheEndpoint = 0;
            while (System.nanoTime() - down < OUTAGE.toNanos()) {
                long start = System.nanoTime();
                RawHttp.Reply health = http.send("GET", "/healthz", null, null);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                maxHealthMillis = Math.max(maxHealthMillis, millis);
                probes++;
                assertThat(health.status()).as(health.text()).isEqualTo(503);
                // On a busy machine the server may stop waiting for the probe first ("no answer within ...").
                assertThat(health.text()).startsWith("backend unavailable: ");
                if (health.text().contains("DescribeAvailabilityZones")) {
                    namingTheEndpoint++;
                    assertThat(health.text()).startsWith("backend unavailable: EC2 DescribeAvailabilityZones "
                            + "failed: cannot reach EC2 at " + moto.endpoint() + ": ");
                }
                assertThat(p.isAlive()).as("the plugin process stays up").isTrue();
                Thread.sleep(250);
            }
            long rssOutage = PluginProcess.residentBytes(p);

            // Calls that start after this may already reach the emulator coming back: the outage is over for them.
            long restarting = System.nanoTime();
            moto.startAgain();
            long up = System.nanoTime();
            while (http.send("GET", "/healthz", null, null).status() != 200) {
                assertThat(System.nanoTime() - up).as("healthz ok again").isLessThan(TimeUnit.SECONDS.toNanos(30));
                Thread.sleep(20);
            }
            long healthy = System.nanoTime();
            InstanceId fresh = client.provision(Spec.of(props, Map.of("ik4j.phase", "after")));
            assertThat(patiently(() -> client.describeInstances(Map.of("ik4j.phase", "after"), false)))
                    .extracting(Description::id).containsExactly(fresh);
            patiently(() -> {
                client.destroy(fresh, DestroyContext.TERMINATE);
                return true;
            });
            assertThat(patiently(() -> client.describeInstances(Map.of("ik4j.phase", "after"), false))).isEmpty();
            long serving = System.nanoTime();

            Thread.sleep(2000); // the load runs on against the emulator that came back
            load.stop(Duration.ofSeconds(60));
            long rssAfter = PluginProcess.residentBytes(p);
            int threadsAfter = threads(p);

            // What the emulator's restart means for the instances made before it: gone, and never invented.
            assertThat(patiently(() -> client.describeInstances(Map.of("ik4j.phase", "before"), false))).isEmpty();
            for (InstanceId gone : before) {
                assertThatThrownBy(() -> client.label(gone, Map.of("a", "b")))
                        .isInstanceOfSatisfying(InstanceException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
                patiently(() -> {
                    client.destroy(gone, DestroyContext.TERMINATE);
                    return true;
                });
            }
            List<Description> left = patiently(() -> client.describeInstances(Map.of(), false));
            try (Ec2Client admin = Ec2Emulator.client(moto.endpoint())) {
                Set<String> live = Ec2Emulator.liveInstances(admin, "ik4j.run", run);
                assertThat(left).extracting(d -> d.id().value()).as("Describe lists only what EC2 holds")
                        .containsExactlyInAnyOrderElementsOf(live);
                for (Description d : left) {
                    patiently(() -> {
                        client.destroy(d.id(), DestroyContext.TERMINATE);
                        return true;
                    });
                }
                assertThat(Ec2Emulator.liveInstances(admin, "ik4j.run", run)).as("orphans in EC2").isEmpty();
            }

            List<Call> during = load.within(down, restarting);
            assertThat(during).extracting(Call::method).contains("Describe", "Provision", "Label", "Destroy");
            assertThat(during).allSatisfy(c -> assertThat(c.error()).as("%s during the outage", c.method())
                    .matches("^(backend unavailable|backend error): EC2 \\w+ failed: .*"));
            assertThat(during).filteredOn(c -> c.error().startsWith("backend unavailable: "))
                    .allSatisfy(c -> assertThat(c.error()).contains("cannot reach EC2 at " + moto.endpoint() + ": "));
            long maxFailedMillis = during.stream().mapToLong(Call::millis).max().orElseThrow();
            assertThat(maxFailedMillis).as("slowest failed call (ms)")
                    .isLessThanOrEqualTo(CALL_TIMEOUT.plus(RPC_SLACK).toMillis());
            assertThat(maxHealthMillis).as("slowest /healthz (ms)").isLessThan(HEALTH_BOUND.toMillis());
            assertThat(namingTheEndpoint).as("/healthz answers naming the endpoint, of %d", probes).isPositive();
            List<Call> recovered = load.since(serving);
            assertThat(recovered).as("calls answered after recovery").anyMatch(c -> !c.failed());
            assertThat(recovered).filteredOn(c -> c.failed() && !slow(c.error())).as("failures after "
                    + "recovery, besides the emulator answering slower than the call timeout: only Label of the "
                    + "instance each client made before the restart").allSatisfy(c -> {
                        assertThat(c.method()).isEqualTo("Label");
                        assertThat(c.error()).startsWith("not found: ");
                    });
            assertThat(threadsAfter).as("threads after recovery (under load before the outage: %d)", threadsBefore)
                    .isLessThanOrEqualTo(threadsBefore + THREAD_SLACK);
            Map<String, Double> metrics = PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
            assertThat(metrics.get("infrakit4j_backend_errors_total{operation=\"DescribeInstances\"}")).isPositive();
            assertThat(p.isAlive()).isTrue();

            System.out.printf("RELIABILITY: plugin-aws EC2 outage under %d clients (Describe, Provision, Label, "
                    + "Destroy in a loop; private emulator stopped %.1f s, then restarted empty): %d calls during "
                    + "it, %d failed (all \"backend unavailable:\"/\"backend error:\"), slowest failed call %d ms "
                    + "(call timeout %d ms); /healthz 503 naming the endpoint, slowest of %d probes %d ms; RSS "
                    + "%d MiB before, %d MiB after the outage, %d MiB after recovery; threads %d before, %d after; "
                    + "EC2 answering again -> "
                    + "/healthz ok in %d ms, provision+describe+destroy done %d ms after; the %d instances made "
                    + "before the outage are gone with the emulator's state: not described, Label not found, "
                    + "Destroy ok%n", CLIENTS, (up - down) / 1e9, during.size(),
                    during.stream().filter(c -> c.error() != null).count(), maxFailedMillis, CALL_TIMEOUT.toMillis(),
                    probes, maxHealthMillis, rssBefore >> 20, rssOutage >> 20, rssAfter >> 20, threadsBefore,
                    threadsAfter,
                    TimeUnit.NANOSECONDS.toMillis(healthy - up), TimeUnit.NANOSECONDS.toMillis(serving - healthy),
                    before.size() + CLIENTS);
        }
    }

    private static boolean slow(String error) {
        return error.contains(SLOW) || error.contains(SPENT);
    }

    /** The plugin process's thread count, from /proc. */
    private static int threads(Process p) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new java.io.IOException("no thread count for process " + p.pid());
    }

    /** Retries a read or a Destroy (both idempotent) that the slow emulator let run past the call timeout. */
    private static <T> T patiently(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (InstanceException e) {
                if (attempt == 3 || !slow(e.getMessage())) {
                    throw e;
                }
            }
        }
    }
}
