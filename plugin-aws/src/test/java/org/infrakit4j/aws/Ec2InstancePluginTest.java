package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** What plugin-aws adds to the contract, against the EC2 emulator (and a fault-injecting fake in front of it). */
class Ec2InstancePluginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private Ec2Client admin;
    private Ec2CallCounter counter;
    private InstancePlugin plugin;

    @BeforeEach
    void resetEmulator() throws Exception {
        Ec2Emulator.reset();
        admin = Ec2Emulator.client();
        closeLater.add(admin);
        counter = new Ec2CallCounter();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    /** Serves a plugin on a real socket and returns the client side. */
    private InstancePlugin serve(Ec2Config config) throws Exception {
        Ec2InstancePlugin backend = Ec2Emulator.plugin(config, counter);
        closeLater.add(backend);
        PluginHarness harness = PluginHarness.serve(backend, TIMEOUT);
        closeLater.add(harness);
        return harness.client();
    }

    private static RawJson props(String extra) {
        return new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\""
                + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    private Instance ec2Instance(InstanceId id) {
        return admin.describeInstances(r -> r.instanceIds(id.value())).reservations().get(0).instances().get(0);
    }

    private static Map<String, String> tagMap(List<Tag> tags) {
        Map<String, String> out = new HashMap<>();
        tags.forEach(t -> out.put(t.key(), t.value()));
        return out;
    }

    private JsonNode propertiesOf(InstanceId id) throws Exception {
        return JSON.readTree(plugin.describeInstances(Map.of(), true).stream().filter(d -> d.id().equals(id))
                .findFirst().orElseThrow().properties().json());
    }

    private JsonNode awaitAttachments(InstanceId id, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode attachments = propertiesOf(id).path("Attachments");
        while (System.nanoTime() < deadline && !(attachments.size() == count && attachments
                .findValuesAsText("State").stream().allMatch(s -> s.equals("attached") || s.equals("failed")))) {
            Thread.sleep(100);
            attachments = propertiesOf(id).path("Attachments");
        }
        return attachments;
    }

    // --- Provision ---

    @Test
    void provisionIsOneRunInstancesWithEveryTagPresentFromTheFirstDescribe() throws Exception {
        plugin = serve(Ec2Emulator.config().withNamespace(Map.of("cluster", "c1")));
        InstanceId id = plugin.provision(Spec.of(props("\"Tags\":{\"Name\":\"w\",\"role\":\"props\"}"),
                Map.of("infrakit.group", "workers", "role", "spec")));
        assertThat(counter.calls()).isEqualTo(Map.of("RunInstances", 1));
        Map<String, String> tags = tagMap(ec2Instance(id).tags());
        assertThat(tags).containsEntry("infrakit.group", "workers").containsEntry("role", "spec")
                .containsEntry("Name", "w").containsEntry("cluster", "c1")
                .containsEntry(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE);
        Description d = plugin.describeInstances(Map.of("infrakit.group", "workers"), false).get(0);
        assertThat(d.tags()).isEqualTo(Map.of("infrakit.group", "workers", "role", "spec", "Name", "w",
                "cluster", "c1"));
        assertThat(d.logicalId()).isEmpty();
        assertThat(counter.calls("CreateTags")).isZero();
    }

    @Test
    void initBecomesBase64UserDataAndAnIpLogicalIdThePrivateIp() {
        plugin = serve0();
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("g", "1")).withLogicalId("172.31.0.21")
                .withInit("#!/bin/sh\necho hi"));
        Instance i = ec2Instance(id);
        assertThat(i.privateIpAddress()).isEqualTo("172.31.0.21");
        assertThat(plugin.describeInstances(Map.of("g", "1"), false).get(0).logicalId()).contains("172.31.0.21");
        assertThat(admin.describeInstanceAttribute(r -> r.instanceId(id.value()).attribute("userData")).userData()
                .value()).isEqualTo("IyEvYmluL3NoCmVjaG8gaGk=");
    }

    private InstancePlugin serve0() {
        try {
            return serve(Ec2Emulator.config());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void spotInstancesComeFromInstanceMarketOptions() throws Exception {
        plugin = serve0();
        InstanceId id = plugin.provision(Spec.of(props("\"InstanceMarketOptions\":{\"MarketType\":\"spot\","
                + "\"SpotOptions\":{\"MaxPrice\":\"0.05\",\"SpotInstanceType\":\"one-time\"}}"), Map.of("s", "1")));
        assertThat(id.value()).startsWith("i-");
        assertThat(counter.calls()).isEqualTo(Map.of("RunInstances", 1));
        assertThat(propertiesOf(id).path("InstanceLifecycle").asText()).isEqualTo("spot");
        assertThatThrownBy(() -> plugin.validate(props("\"InstanceMarketOptions\":{\"MarketType\":\"spot\","
                + "\"SpotOptions\":{\"SpotInstanceType\":\"persistent\"}}")))
                .hasMessageContaining("Properties.InstanceMarketOptions.SpotOptions.SpotInstanceType:");
    }

    @Test
    void theSamePetFromTwoPluginProcessesIsOneInstanceAndNeverResurrected() throws Exception {
        plugin = serve0();
        InstancePlugin other = serve(Ec2Emulator.config());
        Spec pet = Spec.of(props(""), Map.of("infrakit.group", "mgr")).withLogicalId("mgr-1");
        InstanceId first = plugin.provision(pet);
        assertThat(other.provision(pet)).isEqualTo(first);
        assertThat(plugin.provision(pet)).isEqualTo(first);
        assertThat(counter.calls("RunInstances")).isEqualTo(1);
        assertThat(ec2Instance(first).clientToken())
                .isEqualTo(Ec2ClientToken.forPet("mgr-1", tagMap(ec2Instance(first).tags()), 0).value());
        plugin.destroy(first, DestroyContext.TERMINATE);
        InstanceId second = other.provision(pet);
        assertThat(second).isNotEqualTo(first);
        assertThat(plugin.describeInstances(Map.of("infrakit.group", "mgr"), false)).extracting(Description::id)
                .containsExactly(second);
    }

    // --- Attachments ---

    @Test
    void volumesAreAttachedOnDistinctFreeDevices() throws Exception {
        plugin = serve0();
        List<Attachment> volumes = List.of(new Attachment(Ec2Emulator.createVolume(admin, "us-east-1c"), "ebs"),
                new Attachment(Ec2Emulator.createVolume(admin, "us-east-1c"), "ebs"),
                new Attachment(Ec2Emulator.createVolume(admin, "us-east-1c"), "block-device"));
        InstanceId id = plugin.provision(new Spec(props("\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdf\","
                + "\"Ebs\":{\"VolumeSize\":2,\"DeleteOnTermination\":true}}]"), Map.of("a", "1"), "",
                Optional.empty(), volumes));
        JsonNode attachments = awaitAttachments(id, 3);
        assertThat(attachments.findValuesAsText("State")).as(attachments.toString()).containsOnly("attached");
        assertThat(attachments.findValuesAsText("Device")).containsExactly("/dev/sdg", "/dev/sdh", "/dev/sdi");
        assertThat(ec2Instance(id).placement().availabilityZone()).as("placed in the volumes' zone")
                .isEqualTo("us-east-1c");
        for (Attachment a : volumes) {
            assertThat(admin.describeVolumes(r -> r.volumeIds(a.id())).volumes().get(0).attachments().get(0)
                    .instanceId()).isEqualTo(id.value());
        }
    }

    @Test
    void aVolumeInAnotherZoneOrAlreadyAttachedIsAClearErrorBeforeLaunch() {
        plugin = serve0();
        String elsewhere = Ec2Emulator.createVolume(admin, "us-east-1b");
        assertThatThrownBy(() -> plugin.provision(new Spec(props("\"Placement\":{\"AvailabilityZone\":"
                + "\"us-east-1a\"}"), Map.of(), "", Optional.empty(), List.of(new Attachment(elsewhere, "ebs")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Attachments[0]: volume " + elsewhere
                            + " is in us-east-1b but the instance would be in us-east-1a (a volume attaches only "
                            + "in its own zone)");
                });
        String used = Ec2Emulator.createVolume(admin, "us-east-1a");
        String holder = admin.runInstances(r -> r.imageId(Ec2Emulator.imageId()).minCount(1).maxCount(1)
                .placement(p -> p.availabilityZone("us-east-1a"))).instances().get(0).instanceId();
        admin.attachVolume(r -> r.volumeId(used).instanceId(holder).device("/dev/sdf"));
        assertThatThrownBy(() -> plugin.provision(new Spec(props(""), Map.of(), "", Optional.empty(),
                List.of(new Attachment(used, "ebs")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains("volume " + used + " is already attached to " + holder);
                });
        assertThatThrownBy(() -> plugin.provision(new Spec(props(""), Map.of(), "", Optional.empty(),
                List.of(new Attachment("vol-1", "nfs")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Attachments[0].Type: \"nfs\" is not supported; use \"ebs\" with a "
                        + "volume id"));
        assertThat(counter.calls("RunInstances")).isZero();
        assertThat(plugin.describeInstances(Map.of(), false)).isEmpty();
    }

    @Test
    void anAttachmentFailingAfterLaunchShowsInDescribe() throws Exception {
        plugin = serve0();
        String subnetB = admin.describeSubnets(r -> r.filters(Filter.builder().name("availability-zone")
                .values("us-east-1b").build())).subnets().get(0).subnetId();
        String volume = Ec2Emulator.createVolume(admin, "us-east-1a");
        InstanceId id = plugin.provision(new Spec(props("\"SubnetId\":\"" + subnetB + "\""), Map.of(), "",
                Optional.empty(), List.of(new Attachment(volume, "ebs"))));
        JsonNode attachments = awaitAttachments(id, 1);
        assertThat(attachments.get(0).path("State").asText()).isEqualTo("failed");
        assertThat(attachments.get(0).path("Error").asText())
                .isEqualTo("volume is in us-east-1a but the instance is in us-east-1b");
    }

    @Test
    void destroyLeavesVolumesThatAreNotDeletedOnTermination() {
        plugin = serve0();
        InstanceId id = plugin.provision(Spec.of(props("\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\","
                + "\"Ebs\":{\"VolumeSize\":3,\"DeleteOnTermination\":false}}]"), Map.of("d", "1")));
        String kept = ec2Instance(id).blockDeviceMappings().stream().filter(m -> m.deviceName().equals("/dev/sdb"))
                .findFirst().orElseThrow().ebs().volumeId();
        assertThat(tagMap(admin.describeVolumes(r -> r.volumeIds(kept)).volumes().get(0).tags()))
                .as("volumes tagged at launch").containsEntry("d", "1");
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(ec2Instance(id).state().nameAsString()).isIn("shutting-down", "terminated");
        assertThat(admin.describeVolumes(r -> r.volumeIds(kept)).volumes()).hasSize(1);
    }

    // --- Describe, Label, Destroy ---

    @Test
    void describeFollowsEveryPage() {
        int n = 60;
        int page = 7;
        plugin = serve0();
        InstancePlugin small;
        try {
            small = serve(Ec2Emulator.config().withPageSize(page));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<InstanceId> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            made.add(plugin.provision(Spec.of(props(""), Map.of("page", "test"))));
        }
        counter.reset();
        assertThat(small.describeInstances(Map.of("page", "test"), false)).extracting(Description::id)
                .containsExactlyInAnyOrderElementsOf(made);
        assertThat(counter.calls()).isEqualTo(Map.of("DescribeInstances", (n + page - 1) / page));
    }

    @Test
    void stoppedInstancesAreLeftOutOfDescribeAndUnmanagedOnesNeverTouched() {
        plugin = serve0();
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("s", "1")));
        InstanceId running = plugin.provision(Spec.of(props(""), Map.of("s", "1")));
        admin.stopInstances(r -> r.instanceIds(id.value()));
        counter.reset();
        assertThat(plugin.describeInstances(Map.of("s", "1"), false)).extracting(Description::id)
                .containsExactly(running);
        assertThat(counter.calls()).as("dead ones found in the same reply").isEqualTo(Map.of("DescribeInstances", 1));
        String foreign = admin.runInstances(r -> r.imageId(Ec2Emulator.imageId()).minCount(1).maxCount(1)
                .tagSpecifications(TagSpecification.builder().resourceType("instance")
                        .tags(Tag.builder().key("s").value("1").build()).build()))
                .instances().get(0).instanceId();
        assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id).containsExactly(running);
        assertThatThrownBy(() -> plugin.label(new InstanceId(foreign), Map.of("x", "y")))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        plugin.destroy(new InstanceId(foreign), DestroyContext.TERMINATE);
        assertThat(ec2Instance(new InstanceId(foreign)).state().nameAsString()).isEqualTo("running");
    }

    @Test
    void labelRefusesAwsKeysAndMergesOthers() {
        plugin = serve0();
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("keep", "k")));
        assertThatThrownBy(() -> plugin.label(id, Map.of("aws:cloudformation:stack-name", "x")))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(WireErrors.text(e)).isEqualTo("invalid properties: labels: tag key "
                            + "\"aws:cloudformation:stack-name\": keys starting with aws: are reserved by AWS");
                });
        counter.reset();
        plugin.label(id, Map.of("infrakit.config_sha", "abc"));
        assertThat(counter.calls()).isEqualTo(Map.of("DescribeInstances", 1, "CreateTags", 1));
        assertThat(tagMap(ec2Instance(id).tags())).containsEntry("keep", "k").containsEntry("infrakit.config_sha",
                "abc").containsEntry(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE);
    }

    @Test
    void validateMakesNoCallUnlessDryRunIsAsked() throws Exception {
        plugin = serve0();
        plugin.validate(props(""));
        assertThat(counter.total()).isZero();
        InstancePlugin dry = serve(Ec2Emulator.config().withValidateDryRun(true));
        dry.validate(props(""));
        assertThat(counter.calls()).isEqualTo(Map.of("RunInstances", 1));
        assertThat(dry.describeInstances(Map.of(), false)).isEmpty();
    }

    // --- Throttling, server errors, endpoint down, eventual consistency (a fake in front of the emulator) ---

    private FakeEc2Proxy proxy() throws Exception {
        FakeEc2Proxy proxy = FakeEc2Proxy.start(Ec2Emulator.endpoint());
        closeLater.add(proxy);
        return proxy;
    }

    @Test
    void throttlingAndServerErrorsAreRetriedWithBackoff() throws Exception {
        FakeEc2Proxy proxy = proxy();
        plugin = serve(Ec2Emulator.config(proxy.endpoint()).withRetries(4, Duration.ofMillis(10)));
        proxy.failNext("RunInstances", 2, 503, "RequestLimitExceeded", "Request limit exceeded.");
        proxy.failNext("DescribeInstances", 1, 500, "InternalError", "An internal error has occurred.");
        proxy.failNext("DescribeInstances", 1, 503, "Unavailable", "The server is overloaded.");
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("t", "1")));
        assertThat(plugin.describeInstances(Map.of("t", "1"), false)).extracting(Description::id)
                .containsExactly(id);
        assertThat(proxy.injected()).isEqualTo(4);
        assertThat(counter.calls("RunInstances")).isEqualTo(1);
        assertThat(counter.attempts("RunInstances")).isEqualTo(3);
        assertThat(counter.attempts("DescribeInstances")).isEqualTo(3);
        assertThat(admin.describeInstances().reservations()).hasSize(1);
    }

    @Test
    void throttlingPastTheRetriesIsAnErrorNamingTheAwsCode() throws Exception {
        FakeEc2Proxy proxy = proxy();
        plugin = serve(Ec2Emulator.config(proxy.endpoint()).withRetries(2, Duration.ofMillis(10)));
        proxy.failNext("RunInstances", 3, 503, "RequestLimitExceeded", "Request limit exceeded.");
        assertThatThrownBy(() -> plugin.provision(Spec.of(props(""), Map.of())))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: EC2 RunInstances failed: "
                            + "RequestLimitExceeded: Request limit exceeded. (after retries)");
                });
        assertThat(counter.attempts("RunInstances")).isEqualTo(3);
        assertThat(plugin.provision(Spec.of(props(""), Map.of()))).isNotNull();
    }

    @Test
    void theEndpointGoingDownIsAnErrorAndThePluginWorksWhenItIsBack() throws Exception {
        FakeEc2Proxy proxy = proxy();
        plugin = serve(Ec2Emulator.config(proxy.endpoint()).withRetries(1, Duration.ofMillis(10)));
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("e", "1")));
        proxy.stop();
        assertThatThrownBy(() -> plugin.describeInstances(Map.of("e", "1"), false))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(WireErrors.text(e)).startsWith("backend unavailable: EC2 DescribeInstances failed: "
                            + "cannot reach EC2 at " + proxy.endpoint() + ": ");
                });
        assertThatThrownBy(() -> plugin.provision(Spec.of(props(""), Map.of("e", "1"))))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE));
        proxy.restart();
        assertThat(plugin.describeInstances(Map.of("e", "1"), false)).extracting(Description::id)
                .containsExactly(id);
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(plugin.describeInstances(Map.of("e", "1"), false)).isEmpty();
    }

    @Test
    void oneSdkCallIsOneMeteredBackendCallWithItsRetriesInside() throws Exception {
        FakeEc2Proxy proxy = proxy();
        List<String> metered = new CopyOnWriteArrayList<>();
        Ec2InstancePlugin direct = Ec2Emulator.plugin(Ec2Emulator.config(proxy.endpoint())
                .withRetries(2, Duration.ofMillis(10)), (op, nanos, failed) -> metered.add(op + (failed ? " failed"
                : "")), counter);
        closeLater.add(direct);
        proxy.failNext("RunInstances", 2, 503, "Unavailable", "The server is overloaded.");
        InstanceId id = direct.provision(Spec.of(props(""), Map.of("m", "1")));
        proxy.failNext("DescribeInstances", 3, 500, "InternalError", "An internal error has occurred.");
        assertThatThrownBy(() -> direct.describeInstances(Map.of("m", "1"), false))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("backend unavailable: EC2 DescribeInstances failed: InternalError"));
        direct.validate(props(""));
        direct.destroy(id, DestroyContext.TERMINATE);
        assertThat(counter.attempts("RunInstances")).isEqualTo(3);
        assertThat(metered).containsExactly("RunInstances", "DescribeInstances failed", "DescribeInstances",
                "TerminateInstances");
    }

    @Test
    void theHealthProbeIsOneBoundedAttemptNamingTheEndpoint() throws Exception {
        FakeEc2Proxy proxy = proxy();
        Ec2InstancePlugin direct = Ec2Emulator.plugin(Ec2Emulator.config(proxy.endpoint())
                .withRetries(5, Duration.ofMillis(200)), counter);
        closeLater.add(direct);
        direct.checkHealth();
        proxy.stop();
        long start = System.nanoTime();
        assertThatThrownBy(direct::checkHealth).isInstanceOfSatisfying(InstanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(WireErrors.text(e)).startsWith("backend unavailable: EC2 DescribeAvailabilityZones failed: "
                    + "cannot reach EC2 at " + proxy.endpoint() + ": ").contains("refused");
        });
        // Five retries backing off from 200 ms would take over 6 s: well inside that means one attempt, on a busy
        // machine too.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(counter.attempts("DescribeAvailabilityZones")).as("no retry").isEqualTo(2);

        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI hanging = URI.create("http://127.0.0.1:" + silent.getLocalPort());
            Ec2InstancePlugin stuck = Ec2Emulator.plugin(Ec2Emulator.config(hanging));
            closeLater.add(stuck);
            long t0 = System.nanoTime();
            assertThatThrownBy(stuck::checkHealth).isInstanceOfSatisfying(InstanceException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                assertThat(WireErrors.text(e)).startsWith("backend unavailable: EC2 DescribeAvailabilityZones failed: "
                        + "cannot reach EC2 at " + hanging + ": ").contains("did not complete before the specified "
                        + "timeout configuration: " + Ec2Sdk.PROBE_TIMEOUT.toMillis() + " millis");
            });
            // The probe's own bound fired (not the 30 s call timeout, not at once); the margin is for a busy machine.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Ec2Sdk.PROBE_TIMEOUT,
                    Duration.ofSeconds(5));
        }
    }

    @Test
    void aJustLaunchedInstanceIsDescribedLabelledAndDestroyedWhileEc2Lags() throws Exception {
        FakeEc2Proxy proxy = proxy();
        plugin = serve(Ec2Emulator.config(proxy.endpoint()));
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("lag", "1")));
        proxy.lagNext(1);
        assertThat(plugin.describeInstances(Map.of("lag", "1"), false)).extracting(Description::id)
                .containsExactly(id);
        assertThat(plugin.describeInstances(Map.of("lag", "other"), false)).isEmpty();
        proxy.lagNext(2);
        plugin.label(id, Map.of("l", "2"));
        assertThat(tagMap(ec2Instance(id).tags())).containsEntry("l", "2");
        InstanceId fresh = plugin.provision(Spec.of(props(""), Map.of("lag", "1")));
        proxy.lagNext(3);
        plugin.destroy(fresh, DestroyContext.TERMINATE);
        assertThat(ec2Instance(fresh).state().nameAsString()).isIn("shutting-down", "terminated");
        assertThat(proxy.injected()).isEqualTo(6);
        Spec pet = Spec.of(props(""), Map.of("lag", "pet")).withLogicalId("db-1");
        InstanceId petId = plugin.provision(pet);
        proxy.lagNext(5);
        assertThat(plugin.provision(pet)).as("found while EC2 does not list it yet").isEqualTo(petId);
    }

    // --- Locks, deadlines and bounds (slow answers from the fake in front of the emulator) ---

    @Test
    void anotherPetDoesNotWaitBehindASlowLaunch() throws Exception {
        FakeEc2Proxy proxy = proxy();
        Ec2InstancePlugin backend = Ec2Emulator.plugin(Ec2Emulator.config(proxy.endpoint()), counter);
        closeLater.add(backend);
        PluginHarness harness = PluginHarness.serve(backend, TIMEOUT);
        closeLater.add(harness);
        plugin = harness.client();
        // "Aa" and "BB" hash alike: these two LogicalIDs would share the stripe of any hash-striped lock.
        assertThat("db-Aa".hashCode()).isEqualTo("db-BB".hashCode());
        proxy.delayNext("RunInstances", 1, Duration.ofSeconds(10));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        closeLater.add(pool::shutdownNow);
        Spec slowPet = Spec.of(props(""), Map.of("pet", "slow")).withLogicalId("db-Aa");
        // In-process: a held call over the socket would meet the client's idle timeout first.
        Future<InstanceId> slow = pool.submit(() -> backend.provision(slowPet));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (proxy.delaying() == 0) {
            assertThat(System.nanoTime()).as("the slow pet's RunInstances reaches EC2").isLessThan(deadline);
            Thread.sleep(20);
        }

        InstanceId other = plugin.provision(Spec.of(props(""), Map.of("pet", "other")).withLogicalId("db-BB"));
        assertThat(slow).as("the other pet was made while the slow launch was still held").isNotDone();
        assertThat(tagMap(ec2Instance(other).tags())).containsEntry(Ec2Tags.LOGICAL_ID_KEY, "db-BB");

        InstanceId slowId = slow.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(slowId).isNotEqualTo(other);
        assertThat(plugin.provision(slowPet)).as("the pet's retry still finds its instance").isEqualTo(slowId);
        assertThat(backend.petLocksInUse()).as("no lock kept once no call is in progress").isZero();
    }

    @Test
    void labelAndDestroyHaveOneDeadlineForAllTheirEc2Calls() throws Exception {
        FakeEc2Proxy proxy = proxy();
        Duration callTimeout = Duration.ofSeconds(8);
        // Each slow EC2 call alone fits in the call timeout with room for a busy machine; two of them do not.
        Duration slow = Duration.ofSeconds(5);
        plugin = serve(Ec2Emulator.config(proxy.endpoint()).withCallTimeout(callTimeout));
        InstanceId id = plugin.provision(Spec.of(props(""), Map.of("deadline", "1")));

        proxy.delayNext("DescribeInstances", 1, slow);
        plugin.label(id, Map.of("one", "slow-call"));
        assertThat(tagMap(ec2Instance(id).tags())).containsEntry("one", "slow-call");

        proxy.delayNext("DescribeInstances", 1, slow);
        proxy.delayNext("CreateTags", 1, slow);
        assertThatThrownBy(() -> plugin.label(id, Map.of("two", "slow-calls")))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(WireErrors.text(e)).startsWith("backend unavailable: EC2 CreateTags failed: ")
                            .contains("did not complete before the specified timeout");
                });

        proxy.delayNext("DescribeInstances", 1, slow);
        proxy.delayNext("TerminateInstances", 1, slow);
        assertThatThrownBy(() -> plugin.destroy(id, DestroyContext.TERMINATE))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(WireErrors.text(e)).startsWith("backend unavailable: EC2 TerminateInstances failed: ")
                            .contains("did not complete before the specified timeout");
                });
    }

    @Test
    void attachmentsBeyondTheBoundAreRefusedBeforeLaunchNotQueued() throws Exception {
        FakeEc2Proxy proxy = proxy();
        Ec2InstancePlugin backend = Ec2Emulator.plugin(Ec2Emulator.config(proxy.endpoint()), 1, 0, counter);
        closeLater.add(backend);
        PluginHarness harness = PluginHarness.serve(backend, TIMEOUT);
        closeLater.add(harness);
        plugin = harness.client();
        // The first attachment's wait for its instance is held: its place stays taken meanwhile. Provision itself
        // makes no DescribeInstances, so the held one is the attachment's.
        proxy.delayNext("DescribeInstances", 1, Duration.ofSeconds(6));
        Spec first = new Spec(props(""), Map.of("bound", "1"), "", Optional.empty(),
                List.of(new Attachment(Ec2Emulator.createVolume(admin, "us-east-1a"), "ebs")));
        Spec second = new Spec(props(""), Map.of("bound", "2"), "", Optional.empty(),
                List.of(new Attachment(Ec2Emulator.createVolume(admin, "us-east-1a"), "ebs")));
        InstanceId firstId = plugin.provision(first);

        assertThatThrownBy(() -> plugin.provision(second)).isInstanceOfSatisfying(InstanceException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
            assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: too many attachments in progress (at most 1 "
                    + "instances' at once); retry later");
        });
        assertThat(counter.calls("RunInstances")).as("nothing launched for the refused Provision").isEqualTo(1);
        assertThat(plugin.provision(Spec.of(props(""), Map.of("bound", "none")))).as("no attachments, no wait")
                .isNotNull();

        assertThat(awaitAttachments(firstId, 1).findValuesAsText("State")).containsOnly("attached");
        InstanceId secondId = plugin.provision(second);
        assertThat(awaitAttachments(secondId, 1).findValuesAsText("State")).as("the place is free again")
                .containsOnly("attached");
    }
}
