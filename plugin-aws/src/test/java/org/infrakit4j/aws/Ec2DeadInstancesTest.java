package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Dead (stopped) EC2 instances on the shared emulator, in a namespace of this test's own: what Describe shows of
 * them, how a dead pet comes back, and what the reaper lists, logs and destroys.
 */
class Ec2DeadInstancesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private Ec2Client admin;
    private Ec2CallCounter counter;

    @BeforeEach
    void setUp() {
        admin = Ec2Emulator.client();
        counter = new Ec2CallCounter();
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (int i = closeLater.size() - 1; i >= 0; i--) {
                closeLater.get(i).close();
            }
            for (String leftover : Ec2Emulator.liveInstances(admin, "ik4j.run", run)) {
                admin.terminateInstances(r -> r.instanceIds(leftover));
            }
        } finally {
            admin.close();
        }
    }

    private Ec2Config config(Map<String, String> more) {
        Map<String, String> namespace = new java.util.HashMap<>(more);
        namespace.put("ik4j.run", run);
        return Ec2Emulator.config().withNamespace(namespace);
    }

    /** A plugin without a reaper, its EC2 calls counted. */
    private Ec2InstancePlugin plugin(Ec2Config config) {
        Ec2InstancePlugin p = Ec2Emulator.plugin(config, counter);
        closeLater.add(p);
        return p;
    }

    private Ec2InstancePlugin reaping(ReapPolicy policy, BackendMeter meter, Duration sweep) {
        Ec2InstancePlugin p = Ec2Emulator.reaping(config(Map.of()), policy, meter, sweep);
        closeLater.add(p);
        return p;
    }

    private static RawJson props() {
        return new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\"}");
    }

    private String state(InstanceId id) {
        return Ec2TagFilters.state(admin.describeInstances(r -> r.instanceIds(id.value())).reservations().get(0)
                .instances().get(0));
    }

    private void stop(InstanceId... ids) {
        admin.stopInstances(r -> r.instanceIds(java.util.Arrays.stream(ids).map(InstanceId::value).toList()));
    }

    @Test
    void describeLeavesTheDeadOutInOneCallAndReportsThemWithTheirStateWhenAsked() throws Exception {
        Ec2InstancePlugin plugin = plugin(config(Map.of()));
        InstanceId dead = plugin.provision(Spec.of(props(), Map.of("g", "1")));
        InstanceId alive = plugin.provision(Spec.of(props(), Map.of("g", "1")));
        stop(dead);
        counter.reset();
        assertThat(plugin.describeInstances(Map.of("g", "1"), true)).extracting(Description::id)
                .containsExactly(alive);
        assertThat(counter.calls()).isEqualTo(Map.of("DescribeInstances", 1));

        Ec2InstancePlugin reporting = reaping(new ReapPolicy(true, Optional.empty(), false), BackendMeter.NONE,
                Reaper.SWEEP_INTERVAL);
        Map<InstanceId, JsonNode> described = new java.util.HashMap<>();
        for (Description d : reporting.describeInstances(Map.of("g", "1"), true)) {
            described.put(d.id(), JSON.readTree(d.properties().json()));
        }
        assertThat(described).containsOnlyKeys(dead, alive);
        assertThat(described.get(dead).path("State").path("Name").asText()).isEqualTo("stopped");
        assertThat(described.get(alive).path("State").path("Name").asText()).isIn("pending", "running");
        assertThat(described.get(dead).path("InstanceId").asText()).as("EC2's members kept").isEqualTo(dead.value());
        assertThat(described.get(dead).path("StateReason").path("Code").asText())
                .isEqualTo("Client.UserInitiatedShutdown");
    }

    @Test
    void aDeadPetIsStartedAgainAsItselfByItsLogicalIdsProvision() {
        Ec2InstancePlugin plugin = plugin(config(Map.of()));
        Spec spec = Spec.of(props(), Map.of("g", "pets")).withLogicalId("db-" + run);
        InstanceId pet = plugin.provision(spec);
        stop(pet);
        assertThat(plugin.describeInstances(Map.of("g", "pets"), false)).as("left out while dead").isEmpty();
        counter.reset();
        assertThat(plugin.provision(spec)).as("the same instance").isEqualTo(pet);
        assertThat(counter.calls()).as("started, not launched")
                .isEqualTo(Map.of("DescribeInstances", 1, "StartInstances", 1));
        assertThat(state(pet)).isIn("pending", "running");
        assertThat(plugin.describeInstances(Map.of("g", "pets"), false)).extracting(Description::id)
                .containsExactly(pet);
        counter.reset();
        assertThat(plugin.provision(spec)).isEqualTo(pet);
        assertThat(counter.calls()).as("alive: nothing to start").isEqualTo(Map.of("DescribeInstances", 1));
        assertThatThrownBy(() -> plugin.provision(Spec.of(props(), Map.of("g", "other")).withLogicalId("db-" + run)))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(plugin.petLocksInUse()).isZero();
    }

    @Test
    void aRefusedStartIsARetryableErrorAndTheNextProvisionStartsThePet() throws Exception {
        FakeEc2Proxy proxy = FakeEc2Proxy.start(Ec2Emulator.endpoint());
        closeLater.add(proxy);
        Ec2InstancePlugin plugin = plugin(config(Map.of()).withEndpoint(proxy.endpoint()));
        Spec spec = Spec.of(props(), Map.of("g", "pets")).withLogicalId("mq-" + run);
        InstanceId pet = plugin.provision(spec);
        stop(pet);
        proxy.failNext("StartInstances", 1, 400, "IncorrectInstanceState",
                "The instance is not in a state from which it can be started.");
        assertThatThrownBy(() -> plugin.provision(spec)).isInstanceOfSatisfying(InstanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(e.getMessage()).contains("StartInstances of pet instance " + pet.value(), "Provision it again");
        });
        assertThat(plugin.describeInstances(Map.of("g", "pets"), false)).as("still dead").isEmpty();
        assertThat(plugin.provision(spec)).isEqualTo(pet);
        assertThat(state(pet)).isIn("pending", "running");
    }

    /** moto stops at once; the fake in front of it shows the pet stopping, as EC2 does for a while. */
    @Test
    void aPetStillStoppingIsWaitedForThenStartedAgain() throws Exception {
        FakeEc2Proxy proxy = FakeEc2Proxy.start(Ec2Emulator.endpoint());
        closeLater.add(proxy);
        Ec2InstancePlugin plugin = plugin(config(Map.of()).withEndpoint(proxy.endpoint()));
        Spec spec = Spec.of(props(), Map.of("g", "pets")).withLogicalId("ca-" + run);
        InstanceId pet = plugin.provision(spec);
        stop(pet);
        proxy.showStoppingNext(1);
        assertThat(plugin.describeInstances(Map.of("g", "pets"), false)).as("stopping is dead").isEmpty();
        proxy.showStoppingNext(2);
        counter.reset();
        assertThat(plugin.provision(spec)).isEqualTo(pet);
        assertThat(counter.calls()).as("looked up, looked at twice more while stopping, started")
                .isEqualTo(Map.of("DescribeInstances", 3, "StartInstances", 1));
        assertThat(state(pet)).isIn("pending", "running");
    }

    @Test
    void aPetStillStoppingAtTheCallTimeoutIsARetryableErrorAndStartedByALaterProvision() throws Exception {
        FakeEc2Proxy proxy = FakeEc2Proxy.start(Ec2Emulator.endpoint());
        closeLater.add(proxy);
        Ec2InstancePlugin plugin = plugin(config(Map.of()).withEndpoint(proxy.endpoint())
                .withCallTimeout(Duration.ofSeconds(3)));
        Spec spec = Spec.of(props(), Map.of("g", "pets")).withLogicalId("zk-" + run);
        InstanceId pet = plugin.provision(spec);
        stop(pet);
        proxy.showStoppingNext(Integer.MAX_VALUE);
        long start = System.nanoTime();
        assertThatThrownBy(() -> plugin.provision(spec)).isInstanceOfSatisfying(InstanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: pet instance " + pet.value() + " of LogicalID "
                    + "\"zk-" + run + "\" is still stopping after the call timeout of 3000 ms; it is started by a "
                    + "Provision once it has stopped");
        });
        // Within its own deadline (3 s), with room for a busy machine.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(counter.calls("StartInstances")).isZero();
        assertThat(plugin.petLocksInUse()).isZero();
        proxy.showStoppingNext(0);
        assertThat(plugin.provision(spec)).isEqualTo(pet);
        assertThat(counter.calls("StartInstances")).isEqualTo(1);
        assertThat(state(pet)).isIn("pending", "running");
    }

    @Test
    void theReaperListsOnlyItsOwnDeadInItsNamespaceAndLogsWhyTheyStopped() {
        Ec2InstancePlugin plugin = plugin(config(Map.of("tier", "a")));
        Ec2InstancePlugin outside = plugin(config(Map.of("tier", "b")));
        InstanceId cattle = plugin.provision(Spec.of(props(), Map.of()));
        InstanceId pet = plugin.provision(Spec.of(props(), Map.of()).withLogicalId("web-" + run));
        InstanceId alive = plugin.provision(Spec.of(props(), Map.of()));
        InstanceId other = outside.provision(Spec.of(props(), Map.of()));
        InstanceId foreign = new InstanceId(admin.runInstances(r -> r.imageId(Ec2Emulator.imageId()).minCount(1)
                .maxCount(1).tagSpecifications(TagSpecification.builder().resourceType("instance").tags(
                        Tag.builder().key("ik4j.run").value(run).build(),
                        Tag.builder().key("tier").value("a").build()).build()))
                .instances().get(0).instanceId());
        stop(cattle, pet, other, foreign);

        assertThat(plugin.deadInstances().listDead()).containsExactlyInAnyOrder(
                new Reaper.DeadInstance(cattle, Optional.empty(), "stopped"),
                new Reaper.DeadInstance(pet, Optional.of("web-" + run), "stopped"));
        Map<String, String> last = plugin.deadInstances().lastState(
                new Reaper.DeadInstance(cattle, Optional.empty(), "stopped"));
        assertThat(last).containsEntry("ec2State", "stopped");
        assertThat(last.get("stateReason")).startsWith("Client.UserInitiatedShutdown");
        assertThat(last.get("stateTransitionReason")).startsWith("User initiated");
        // moto's console output is a fixed sample of ten lines: all of it is the tail.
        assertThat(last.get("consoleOutput")).startsWith("Linux version").endsWith("Enabling fast FPU save and "
                + "restore... done.");
        assertThat(state(alive)).isIn("pending", "running");
    }

    @Test
    void reapingTerminatesOnlyWhatIsStillDeadAndOurs() {
        Ec2InstancePlugin plugin = plugin(config(Map.of()));
        InstanceId dead = plugin.provision(Spec.of(props(), Map.of()));
        InstanceId revived = plugin.provision(Spec.of(props(), Map.of()));
        InstanceId foreign = new InstanceId(admin.runInstances(r -> r.imageId(Ec2Emulator.imageId()).minCount(1)
                .maxCount(1).tagSpecifications(TagSpecification.builder().resourceType("instance").tags(
                        Tag.builder().key("ik4j.run").value(run).build()).build()))
                .instances().get(0).instanceId());
        stop(dead, revived, foreign);
        admin.startInstances(r -> r.instanceIds(revived.value()));
        Ec2DeadInstances reaping = plugin.deadInstances();

        assertThat(reaping.reapIfStillDead(new Reaper.DeadInstance(dead, Optional.empty(), "stopped"))).isTrue();
        assertThat(state(dead)).isIn("shutting-down", "terminated");
        assertThat(reaping.reapIfStillDead(new Reaper.DeadInstance(dead, Optional.empty(), "stopped")))
                .as("gone already").isFalse();
        assertThat(reaping.reapIfStillDead(new Reaper.DeadInstance(revived, Optional.empty(), "stopped")))
                .as("alive again").isFalse();
        assertThat(state(revived)).isIn("pending", "running");
        assertThat(reaping.reapIfStillDead(new Reaper.DeadInstance(foreign, Optional.empty(), "stopped")))
                .as("not ours").isFalse();
        assertThat(state(foreign)).isEqualTo("stopped");
    }

    @Test
    void theReapersCallsAreBackgroundWorkForTheRequestBudgetAndTheClientsCallsAreNot() {
        List<String> sent = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME)
                        + (attributes.getAttribute(Ec2RequestBudget.BACKGROUND_UNTIL) != null ? " background" : ""));
            }
        };
        Ec2InstancePlugin plugin = Ec2Emulator.plugin(config(Map.of()), recorder);
        closeLater.add(plugin);
        InstanceId dead = plugin.provision(Spec.of(props(), Map.of()));
        stop(dead);
        plugin.describeInstances(Map.of(), false);
        Reaper.DeadInstance d = plugin.deadInstances().listDead().get(0);
        plugin.deadInstances().lastState(d);
        assertThat(plugin.deadInstances().reapIfStillDead(d)).isTrue();
        assertThat(sent).containsExactly("RunInstances", "DescribeInstances", "DescribeInstances background",
                "DescribeInstances background", "GetConsoleOutput background", "DescribeInstances background",
                "TerminateInstances background");
    }

    @Test
    void withReapAfterZeroTheReaperTakesDeadCattleAndKeepsDeadPets() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        BackendMeter meter = new BackendMeter() {
            @Override
            public void record(String operation, long nanos, boolean failed) {
            }

            @Override
            public void deadInstanceSeen(String state) {
                events.add("seen " + state);
            }

            @Override
            public void deadInstanceReaped(String state) {
                events.add("reaped " + state);
            }
        };
        Ec2InstancePlugin plugin = reaping(new ReapPolicy(false, Optional.of(Duration.ZERO), false), meter,
                Duration.ofMillis(500));
        InstanceId cattle = plugin.provision(Spec.of(props(), Map.of("g", "z")));
        InstanceId pet = plugin.provision(Spec.of(props(), Map.of("g", "z")).withLogicalId("kv-" + run));
        stop(cattle, pet);
        assertThat(plugin.describeInstances(Map.of("g", "z"), false)).isEmpty();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!events.contains("reaped stopped") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(state(cattle)).isEqualTo("terminated");
        assertThat(events).containsExactlyInAnyOrder("seen stopped", "seen stopped", "reaped stopped");
        assertThat(state(pet)).as("a pet is reaped only with --reap-pets").isEqualTo("stopped");
    }

    @Test
    void theConsoleTailIsTheLastTwentyLinesWithinFourKibibytes() {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            text.append("line ").append(i).append('\n');
        }
        String tail = Ec2DeadInstances.tail(text.toString());
        assertThat(tail.split("\n")).hasSize(20);
        assertThat(tail).startsWith("line 11\n").endsWith("line 30");
        assertThat(Ec2DeadInstances.tail("only\n")).isEqualTo("only");
        String wide = ("x".repeat(1000) + "\n").repeat(10) + "y".repeat(9000);
        assertThat(Ec2DeadInstances.tail(wide).getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(Ec2DeadInstances.CONSOLE_BYTES);
        assertThat(Ec2DeadInstances.tail(wide)).endsWith("yyy").doesNotContain("x");
        assertThat(Ec2DeadInstances.tail(("z".repeat(1000) + "\n").repeat(10)).split("\n")).hasSize(4);
    }
}
