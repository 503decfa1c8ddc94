package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.runtime.Reaper;
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
 * Reaping across an engine outage: a dead container seen before a private dockerd stops, due while it is down, is
 * reaped exactly once when it is back, its last state logged, and the same plugin process serves throughout.
 */
class DockerReapOutageTest {
    /** Long enough to stop the engine before the container is due, even on a busy machine. */
    private static final Duration REAP_AFTER = Duration.ofSeconds(30);
    private static final String REAPED = "infrakit4j_dead_instances_reaped_total{state=\"exited\"}";
    private static final String SEEN = "infrakit4j_dead_instances_seen_total{state=\"exited\"}";

    private PrivateDockerd engine;
    private PluginProcess processes;

    @BeforeEach
    void start() throws Exception {
        processes = PluginProcess.inNewHome(DockerMain.class, "ik4jdr-", Map.of());
        engine = PrivateDockerd.start();
        try (DockerClient shared = DockerTestBackend.client(DockerTestBackend.host())) {
            engine.loadImage(shared, DockerTestBackend.image());
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (processes != null) {
            processes.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private static double metric(RawHttp http, String series) throws Exception {
        return PrometheusText.parse(http.send("GET", "/metrics", null, null).text()).getOrDefault(series, 0.0);
    }

    private static boolean exists(DockerClient docker, InstanceId id) {
        try {
            docker.inspectContainerCmd(id.value()).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Test
    void aDeadContainerDueWhileTheEngineIsDownIsReapedOnceWhenItIsBack() throws Exception {
        Path socket = processes.socket(DockerMain.DEFAULT_NAME);
        Process p = processes.start("--docker-host", engine.host(), "--docker-timeout", "5", "--namespace",
                "ik4j.namespace=reap-" + DockerTestBackend.randomHex(4), "--log-level", "info",
                "--reap-after", REAP_AFTER.toSeconds() + "s", "--idle-timeout", "600");
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        RawJson props = new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sh\",\"-c\",\"echo first >&2; sleep 1; echo 'last <words>'; exec sleep 3600\"],"
                + "\"NetworkMode\":\"none\",\"StopTimeout\":1}");
        Map<String, String> tags = Map.of("role", "reaped");
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(60));
             RawHttp http = new RawHttp(socket);
             DockerClient docker = DockerTestBackend.client(engine.host())) {
            InstanceId id = client.provision(Spec.of(props, tags));
            DockerTestBackend.await(Duration.ofSeconds(60), "the container running and talking", () ->
                    Boolean.TRUE.equals(docker.inspectContainerCmd(id.value()).exec().getState().getRunning()));
            Thread.sleep(2000); // its two lines written
            long killed = System.nanoTime(); // the reaper cannot have seen it dead before this
            docker.killContainerCmd(id.value()).exec();
            DockerTestBackend.await(Duration.ofSeconds(30), "the container exited",
                    () -> "exited".equals(docker.inspectContainerCmd(id.value()).exec().getState().getStatus()));
            assertThat(client.describeInstances(tags, false)).as("left out: dead").isEmpty();
            long seen = System.nanoTime(); // the reaper's clock started at this Describe at the latest
            assertThat(metric(http, SEEN)).isEqualTo(1.0);

            engine.stop();
            long stopped = System.nanoTime();
            assertThat(stopped - killed).as("engine down before the container was due")
                    .isLessThan(REAP_AFTER.toNanos());
            // Past the due time, and a sweep beyond it that finds the engine down.
            long due = seen + REAP_AFTER.plus(Reaper.SWEEP_INTERVAL).plusSeconds(2).toNanos();
            int probes = 0;
            while (System.nanoTime() < due) {
                RawHttp.Reply health = http.send("GET", "/healthz", null, null);
                assertThat(health.status()).as(health.text()).isEqualTo(503);
                assertThat(p.isAlive()).as("the plugin serves on").isTrue();
                probes++;
                Thread.sleep(1000);
            }
            assertThat(metric(http, REAPED)).as("nothing reaped with the engine down").isZero();
            assertThat(processes.output(0)).contains("reaper cannot list dead instances");

            engine.startAgain();
            long back = System.nanoTime();
            DockerTestBackend.await(Duration.ofSeconds(90), "the dead container reaped after the engine came back",
                    () -> !exists(docker, id));
            double reapedAfter = (System.nanoTime() - back) / 1e9;
            // Another sweep after the removal finds nothing more to do.
            Thread.sleep(Reaper.SWEEP_INTERVAL.plusSeconds(2).toMillis());
            assertThat(metric(http, REAPED)).as("reaped exactly once").isEqualTo(1.0);
            assertThat(metric(http, SEEN)).as("seen once").isEqualTo(1.0);
            String log = processes.output(0);
            assertThat(log.split("reaping a dead instance; its last state follows", -1)).as("reaped once").hasSize(2);
            assertThat(log).contains("instance=\"" + id.value() + "\"").contains("exitCode=\"137\"")
                    .contains("output=\"first\\\\nlast <words>\"");
            assertThat(client.describeInstances(tags, false)).isEmpty();
            assertThat(http.send("GET", "/healthz", null, null).text()).isEqualTo("ok\n");
            assertThat(p.isAlive()).isTrue();
            System.out.printf("REAP-OUTAGE: dead container seen; engine stopped %.1f s after the kill and down "
                    + "%.1f s, past its --reap-after %d s (%d /healthz probes, all 503, the same plugin process); "
                    + "reaped %.1f s after the engine was back, exactly once (reaped_total 1), last state logged%n",
                    (stopped - killed) / 1e9, (back - stopped) / 1e9, REAP_AFTER.toSeconds(), probes, reapedAfter);
        }
    }
}
