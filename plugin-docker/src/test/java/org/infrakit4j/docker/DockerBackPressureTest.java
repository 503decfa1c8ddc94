package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure on a hung engine: a frozen (SIGSTOP) private dockerd holds every engine worker the plugin has, the
 * calls beyond are refused at once instead of each stranding one more thread, and once the engine is thawed the same
 * plugin serves again with its thread count where it was bounded.
 */
class DockerBackPressureTest {
    /** Long, so that the held calls are still waiting while the test checks the refusals. */
    private static final Duration ENGINE_TIMEOUT = Duration.ofSeconds(30);
    /** A refusal must not wait for the engine: far below its 30 s timeout, with room for a busy machine. */
    private static final Duration FAST = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static long engineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("docker-engine-")).count();
    }

    @Test
    void aFrozenEngineFillsTheBoundTheRestIsRefusedFastAndThePluginServesWhenItIsBack() throws Exception {
        Map<String, String> namespace = Map.of("ik4j.namespace", "pressure-" + DockerTestBackend.randomHex(4));
        RawJson props = new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"],\"NetworkMode\":\"none\"}");
        ExecutorService callers = Executors.newFixedThreadPool(DockerEngine.MAX_CALLS);
        try (PrivateDockerd engine = PrivateDockerd.start()) {
            try (DockerClient shared = DockerTestBackend.client(DockerTestBackend.host())) {
                engine.loadImage(shared, DockerTestBackend.image());
            }
            String host = engine.host();
            try (DockerInstancePlugin backend = DockerInstancePlugin.open(new DockerEngine.Config(host, false, null,
                    ENGINE_TIMEOUT), namespace, dir.resolve("labels.json"), BackendMeter.NONE);
                 PluginHarness harness = PluginHarness.serve(backend, Duration.ofSeconds(120));
                 RawHttp http = harness.raw()) {
                InstancePluginClient client = harness.client();
                InstanceId before = client.provision(Spec.of(props, Map.of("phase", "before")));

                engine.freeze();
                List<Future<List<Description>>> held = new ArrayList<>();
                for (int i = 0; i < DockerEngine.MAX_CALLS; i++) {
                    held.add(callers.submit(() -> client.describeInstances(Map.of(), false)));
                }
                DockerTestBackend.await(Duration.ofSeconds(60), "every engine worker held by the frozen engine",
                        () -> backend.engineCallsInFlight() == DockerEngine.MAX_CALLS);

                String refused = "backend unavailable: docker engine at " + host + ": " + DockerEngine.MAX_CALLS
                        + " calls already waiting for it, not starting another (";
                List<Runnable> more = List.of(() -> client.describeInstances(Map.of(), false),
                        () -> client.provision(Spec.of(props, Map.of("phase", "refused"))),
                        () -> client.label(before, Map.of("a", "b")),
                        () -> client.destroy(before, DestroyContext.TERMINATE));
                for (Runnable call : more) {
                    long t0 = System.nanoTime();
                    assertThatThrownBy(call::run).isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).startsWith(refused);
                    });
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(FAST);
                }
                RawHttp.Reply health = http.send("GET", "/healthz", null, null);
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.text()).startsWith(refused);
                assertThat(engineThreads()).as("engine workers while frozen").isLessThanOrEqualTo(
                        DockerEngine.MAX_CALLS);

                engine.signal("CONT");
                for (Future<List<Description>> f : held) {
                    try {
                        assertThat(f.get(120, TimeUnit.SECONDS)).extracting(Description::id).containsExactly(before);
                    } catch (ExecutionException e) {
                        // a held call may also have run out of its 30 s on a slow machine: the timeout, not a hang
                        assertThat(e.getCause()).hasMessageContaining(" no answer within 30 s during list containers");
                    }
                }
                InstanceId after = client.provision(Spec.of(props, Map.of("phase", "after")));
                assertThat(client.describeInstances(Map.of(), false)).extracting(Description::id)
                        .containsExactlyInAnyOrder(before, after);
                client.destroy(before, DestroyContext.TERMINATE);
                client.destroy(after, DestroyContext.TERMINATE);
                assertThat(client.describeInstances(Map.of(), false)).isEmpty();
                assertThat(engineThreads()).as("engine workers after").isLessThanOrEqualTo(DockerEngine.MAX_CALLS);
            }
        } finally {
            callers.shutdownNow();
        }
    }
}
