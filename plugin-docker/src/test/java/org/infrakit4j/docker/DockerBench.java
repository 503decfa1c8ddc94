package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 Provisions then 100 Destroys from 4 clients through the socket, beside the same work done by the docker CLI
 * ({@code docker run -d} / {@code docker rm -f}, 4 at a time). Tagged "bench", so it runs only when asked:
 * {@code mvn -f plugin-docker/pom.xml test -Dtest=DockerBench -Dbench.excludedGroups=}.
 */
@Tag("bench")
class DockerBench {
    private static final int CALLS = 100;
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    /** Per-call latencies of one phase and its wall time. */
    record Phase(String name, List<Long> nanos, long wallNanos) {
        double callsPerSecond() {
            return nanos.size() / (wallNanos / 1e9);
        }

        double percentileMs(double p) {
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 1e6;
        }

        String line() {
            return String.format("%-22s %4d calls %7.1f calls/s  p50 %7.1f ms  p99 %7.1f ms", name, nanos.size(),
                    callsPerSecond(), percentileMs(0.50), percentileMs(0.99));
        }
    }

    @FunctionalInterface
    interface Call {
        void run(int client, int index) throws Exception;
    }

    private static Phase phase(String name, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < CALLS; i = next.getAndIncrement()) {
                        long t0 = System.nanoTime();
                        call.run(client, i);
                        nanos.add(System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Phase(name, List.copyOf(nanos), System.nanoTime() - start);
    }

    private static String cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "-H", DockerTestBackend.host()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Test
    void pluginAgainstTheDockerCli() throws Exception {
        String run = DockerTestBackend.randomHex(4);
        String image = DockerTestBackend.image();
        Map<String, String> tags = Map.of("ik4j.bench", run);
        DockerClient docker = DockerTestBackend.client(DockerTestBackend.host());
        try (DockerInstancePlugin plugin = DockerInstancePlugin.open(DockerEngine.Config.of(
                DockerTestBackend.host()), Map.of("ik4j.namespace", "bench-" + run), dir.resolve("labels.json"));
             PluginHarness harness = PluginHarness.serve(plugin, Duration.ofSeconds(60))) {
            List<InstancePluginClient> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(InstancePluginClient.connect(harness.socket(), "", Duration.ofSeconds(60)));
            }
            Spec spec = Spec.of(new RawJson("{\"Image\":\"" + image + "\",\"Cmd\":[\"sleep\",\"3600\"],"
                    + "\"NetworkMode\":\"none\"}"), tags);
            InstanceId[] ids = new InstanceId[CALLS];
            String[] cliIds = new String[CALLS];
            // Warm both paths (JIT, connection pool, CLI binary in page cache) before measuring.
            clients.get(0).destroy(clients.get(0).provision(spec), DestroyContext.TERMINATE);
            cli("rm", "-f", cli("run", "-d", "--network", "none", "--init", "--label", "ik4j.bench=" + run, image,
                    "sleep", "3600"));

            Phase provision = phase("plugin Provision", (c, i) -> ids[i] = clients.get(c).provision(spec));
            Phase destroy = phase("plugin Destroy", (c, i) -> clients.get(c).destroy(ids[i],
                    DestroyContext.TERMINATE));
            Phase cliRun = phase("docker run -d", (c, i) -> cliIds[i] = cli("run", "-d", "--network", "none",
                    "--init", "--label", "ik4j.bench=" + run, image, "sleep", "3600"));
            Phase cliRm = phase("docker rm -f", (c, i) -> cli("rm", "-f", cliIds[i]));
            clients.forEach(InstancePluginClient::close);

            System.out.println("\n=== DockerBench: " + CALLS + " calls from " + CLIENTS + " clients, engine "
                    + DockerTestBackend.host() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
            for (Phase p : List.of(provision, cliRun, destroy, cliRm)) {
                System.out.println(p.line());
            }
            assertThat(provision.callsPerSecond()).as("Provision vs docker run -d")
                    .isGreaterThanOrEqualTo(cliRun.callsPerSecond());
            assertThat(destroy.callsPerSecond()).as("Destroy vs docker rm -f")
                    .isGreaterThanOrEqualTo(cliRm.callsPerSecond());
        } finally {
            for (Container c : DockerTestBackend.containersLabelled(docker, tags)) {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
            }
            docker.close();
        }
    }
}
