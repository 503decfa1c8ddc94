package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.GroupLoop;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * Taking over a group from InfraKit's Go AWS plugin on the EC2 emulator. Its instances are laid out as that plugin
 * made them (reference-providers.md §1.3): RunInstances with no tags, then one CreateTags with the merge of the
 * Properties' Tags, the spec's tags and the namespace (later wins); no marker of any kind.
 */
class Ec2AdoptTest {
    private static final Map<String, String> NAMESPACE = Map.of("cluster", "takeover");
    private static final String GROUP = "workers";
    private Ec2Client admin;
    private String ami;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Ec2Emulator.reset();
        admin = Ec2Emulator.client();
        closeLater.add(admin);
        ami = Ec2Emulator.imageId(admin);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    private RawJson properties(String instanceType) {
        return new RawJson("{\"Tags\":{\"Name\":\"swarm-worker\"},\"RunInstancesInput\":{\"ImageId\":\"" + ami
                + "\",\"InstanceType\":\"" + instanceType + "\"}}");
    }

    /** One instance exactly as the Go plugin's Provision left it: launched untagged, then tagged in a second call. */
    private String referenceInstance(Map<String, String> propertiesTags, Map<String, String> specTags,
                                     Map<String, String> namespace) {
        String id = admin.runInstances(r -> r.imageId(ami).instanceType("t2.micro").minCount(1).maxCount(1))
                .instances().get(0).instanceId();
        Map<String, String> tags = new TreeMap<>(propertiesTags);
        tags.putAll(specTags);
        tags.putAll(namespace);
        admin.createTags(r -> r.resources(id).tags(tags.entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList()));
        return id;
    }

    private InstancePluginClient serve(boolean adopt) throws Exception {
        Ec2InstancePlugin plugin = Ec2Emulator.plugin(Ec2Emulator.config().withNamespace(NAMESPACE).withAdopt(adopt));
        closeLater.add(plugin);
        PluginHarness harness = PluginHarness.serve(Ec2SubTypePlugin.byType(plugin), 4 << 20, Duration.ofSeconds(30));
        closeLater.add(harness);
        InstancePluginClient client = InstancePluginClient.connect(harness.socket(), "ec2-instance",
                Duration.ofSeconds(30));
        closeLater.add(client);
        return client;
    }

    private Map<String, String> tagsOf(String id) {
        Instance i = admin.describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0);
        Map<String, String> tags = new TreeMap<>();
        i.tags().forEach(t -> tags.put(t.key(), t.value()));
        return tags;
    }

    private String stateOf(String id) {
        return admin.describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0)
                .state().nameAsString();
    }

    @Test
    void aGroupOfThreeIsKeptThenRolledWithNothingOrphaned() throws Exception {
        GroupLoop old = GroupLoop.cattle(null, GROUP, properties("t2.micro"), 3);
        Set<String> reference = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            reference.add(referenceInstance(Map.of("Name", "swarm-worker"), old.tags(), NAMESPACE));
        }
        // Same group name, another namespace: not this plugin's, never touched.
        String foreign = referenceInstance(Map.of(), old.tags(), Map.of("cluster", "other"));

        InstancePluginClient without = serve(false);
        assertThat(without.describeInstances(old.filter(), false)).as("invisible without --adopt").isEmpty();
        assertThatThrownBy(() -> without.label(new InstanceId(reference.iterator().next()), Map.of("k", "v")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));

        InstancePluginClient adopting = serve(true);
        GroupLoop.Poll kept = GroupLoop.cattle(adopting, GROUP, properties("t2.micro"), 3).poll();
        assertThat(kept.errors()).isEmpty();
        assertThat(kept.provisioned()).as("nothing provisioned").isEmpty();
        assertThat(kept.destroyed()).as("nothing destroyed").isEmpty();
        assertThat(kept.described()).extracting(d -> d.id().value()).containsExactlyInAnyOrderElementsOf(reference);
        assertThat(kept.described()).allSatisfy(d -> assertThat(d.tags()).containsEntry("Name", "swarm-worker")
                .containsEntry("cluster", "takeover").doesNotContainKey(Ec2Tags.MARKER_KEY));
        assertThat(kept.described()).as("LogicalID: the private IP, as the Go plugin reported it").allSatisfy(d ->
                assertThat(d.logicalId()).contains(admin.describeInstances(r -> r.instanceIds(d.id().value()))
                        .reservations().get(0).instances().get(0).privateIpAddress()));
        reference.forEach(id -> assertThat(tagsOf(id)).as("marked on adoption")
                .containsEntry(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE));
        assertThat(tagsOf(foreign)).doesNotContainKey(Ec2Tags.MARKER_KEY);

        // A later start needs no flag.
        InstancePluginClient later = serve(false);
        assertThat(later.describeInstances(old.filter(), false)).extracting(d -> d.id().value())
                .containsExactlyInAnyOrderElementsOf(reference);

        // Roll to a changed config: GroupLoop destroys one outdated member per poll once the group is at its size
        // and provisions its replacement on the next, as InfraKit's rolling update does.
        GroupLoop rolled = GroupLoop.cattle(later, GROUP, properties("t3.micro"), 3);
        String newSha = rolled.tags().get(GroupLoop.CONFIG_SHA_TAG);
        List<String> rolledAway = new ArrayList<>();
        for (int round = 0; round < 12; round++) {
            GroupLoop.Poll poll = rolled.poll();
            assertThat(poll.errors()).isEmpty();
            assertThat(poll.destroyed()).as("one member at a time").hasSizeLessThanOrEqualTo(1);
            assertThat(poll.described()).as("never more than one member short while rolling").hasSizeGreaterThan(1);
            poll.destroyed().forEach(id -> rolledAway.add(id.value()));
            if (poll.described().size() == 3 && poll.described().stream().allMatch(rolled::isCurrent)) {
                break;
            }
        }
        assertThat(rolledAway).as("each adopted member rolled once").containsExactlyInAnyOrderElementsOf(reference);
        assertThat(rolled.poll().provisioned()).isEmpty();
        List<Description> now = later.describeInstances(old.filter(), false);
        assertThat(now).hasSize(3).allSatisfy(d -> assertThat(d.tags()).containsEntry(GroupLoop.CONFIG_SHA_TAG, newSha));
        // Counted on the backend itself: 3 live members of the group in the namespace, the old ones terminated.
        Set<String> live = Ec2Emulator.liveInstances(admin, "infrakit.group", GROUP);
        live.remove(foreign);
        assertThat(live).hasSize(3).doesNotContainAnyElementsOf(reference);
        reference.forEach(id -> assertThat(stateOf(id)).isIn("shutting-down", "terminated"));
        live.forEach(id -> assertThat(admin.describeInstances(r -> r.instanceIds(id)).reservations().get(0)
                .instances().get(0).instanceTypeAsString()).isEqualTo("t3.micro"));
        assertThat(stateOf(foreign)).isEqualTo("running");
    }

    @Test
    void anInstanceMetByIdIsAdoptedOnlyWithItsGroupTagAndTheNamespace() throws Exception {
        String member = referenceInstance(Map.of(), Map.of("infrakit.group", "g"), NAMESPACE);
        String loose = referenceInstance(Map.of("Name", "hand-made"), Map.of(), NAMESPACE);
        InstancePluginClient adopting = serve(true);
        adopting.label(new InstanceId(member), Map.of("infrakit.config_sha", "bootstrap"));
        assertThat(tagsOf(member)).containsEntry(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE)
                .containsEntry("infrakit.config_sha", "bootstrap");
        assertThatThrownBy(() -> adopting.label(new InstanceId(loose), Map.of("k", "v")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        adopting.destroy(new InstanceId(loose), DestroyContext.TERMINATE);
        assertThat(stateOf(loose)).as("not ours: left alone").isEqualTo("running");
    }

    /** A spot request as the Go spot plugin left it (§1.8): RequestSpotInstances, then CreateTags on the request. */
    private String referenceSpotRequest(Map<String, String> tags) {
        String request = admin.requestSpotInstances(r -> r.instanceCount(1).spotPrice("0.05").type("one-time")
                .launchSpecification(l -> l.imageId(ami).instanceType("t2.micro"))).spotInstanceRequests().get(0)
                .spotInstanceRequestId();
        admin.createTags(r -> r.resources(request).tags(tags.entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList()));
        return request;
    }

    private String instanceOf(String request) {
        return admin.describeSpotInstanceRequests(r -> r.spotInstanceRequestIds(request)).spotInstanceRequests().get(0)
                .instanceId();
    }

    @Test
    void theGoSpotPluginsRequestsStandForTheirInstances() throws Exception {
        Map<String, String> tags = new TreeMap<>(Map.of("infrakit.group", "spot", "Name", "spotty"));
        tags.putAll(NAMESPACE);
        String kept = referenceSpotRequest(tags);
        String held = referenceSpotRequest(tags);
        String keptInstance = instanceOf(kept);
        String heldInstance = instanceOf(held);
        assertThat(keptInstance).as("the emulator fulfils at once").isNotNull();
        assertThat(serve(false).describeInstances(Map.of("infrakit.group", "spot"), false)).isEmpty();

        InstancePluginClient adopting = serve(true);
        // A group that still holds the request id destroys it: the request's instance goes, the request is cancelled.
        adopting.destroy(new InstanceId(held), DestroyContext.TERMINATE);
        assertThat(stateOf(heldInstance)).isIn("shutting-down", "terminated");
        // EC2 lists a cancelled request for a while; the emulator forgets it at once.
        assertThat(admin.describeSpotInstanceRequests(r -> r.spotInstanceRequestIds(held)).spotInstanceRequests())
                .allSatisfy(r -> assertThat(r.stateAsString()).isEqualTo("cancelled"));

        List<Description> found = adopting.describeInstances(Map.of("infrakit.group", "spot"), false);
        assertThat(found).extracting(d -> d.id().value()).containsExactly(keptInstance);
        assertThat(found.get(0).tags()).containsEntry("Name", "spotty").containsEntry("cluster", "takeover");
        assertThat(tagsOf(keptInstance)).containsEntry(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE)
                .containsEntry("infrakit.group", "spot");
        assertThat(serve(false).describeInstances(Map.of("infrakit.group", "spot"), false))
                .as("a later start needs no flag").extracting(d -> d.id().value()).containsExactly(keptInstance);
    }
}
