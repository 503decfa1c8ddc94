package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Reaping while EC2 cannot be reached. The plugin runs as its own process behind {@link FakeEc2Proxy} in front of
 * the shared emulator: closing the proxy takes EC2 away from the plugin while the emulator keeps its state (a
 * restarted moto would be empty, and an instance gone with it would look reaped). A dead instance falls due while
 * EC2 is away; once it is back, the first TerminateInstances fails too; the instance must then be terminated exactly
 * once, and nothing else touched: not the live member, not the dead pet, not a stopped instance without the marker.
 */
class Ec2ReapOutageTest {
    private static final Duration REAP_AFTER = Duration.ofSeconds(15);
    private static final Duration WAIT = Duration.ofSeconds(120);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private FakeEc2Proxy proxy;
    private PluginProcess processes;
    private Ec2Client admin;

    @BeforeEach
    void start() throws Exception {
        processes = PluginProcess.inNewHome(Ec2Main.class, "ik4jr-", Ec2Emulator.processEnvironment());
        proxy = FakeEc2Proxy.start(Ec2Emulator.endpoint());
        admin = Ec2Emulator.client();
    }

    @AfterEach
    void stop() throws Exception {
        processes.close();
        proxy.close();
        try {
            for (String leftover : Ec2Emulator.liveInstances(admin, "ik4j.run", run)) {
                admin.terminateInstances(r -> r.instanceIds(leftover));
            }
        } finally {
            admin.close();
        }
    }

    @Test
    void aDeadInstanceDueDuringAnOutageIsReapedExactlyOnceWhenEc2IsBackAndNothingElseIsTouched() throws Exception {
        Path socket = processes.socket(Ec2Main.DEFAULT_NAME);
        // The default --rate stays on: the reaper's calls run under the request budget, spare capacity only.
        Process p = processes.start("--region", Ec2Emulator.REGION, "--endpoint", proxy.endpoint().toString(),
                "--namespace", "ik4j.run=" + run, "--max-retries", "1", "--call-timeout", "10",
                "--reap-after", REAP_AFTER.toSeconds() + "s");
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        RawJson props = new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\"}");
        Map<String, String> group = Map.of("infrakit.group", "g-" + run);
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(60));
             RawHttp http = new RawHttp(socket)) {
            InstanceId victim = client.provision(Spec.of(props, group));
            InstanceId alive = client.provision(Spec.of(props, group));
            InstanceId pet = client.provision(Spec.of(props, group).withLogicalId("keep-" + run));
            String foreign = admin.runInstances(r -> r.imageId(Ec2Emulator.imageId()).minCount(1).maxCount(1)
                    .tagSpecifications(TagSpecification.builder().resourceType("instance").tags(
                            Tag.builder().key("ik4j.run").value(run).build(),
                            Tag.builder().key("infrakit.group").value("g-" + run).build()).build()))
                    .instances().get(0).instanceId();
            admin.stopInstances(r -> r.instanceIds(victim.value(), pet.value(), foreign));
            await("stopped in EC2", () -> List.of(victim.value(), pet.value(), foreign).stream()
                    .allMatch(id -> state(id).equals("stopped")));

            List<Description> described = client.describeInstances(group, false);
            long noticed = System.nanoTime();
            proxy.stop();
            assertThat(described).extracting(Description::id).as("the dead are left out").containsExactly(alive);
            Map<String, Double> before = metrics(http);
            assertThat(before.get("infrakit4j_dead_instances_seen_total{state=\"stopped\"}"))
                    .as("the victim and the pet seen dead; the foreign one never").isEqualTo(2.0);

            // The victim falls due while EC2 is away, and a sweep must have tried after that: the reaper's failed
            // listing shows in the backend errors (no client calls EC2 meanwhile).
            await("the victim due", () -> System.nanoTime() - noticed > REAP_AFTER.plusSeconds(1).toNanos());
            double failedListings = errors(metrics(http), "DescribeInstances");
            await("a sweep after it fell due", () -> errors(metrics(http), "DescribeInstances") > failedListings);
            assertThat(state(victim.value())).as("nothing reaped while EC2 is away").isEqualTo("stopped");
            assertThat(metrics(http)).doesNotContainKey("infrakit4j_dead_instances_reaped_total{state=\"stopped\"}");
            assertThat(p.isAlive()).isTrue();

            // Back, but the first TerminateInstances (and the SDK's one retry of it) still fails.
            proxy.failNext("TerminateInstances", 2, 503, "Unavailable", "The service is unavailable (fake)");
            proxy.restart();
            long back = System.nanoTime();
            await("the victim terminated", () -> state(victim.value()).equals("terminated"));
            double gone = (System.nanoTime() - back) / 1e9;
            assertThat(proxy.injected()).as("the failed TerminateInstances happened").isEqualTo(2);
            Map<String, Double> after = metrics(http);
            assertThat(errors(after, "TerminateInstances")).as("the reap that failed").isEqualTo(1.0);

            // One more sweep lists the dead after the termination: still reaped once, nothing else touched.
            double listings = calls(after, "DescribeInstances");
            await("another sweep", () -> calls(metrics(http), "DescribeInstances") >= listings + 2);
            Map<String, Double> end = metrics(http);
            assertThat(end.get("infrakit4j_dead_instances_reaped_total{state=\"stopped\"}")).as("reaped")
                    .isEqualTo(1.0);
            assertThat(proxy.forwarded("TerminateInstances", victim.value()))
                    .as("TerminateInstances of the victim that reached EC2").isEqualTo(1);
            assertThat(proxy.forwarded("TerminateInstances", pet.value())).isZero();
            assertThat(proxy.forwarded("TerminateInstances", foreign)).isZero();
            assertThat(proxy.forwarded("TerminateInstances", alive.value())).isZero();
            assertThat(state(alive.value())).isEqualTo("running");
            assertThat(state(pet.value())).as("a dead pet is kept without --reap-pets").isEqualTo("stopped");
            assertThat(state(foreign)).as("never the plugin's").isEqualTo("stopped");
            assertThat(client.describeInstances(group, false)).extracting(Description::id).containsExactly(alive);

            String log = processes.output(0);
            assertThat(log).contains("reaper cannot list dead instances", "reaping a dead instance",
                    "dead instance not reaped this time", "dead instance reaped", victim.value(),
                    "Client.UserInitiatedShutdown", "Enabling fast FPU save and restore");
            System.out.printf("REAPING plugin-aws with EC2 away: the dead instance fell due during the outage, "
                    + "was terminated %.1f s after EC2 came back (its first TerminateInstances failed), exactly "
                    + "once; the live member, the dead pet and the foreign instance untouched%n", gone);
        }
    }

    private String state(String id) {
        List<Instance> found = admin.describeInstances(r -> r.instanceIds(id)).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList();
        return found.isEmpty() ? "" : Ec2TagFilters.state(found.get(0));
    }

    private static Map<String, Double> metrics(RawHttp http) throws Exception {
        return PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
    }

    private static double errors(Map<String, Double> metrics, String operation) {
        return metrics.getOrDefault("infrakit4j_backend_errors_total{operation=\"" + operation + "\"}", 0.0);
    }

    private static double calls(Map<String, Double> metrics, String operation) {
        return metrics.getOrDefault("infrakit4j_backend_call_duration_seconds_count{operation=\"" + operation
                + "\"}", 0.0);
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(250);
        }
    }

    /** A condition that may call the plugin or EC2. */
    private interface Check {
        boolean holds() throws Exception;
    }
}
