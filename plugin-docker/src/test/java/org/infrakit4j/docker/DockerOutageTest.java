package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
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

/**
 * The engine going away under load and coming back: the plugin runs as its own process on a private dockerd, which
 * the test freezes and thaws, then stops and starts again (its containers stay, stopped), while clients keep calling.
 */
class DockerOutageTest {
    private static final int CLIENTS = 4;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);
    /** The containers' StopTimeout: a Destroy's stop call may wait this much longer than the call timeout. */
    private static final Duration GRACE = Duration.ofSeconds(1);
    /**
     * What the RPC round trip and a busy machine's scheduling may add to the plugin's own bound. The frozen engine
     * never answers, so any answer within the bound plus this shows that the call did not wait for it.
     */
    private static final Duration RPC_SLACK = Duration.ofSeconds(4);
    /** /healthz's own bound is 0.8 s for the ping; what is checked is that it answers, 503, and far from hanging. */
    private static final Duration HEALTH_BOUND = Duration.ofSeconds(4);
    private static final Duration OUTAGE = Duration.ofSeconds(5);
    /**
     * Frozen, every call takes the whole timeout: long enough for each client to finish the call it was in (a stop
     * may take the grace too) and then go through all four methods, with the slack a busy machine adds.
     */
    private static final Duration FREEZE = CALL_TIMEOUT.multipliedBy(8);
    /**
     * The error of a call a busy engine answered slower than the 3 s call timeout: the timeout working, not a
     * failure to recover (a dockerd just restarted on a shared 2-core machine is slow for a while).
     */
    private static final String SLOW = " no answer within " + CALL_TIMEOUT.toSeconds() + " s during ";
    private static final Pattern OPERATION = Pattern.compile(
            "infrakit4j_backend_call_duration_seconds_count\\{operation=\"([^\"]*)\"}");

    private final String run = DockerTestBackend.randomHex(4);
    private final Map<String, String> namespace = Map.of("ik4j.namespace", "outage-" + run);
    private PrivateDockerd engine;
    private PluginProcess processes;
    private LoopingClients load;

    @BeforeEach
    void start() throws Exception {
        processes = PluginProcess.inNewHome(DockerMain.class, "ik4jdo-", Map.of());
        engine = PrivateDockerd.start();
        try (DockerClient shared = DockerTestBackend.client(DockerTestBackend.host())) {
            engine.loadImage(shared, DockerTestBackend.image());
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        if (processes != null) {
            processes.close();
        }
        if (engine != null) {
            engine.close(); // the whole private engine goes, with anything a failed run left in it
        }
    }

    private static Map<String, Double> metrics(RawHttp http) throws Exception {
        return PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
    }

    /** One outage as the test saw it: its bounds, and the /healthz probes made during it. */
    private record Outage(long begin, long end, int probes, long maxHealthMillis) {
        List<Call> calls(LoopingClients load) {
            return load.within(begin, end);
        }

        long maxCallMillis(LoopingClients load, String method) {
            return calls(load).stream().filter(c -> c.method().equals(method)).mapToLong(Call::millis).max()
                    .orElseThrow();
        }

        /** The slowest call of each method, e.g. "Describe 2004, Provision 2010, Label 2003, Destroy 3006 ms". */
        String slowest(LoopingClients load) {
            return LoopingClients.METHODS.stream().map(m -> m + " " + maxCallMillis(load, m))
                    .collect(Collectors.joining(", ")) + " ms";
        }

        double seconds() {
            return (end - begin) / 1e9;
        }
    }

    /** Probes /healthz through an outage of this length: 503 with {@code problem} every time, the plugin up. */
    private static Outage outage(RawHttp http, Process p, Duration length, String problem) throws Exception {
        long begin = System.nanoTime();
        long maxHealthMillis = 0;
        int probes = 0;
        while (System.nanoTime() - begin < length.toNanos()) {
            long start = System.nanoTime();
            RawHttp.Reply health = http.send("GET", "/healthz", null, null);
            maxHealthMillis = Math.max(maxHealthMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            probes++;
            assertThat(health.status()).as(health.text()).isEqualTo(503);
            assertThat(health.text()).startsWith(problem);
            assertThat(p.isAlive()).as("the plugin process stays up").isTrue();
            Thread.sleep(250);
        }
        return new Outage(begin, System.nanoTime(), probes, maxHealthMillis);
    }

    /** Waits for /healthz to answer ok; returns when it did. */
    private static long healthy(RawHttp http) throws Exception {
        long start = System.nanoTime();
        while (http.send("GET", "/healthz", null, null).status() != 200) {
            assertThat(System.nanoTime() - start).as("healthz ok again").isLessThan(TimeUnit.SECONDS.toNanos(30));
            Thread.sleep(20);
        }
        return System.nanoTime();
    }

    @Test
    void theSamePluginFailsFastWhileTheEngineIsFrozenOrStoppedAndServesWhenItIsBack() throws Exception {
        Path socket = processes.socket(DockerMain.DEFAULT_NAME);
        RawJson props = new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"],\"NetworkMode\":\"none\",\"StopTimeout\":" + GRACE.toSeconds() + "}");
        String host = engine.host();
        Process p = processes.start("--docker-host", host, "--docker-timeout", Long.toString(CALL_TIMEOUT.toSeconds()),
                "--namespace", "ik4j.namespace=" + namespace.get("ik4j.namespace"), "--log-level", "warn",
                // The test's one /healthz connection stays open while dockerd stops and starts, which can take
                // longer than the default 30 s idle timeout on a busy machine: the server would rightly close it.
                "--idle-timeout", "600",
                // The engine's restart leaves the containers made before exited: dead, but the test checks that none
                // is lost, so Describe lists the dead too and none is reaped.
                "--report-dead", "--reap-after", "never");
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30));
             RawHttp http = new RawHttp(socket)) {
            List<InstanceId> before = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                before.add(client.provision(Spec.of(props, Map.of("ik4j.phase", "before"))));
            }
            assertThat(http.send("GET", "/healthz", null, null).text()).isEqualTo("ok\n");
            load = LoopingClients.start(client, props, CLIENTS);
            Thread.sleep(3000); // warm-up: threads are counted once the load has run a while
            long rssBefore = PluginProcess.residentBytes(p);
            Map<String, Double> metricsBefore = metrics(http);

            // A hung engine (SIGSTOP): it accepts connections and never answers.
            engine.freeze();
            Outage frozen = outage(http, p, FREEZE, "backend unavailable: docker engine at " + host
                    + " no answer within 0.8 s");
            long rssFrozen = PluginProcess.residentBytes(p);
            Map<String, Double> metricsFrozen = metrics(http);
            engine.signal("CONT");
            long thawed = healthy(http);

            long stopping = System.nanoTime();
            engine.stop();
            long exited = System.nanoTime();
            Outage stopped = outage(http, p, OUTAGE, "backend unavailable: docker engine at " + host
                    + " unreachable (");
            long rssStopped = PluginProcess.residentBytes(p);
            Map<String, Double> metricsStopped = metrics(http);

            engine.startAgain();
            long engineBack = System.nanoTime();
            long healthy = healthy(http);
            // Provision is not retried (a retry would make a second container); the reads and Destroy are.
            InstanceId fresh = client.provision(Spec.of(props, Map.of("ik4j.phase", "after")));
            assertThat(patiently(() -> client.describeInstances(Map.of("ik4j.phase", "after"), false)))
                    .extracting(Description::id).containsExactly(fresh);
            patiently(() -> {
                client.destroy(fresh, DestroyContext.TERMINATE);
                return true;
            });
            assertThat(patiently(() -> client.describeInstances(Map.of("ik4j.phase", "after"), false))).isEmpty();
            long serving = System.nanoTime();

            Thread.sleep(2000); // the load runs on against the engine that came back
            load.stop(Duration.ofSeconds(60));
            long rssAfter = PluginProcess.residentBytes(p);
            Map<String, Double> metricsAfter = metrics(http);

            // The engine keeps its containers across the restart (stopped): nothing made before is lost.
            assertThat(patiently(() -> client.describeInstances(Map.of("ik4j.phase", "before"), false)))
                    .extracting(Description::id).containsExactlyInAnyOrderElementsOf(before);
            int retried = 0;
            List<String> stuck = new ArrayList<>();
            List<Description> left;
            try (DockerClient docker = DockerTestBackend.client(host)) {
                // Destroy answers before its removal ends, and Describe leaves such a container out: the removals
                // the load started still run on a busy engine. Once they end (or fail, and the container is
                // described again for a retry), Describe and the engine agree.
                left = patiently(() -> client.describeInstances(Map.of(), false));
                Set<String> inEngine = DockerTestBackend.containersLabelled(docker, namespace).stream()
                        .map(c -> c.getId()).collect(Collectors.toSet());
                long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Set.copyOf(left.stream().map(d -> d.id().value()).toList()).equals(inEngine)
                        && System.nanoTime() < settle) {
                    Thread.sleep(200);
                    left = patiently(() -> client.describeInstances(Map.of(), false));
                    inEngine = DockerTestBackend.containersLabelled(docker, namespace).stream()
                            .map(c -> c.getId()).collect(Collectors.toSet());
                }
                assertThat(left).extracting(d -> d.id().value()).as("Describe lists every container of the test")
                        .containsExactlyInAnyOrderElementsOf(inEngine);
                for (Description d : left) {
                    retried += destroy(client, d.id());
                }
                // A retried Destroy succeeds while the engine is still removing: such a container goes shortly.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                List<Container> orphans = new ArrayList<>(DockerTestBackend.containersLabelled(docker, namespace));
                while (!orphans.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    orphans = new ArrayList<>(DockerTestBackend.containersLabelled(docker, namespace));
                }
                // A container the engine was starting when it stopped can keep its overlay mounted, and the engine
                // then fails every removal of it ("failed to remove root filesystem ... device or resource busy").
                // That is the engine's fault, not an orphan, as long as the plugin still describes the container
                // (so the group keeps trying to destroy it).
                for (Container c : List.copyOf(orphans)) {
                    if (!engine.logLines(c.getId()).stream().anyMatch(l -> l.contains("failed to remove root "
                            + "filesystem"))) {
                        continue;
                    }
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (client.describeInstances(Map.of(), false).stream()
                            .noneMatch(d -> d.id().value().equals(c.getId())) && System.nanoTime() < until) {
                        Thread.sleep(100);
                    }
                    if (client.describeInstances(Map.of(), false).stream()
                            .anyMatch(d -> d.id().value().equals(c.getId()))) {
                        stuck.add(c.getId());
                    }
                }
                orphans.removeIf(c -> stuck.contains(c.getId()));
                List<String> why = new ArrayList<>();
                for (Container c : orphans) {
                    why.add(c.getId() + " " + c.getState() + " " + c.getStatus() + " " + c.getLabels());
                    why.addAll(engine.logLines(c.getId().substring(0, 12)));
                    processes.output(0).lines().filter(l -> l.contains(c.getId())).forEach(why::add);
                }
                assertThat(why).as("orphans in the engine, with the engine's and the plugin's log about them")
                        .isEmpty();
            }

            String named = "^(backend unavailable|backend error): docker engine at " + Pattern.quote(host) + "[ :].*";
            assertThat(load.calls()).filteredOn(Call::failed).as("every failure, also while dockerd shut down")
                    .allSatisfy(c -> assertThat(c.error()).as(c.method()).matches(Pattern.compile(named,
                            Pattern.DOTALL)));
            for (Outage o : List.of(frozen, stopped)) {
                assertThat(o.calls(load)).extracting(Call::method).containsAll(LoopingClients.METHODS);
                for (String method : LoopingClients.METHODS) {
                    Duration bound = CALL_TIMEOUT.plus(RPC_SLACK)
                            .plus(method.equals("Destroy") ? GRACE : Duration.ZERO);
                    assertThat(o.maxCallMillis(load, method)).as("slowest failed %s (ms)", method)
                            .isLessThanOrEqualTo(bound.toMillis());
                }
                assertThat(o.maxHealthMillis()).as("slowest /healthz (ms)").isLessThan(HEALTH_BOUND.toMillis());
            }
            assertThat(frozen.calls(load)).allSatisfy(c -> assertThat(c.error()).as("%s, engine frozen", c.method())
                    .startsWith("backend unavailable: docker engine at " + host + " no answer within "
                            + CALL_TIMEOUT.toSeconds() + " s during "));
            assertThat(stopped.calls(load)).allSatisfy(c -> assertThat(c.error()).as("%s, engine stopped",
                    c.method()).startsWith("backend unavailable: docker engine at " + host + " unreachable ("));
            // Recovered: every method answered again, and nothing failed but a call the busy engine was slow on.
            List<Call> recovered = load.since(serving);
            assertThat(recovered).filteredOn(c -> !c.failed()).extracting(Call::method).as("answered after recovery")
                    .containsAll(LoopingClients.METHODS);
            assertThat(recovered).filteredOn(Call::failed).allSatisfy(c -> assertThat(c.error())
                    .as("%s after recovery", c.method()).contains(SLOW));
            // Bounded by construction, not by speed: a worker per engine call in flight (at most MAX_CALLS), the
            // background pool, and what ran before. A thread stranded per call on the hung engine would break this.
            double threadBound = metricsBefore.get("jvm_threads_live") + DockerEngine.MAX_CALLS
                    + DockerBackgroundWork.THREADS;
            assertThat(List.of(metricsFrozen, metricsStopped, metricsAfter)).as("live threads frozen, stopped, after")
                    .allSatisfy(m -> assertThat(m.get("jvm_threads_live")).isLessThanOrEqualTo(threadBound));
            assertThat(metricsAfter.get("infrakit4j_backend_errors_total{operation=\"ContainerList\"}")).isPositive();
            assertThat(operations(metricsAfter)).as("operation labels: the engine API's, nothing from a request")
                    .isSubsetOf(Arrays.stream(DockerEngine.Operation.values()).map(DockerEngine.Operation::apiName)
                            .toList())
                    .contains("ContainerCreate", "ContainerStart", "ContainerList",
                            "ContainerStop", "ContainerDelete", "SystemPing");
            assertThat(p.isAlive()).isTrue();

            System.out.printf("RELIABILITY: plugin-docker engine outages under %d clients (Describe, Provision, "
                    + "Label, Destroy in a loop) on a private dockerd; engine call timeout %d ms, StopTimeout %d s. "
                    + "Frozen (SIGSTOP) %.1f s: %d calls during it, %d failed (all \"backend unavailable: ... no "
                    + "answer within %d s\"), slowest %s; /healthz 503, slowest of %d probes %d ms; ok again %d ms "
                    + "after SIGCONT. Stopped (SIGTERM, %d ms to exit) %.1f s: %d calls, %d failed (all \"backend "
                    + "unavailable: ... unreachable\"), slowest %s; /healthz 503, slowest of %d probes %d ms; dockerd "
                    + "answering again -> /healthz ok %d ms later, provision+describe+destroy done %d ms after. RSS "
                    + "%d MiB before, %d frozen, %d stopped, %d after recovery; threads %.0f/%.0f/%.0f/%.0f, open fds "
                    + "%.0f/%.0f/%.0f/%.0f. The same process throughout; the %d containers made before are all "
                    + "described after; all %d the engine held destroyed (%d retried), 0 orphans; %d the engine could "
                    + "not remove (overlay still mounted after it stopped mid-start; still described)%n",
                    CLIENTS, CALL_TIMEOUT.toMillis(), GRACE.toSeconds(),
                    frozen.seconds(), frozen.calls(load).size(), failed(frozen.calls(load)),
                    CALL_TIMEOUT.toSeconds(), frozen.slowest(load), frozen.probes(), frozen.maxHealthMillis(),
                    TimeUnit.NANOSECONDS.toMillis(thawed - frozen.end()),
                    TimeUnit.NANOSECONDS.toMillis(exited - stopping), stopped.seconds(), stopped.calls(load).size(),
                    failed(stopped.calls(load)), stopped.slowest(load), stopped.probes(), stopped.maxHealthMillis(),
                    TimeUnit.NANOSECONDS.toMillis(healthy - engineBack),
                    TimeUnit.NANOSECONDS.toMillis(serving - healthy),
                    rssBefore >> 20, rssFrozen >> 20, rssStopped >> 20, rssAfter >> 20,
                    metricsBefore.get("jvm_threads_live"), metricsFrozen.get("jvm_threads_live"),
                    metricsStopped.get("jvm_threads_live"), metricsAfter.get("jvm_threads_live"),
                    metricsBefore.get("process_open_fds"), metricsFrozen.get("process_open_fds"),
                    metricsStopped.get("process_open_fds"), metricsAfter.get("process_open_fds"),
                    before.size() + CLIENTS, left.size() - stuck.size(), retried, stuck.size());
        }
    }

    /**
     * A read or an idempotent call of the recovery checks, retried up to four times when the engine, just restarted
     * on a busy machine, answered slower than the call timeout.
     */
    private static <T> T patiently(java.util.function.Supplier<T> call) {
        for (int retry = 0; ; retry++) {
            try {
                return call.get();
            } catch (InstanceException e) {
                if (retry == 4 || !e.getMessage().contains(SLOW)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Destroys one container for the clean-up, retrying (Destroy is idempotent) when the engine was slower than the
     * short call timeout, as a busy shared machine makes it now and then, or was still removing the container for an
     * earlier Destroy that timed out; returns the retries.
     */
    private static int destroy(InstancePluginClient client, InstanceId id) {
        for (int retry = 0; ; retry++) {
            try {
                client.destroy(id, DestroyContext.TERMINATE);
                return retry;
            } catch (InstanceException e) {
                if (retry == 4 || !(e.getMessage().contains(" no answer within ")
                        || e.getMessage().contains(" already in progress and not done within "))) {
                    throw e;
                }
            }
        }
    }

    private static long failed(List<Call> calls) {
        return calls.stream().filter(c -> c.error() != null).count();
    }

    private static List<String> operations(Map<String, Double> metrics) {
        List<String> out = new ArrayList<>();
        for (String series : metrics.keySet()) {
            Matcher m = OPERATION.matcher(series);
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
