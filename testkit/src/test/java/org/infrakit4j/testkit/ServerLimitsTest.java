package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.HealthProbe;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.spi.DestroyContext;
import org.junit.jupiter.api.Test;

/** The server's own bounds: calls in flight, and failures that are not InstanceExceptions. */
class ServerLimitsTest {
    private static final int IN_FLIGHT = 64 - PluginServer.RESERVED_THREADS;

    @Test
    void callsBeyondTheInFlightLimitAreRefusedAtOnceAndHealthStillAnswers() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        fake.doValidate = p -> {
            running.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS); // a hung backend
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        PluginMetrics metrics = new PluginMetrics("busy");
        ExecutorService callers = Executors.newFixedThreadPool(IN_FLIGHT);
        try (PluginHarness h = PluginHarness.serve(Map.of("", fake), Duration.ofSeconds(90), metrics, c -> c)) {
            List<Future<?>> hung = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                hung.add(callers.submit(() -> h.client().validate(RawJson.of("{}"))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (running.get() < IN_FLIGHT && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(running.get()).isEqualTo(IN_FLIGHT);
            assertThatThrownBy(() -> h.client().validate(RawJson.of("{}")))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: " + IN_FLIGHT
                                + " calls are already in progress (the backend is slow or hung); try again later");
                    });
            try (RawHttp raw = h.raw()) {
                assertThat(raw.send("GET", "/healthz", null, new byte[0]).status()).isEqualTo(200);
                assertThat(raw.send("GET", "/metrics", null, new byte[0]).text())
                        .contains("infrakit4j_rpc_errors_total{method=\"Instance.Validate\",kind=\"backend_unavailable\"} 1\n");
            }
            release.countDown();
            for (Future<?> f : hung) {
                f.get(60, TimeUnit.SECONDS);
            }
            h.client().validate(RawJson.of("{}"));
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    @Test
    void aPluginThatThrowsAnErrorGetsAnInternalErrorWithoutJavaText() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        fake.doValidate = p -> {
            throw new UnsatisfiedLinkError("libsecret.so: cannot open shared object file");
        };
        fake.doLabel = (i, l) -> {
            throw new IllegalStateException("java.lang.IllegalStateException: boom");
        };
        try (PluginHarness h = PluginHarness.serve(fake, Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> h.client().validate(RawJson.of("{}")))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("internal error: Validate failed unexpectedly; the plugin's log has the "
                            + "details"));
            assertThatThrownBy(() -> h.client().label(new InstanceId("i-1"), Map.of("a", "b")))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("internal error: Label failed unexpectedly; the plugin's log has the "
                            + "details"));
            assertThat(new String(h.metrics().render(), StandardCharsets.UTF_8))
                    .contains("infrakit4j_rpc_errors_total{method=\"Instance.Validate\",kind=\"internal\"} 1\n");
            h.client().describeInstances(Map.of(), false); // still serving
        }
    }

    /** A plugin whose health probe throws an Error, as a missing native library does. */
    private static final class BrokenProbe implements InstancePlugin, HealthProbe {
        final AtomicInteger probes = new AtomicInteger();

        @Override
        public void checkHealth() {
            probes.incrementAndGet();
            throw new NoClassDefFoundError("com/sun/jna/Native");
        }

        @Override
        public void validate(RawJson properties) {
        }

        @Override
        public InstanceId provision(Spec spec) {
            return new InstanceId("x");
        }

        @Override
        public void label(InstanceId instance, Map<String, String> labels) {
        }

        @Override
        public void destroy(InstanceId instance, DestroyContext context) {
        }

        @Override
        public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
            return List.of();
        }
    }

    @Test
    void aHealthProbeThatThrowsAnErrorIsReportedEveryTimeNotLeftHanging() throws Exception {
        BrokenProbe plugin = new BrokenProbe();
        try (PluginHarness h = PluginHarness.serve(plugin, Duration.ofSeconds(30)); RawHttp raw = h.raw()) {
            for (int i = 1; i <= 3; i++) {
                RawHttp.Reply reply = raw.send("GET", "/healthz", null, new byte[0]);
                assertThat(reply.status()).isEqualTo(503);
                assertThat(reply.text()).isEqualTo("internal error: the health probe failed unexpectedly; the "
                        + "plugin's log has the details\n");
                assertThat(plugin.probes.get()).as("a new probe round each time").isEqualTo(i);
            }
        }
    }
}
