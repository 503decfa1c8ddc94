package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only Docker can show: the real containers behind the plugin, driven through its socket. */
class DockerInstancePluginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = DockerTestBackend.randomHex(4);
    private static final Map<String, String> NAMESPACE = Map.of("ik4j.namespace", "docker-" + RUN);

    @TempDir
    Path dir;

    private DockerClient docker;
    private InstancePlugin plugin;
    private Map<String, String> runTag;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> networks = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        docker = DockerTestBackend.client(DockerTestBackend.host());
        runTag = Map.of("ik4j.test", DockerTestBackend.randomHex(4));
        plugin = serve(DockerEngine.Config.of(DockerTestBackend.host()), NAMESPACE, dir.resolve("labels.json"));
    }

    private PluginHarness lastHarness;

    private DockerInstancePlugin lastBackend;

    /**
     * GET /healthz on the plugin served last: status and body. Its own bound is about a second; checked with the
     * margin a busy machine needs, which still tells it from waiting on a hung engine (that never answers).
     */
    private RawHttp.Reply healthz() throws Exception {
        try (RawHttp http = lastHarness.raw()) {
            long t0 = System.nanoTime();
            RawHttp.Reply reply = http.send("GET", "/healthz", null, null);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            return reply;
        }
    }

    /** Serves a plugin that waits for every start, so each Provision's outcome is final when it returns. */
    private InstancePlugin serve(DockerEngine.Config engine, Map<String, String> namespace, Path store)
            throws Exception {
        return serve(engine, namespace, store, Duration.ofMinutes(2));
    }

    private InstancePlugin serve(DockerEngine.Config engine, Map<String, String> namespace, Path store,
            Duration patience) throws Exception {
        return serve(engine, namespace, store, patience, ReapPolicy.DEFAULT);
    }

    /** A plugin that lists dead containers too and never reaps them (--report-dead --reap-after never). */
    private InstancePlugin serveReportingDead(DockerEngine.Config engine, Path store) throws Exception {
        return serve(engine, NAMESPACE, store, Duration.ofMinutes(2), new ReapPolicy(true, Optional.empty(), false));
    }

    private InstancePlugin serve(DockerEngine.Config engine, Map<String, String> namespace, Path store,
            Duration patience, ReapPolicy policy) throws Exception {
        DockerInstancePlugin backend = DockerInstancePlugin.open(engine, namespace, store, BackendMeter.NONE,
                patience, policy);
        PluginHarness harness = PluginHarness.serve(backend, Duration.ofSeconds(60));
        lastHarness = harness;
        lastBackend = backend;
        toClose.add(backend);
        toClose.add(harness);
        return harness.client();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Container c : DockerTestBackend.containersLabelled(docker, runTag)) {
            docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        }
        networks.forEach(n -> DockerTestBackend.removeNetwork(docker, n));
        volumes.forEach(v -> DockerTestBackend.removeVolume(docker, v));
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        docker.close();
    }

    private String properties(String extra) {
        return "{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\",\"Cmd\":[\"sleep\",\"3600\"],"
                + "\"NetworkMode\":\"none\"" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private Map<String, String> tags(String... pairs) {
        Map<String, String> t = new HashMap<>(runTag);
        for (int i = 0; i < pairs.length; i += 2) {
            t.put(pairs[i], pairs[i + 1]);
        }
        return t;
    }

    private InstanceId provision(String extraProperties, Map<String, String> tags) {
        return plugin.provision(Spec.of(new RawJson(properties(extraProperties)), tags));
    }

    private JsonNode describedProperties(InstancePlugin p, InstanceId id) throws Exception {
        Description d = p.describeInstances(runTag, true).stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(id + " not described"));
        return JSON.readTree(d.properties().json());
    }

    @Test
    void tagsNamespaceAndLogicalIdAreLabelsOfTheRealContainer() {
        Spec spec = Spec.of(new RawJson(properties("\"Labels\":{\"team\":\"x\",\"role\":\"from-properties\"}")),
                tags("infrakit.group", "workers", "role", "from-tags")).withLogicalId("pet-" + RUN);
        InstanceId id = plugin.provision(spec);

        assertThat(id.value()).matches("[0-9a-f]{64}");
        InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
        assertThat(c.getName()).isEqualTo("/pet-" + RUN);
        assertThat(c.getState().getStatus()).isEqualTo("running");
        assertThat(c.getHostConfig().getInit()).isTrue();
        assertThat(c.getConfig().getLabels()).containsAllEntriesOf(spec.tags()).containsAllEntriesOf(NAMESPACE)
                .containsEntry("team", "x").containsEntry("role", "from-tags")
                .containsEntry("org.infrakit4j.docker.managed", "true")
                .containsEntry("org.infrakit4j.docker.logical-id", "pet-" + RUN)
                .containsEntry("org.infrakit4j.docker.tags", "[\"ik4j.test\",\"infrakit.group\",\"role\"]");
        Description d = plugin.describeInstances(runTag, false).get(0);
        assertThat(d.tags()).as("exactly the tags: no namespace, Properties labels or plugin labels")
                .isEqualTo(spec.tags());
        assertThat(d.logicalId()).contains("pet-" + RUN);
    }

    @Test
    void initIsDeliveredBeforeStartAndRunBeforeTheCommand() throws Exception {
        String init = "#!/bin/sh\necho \"init as $(id -u) in $PWD\" > /tmp/init-ran\n";
        InstanceId id = plugin.provision(Spec.of(new RawJson(properties(
                "\"InitScript\":{\"Path\":\"/opt/boot/run.sh\"},\"WorkingDir\":\"/tmp\"")), tags()).withInit(init));

        DockerTestBackend.FileInContainer script = DockerTestBackend.readFile(docker, id.value(), "/opt/boot/run.sh");
        assertThat(script.content()).isEqualTo(init);
        assertThat(script.mode()).isEqualTo(0700);
        DockerTestBackend.await(Duration.ofSeconds(10), "Init output", () -> {
            try {
                return DockerTestBackend.readFile(docker, id.value(), "/tmp/init-ran").content()
                        .equals("init as 0 in /tmp\n");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(describedProperties(plugin, id).path("State").asText()).as("the command runs after Init")
                .isEqualTo("running");
    }

    @Test
    void aFailingInitEndsTheContainerWithItsExitCodeShownWhenDeadOnesAreReported() throws Exception {
        InstanceId id = plugin.provision(Spec.of(new RawJson(properties("")), tags()).withInit("exit 3\n"));
        DockerTestBackend.await(Duration.ofSeconds(10), "the container to exit",
                () -> !docker.inspectContainerCmd(id.value()).exec().getState().getRunning());
        assertThat(plugin.describeInstances(runTag, false)).as("dead: left out").isEmpty();
        JsonNode state = describedProperties(serveReportingDead(DockerEngine.Config.of(DockerTestBackend.host()),
                dir.resolve("reporting.json")), id);
        assertThat(state.path("State").asText()).isEqualTo("exited");
        assertThat(state.path("ExitCode").asInt()).isEqualTo(3);
    }

    @Test
    void aPetWhoseStartNeverCameGetsItsSetUpFromItsLogicalIdsProvisionAndKeepsItsId() throws Exception {
        // As a plugin stopped between create and start leaves it: created, labelled as ours, no Init, not started.
        String name = "unstarted-" + RUN;
        Spec spec = Spec.of(new RawJson(properties("")), tags()).withLogicalId(name).withInit("touch /tmp/ran\n");
        DockerProperties p = DockerPropertiesDecoder.ours(spec.properties());
        DockerContainerSpec c = DockerContainerSpec.of(p, spec,
                new DockerLabels(NAMESPACE).forCreate(p, spec.tags(), spec.logicalId()));
        String id = c.apply(docker.createContainerCmd(p.image()), new ContainerConfig()).exec().getId();
        assertThat(plugin.describeInstances(runTag, false)).as("created a moment ago: a start may still come")
                .extracting(Description::id).containsExactly(new InstanceId(id));
        Thread.sleep(DockerDeadContainers.START_GRACE.plusSeconds(2).toMillis());
        assertThat(plugin.describeInstances(runTag, false)).as("a start that never came: dead").isEmpty();

        assertThat(plugin.provision(spec)).isEqualTo(new InstanceId(id));
        DockerTestBackend.await(Duration.ofSeconds(60), "the pet running, its Init run", () -> {
            try {
                return DockerTestBackend.readFile(docker, id, "/tmp/ran") != null;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(DockerTestBackend.readFile(docker, id, "/infrakit/init.sh").content()).isEqualTo("touch /tmp/ran\n");
        assertThat(describedProperties(plugin, new InstanceId(id)).path("State").asText()).isEqualTo("running");
    }

    @Test
    void anInitNotToRunIsOnlyDelivered() throws Exception {
        InstanceId id = plugin.provision(Spec.of(new RawJson(properties("\"InitScript\":{\"Run\":false}")), tags())
                .withInit("touch /tmp/ran\n"));
        assertThat(DockerTestBackend.readFile(docker, id.value(), "/infrakit/init.sh").content())
                .isEqualTo("touch /tmp/ran\n");
        assertThat(docker.inspectContainerCmd(id.value()).exec().getConfig().getCmd())
                .containsExactly("sleep", "3600");
    }

    @Test
    void exitedContainersAreLeftOutOfDescribeUnlessDeadOnesAreReportedWithTheirState() throws Exception {
        InstanceId id = plugin.provision(Spec.of(new RawJson("{\"Image\":\"" + DockerTestBackend.image()
                + "\",\"Pull\":\"never\",\"Cmd\":[\"sh\",\"-c\",\"exit 7\"],\"NetworkMode\":\"none\"}"), tags()));
        DockerTestBackend.await(Duration.ofSeconds(10), "the container to exit",
                () -> "exited".equals(docker.inspectContainerCmd(id.value()).exec().getState().getStatus()));
        assertThat(plugin.describeInstances(runTag, true)).as("dead: left out").isEmpty();
        InstancePlugin reporting = serveReportingDead(DockerEngine.Config.of(DockerTestBackend.host()),
                dir.resolve("reporting.json"));
        assertThat(reporting.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);
        JsonNode state = describedProperties(reporting, id);
        assertThat(state.path("State").asText()).isEqualTo("exited");
        assertThat(state.path("ExitCode").asInt()).isEqualTo(7);
        assertThat(state.path("FinishedAt").asText()).startsWith("20");
        assertThat(state.path("Image").asText()).isEqualTo(DockerTestBackend.image());
        assertThat(state.path("Networks").has("none")).isTrue();
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
    }

    @Test
    void volumeAndNetworkAttachmentsAreMountedAndConnected() throws Exception {
        String netA = "ik4j-a-" + RUN;
        String netB = "ik4j-b-" + RUN;
        String volA = "ik4j-va-" + RUN;
        String volB = "ik4j-vb-" + RUN;
        networks.addAll(List.of(netA, netB));
        volumes.addAll(List.of(volA, volB));
        DockerTestBackend.createNetwork(docker, netA);
        DockerTestBackend.createNetwork(docker, netB);
        Spec spec = new Spec(new RawJson("{\"Image\":\"" + DockerTestBackend.image() + "\",\"Pull\":\"never\","
                + "\"Cmd\":[\"sleep\",\"3600\"],\"Networks\":[\"" + netA + "\"],\"Volumes\":[\"/scratch\"],"
                + "\"StopTimeout\":1}"), tags(), "", Optional.empty(),
                List.of(new Attachment(volA, "volume"), new Attachment(volB + ":/data", "volume"),
                        new Attachment(netB, "network")));
        InstanceId id = plugin.provision(spec);

        InspectContainerResponse c = docker.inspectContainerCmd(id.value()).exec();
        assertThat(c.getHostConfig().getNetworkMode()).isEqualTo(netA);
        assertThat(c.getNetworkSettings().getNetworks()).containsOnlyKeys(netA, netB);
        assertThat(c.getMounts()).extracting(m -> m.getDestination().getPath())
                .containsExactlyInAnyOrder("/mnt/" + volA, "/data", "/scratch");
        String anonymous = c.getMounts().stream().filter(m -> m.getDestination().getPath().equals("/scratch"))
                .findFirst().orElseThrow().getName();
        JsonNode state = describedProperties(plugin, id);
        assertThat(state.path("Networks").path(netA).path("IPAddress").asText()).startsWith("198.1");
        assertThat(state.path("Networks").path(netB).path("IPAddress").asText()).startsWith("198.1");

        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(docker.listVolumesCmd().exec().getVolumes()).extracting(v -> v.getName())
                .as("named volumes stay, the anonymous one goes").contains(volA, volB).doesNotContain(anonymous);
    }

    @Test
    void anUnsupportedAttachmentTypeIsRefusedBeforeAnythingIsMade() {
        assertThatThrownBy(() -> plugin.provision(new Spec(new RawJson(properties("")), tags(), "", Optional.empty(),
                List.of(new Attachment("vol-1", "ebs")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "invalid properties: Attachments[0].Type: unsupported type \"ebs\" (volume or network)"));
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
    }

    @Test
    void provisionAndDestroyAnswerFirstAndTheEngineWorkFinishesAfter() throws Exception {
        InstancePlugin impatient = serve(DockerEngine.Config.of(DockerTestBackend.host()), NAMESPACE,
                dir.resolve("impatient.json"), Duration.ZERO);
        InstanceId good = impatient.provision(Spec.of(new RawJson(properties("")), tags("k", "good")));
        assertThat(impatient.describeInstances(tags("k", "good"), false)).extracting(Description::id)
                .as("described from the moment Provision answers").containsExactly(good);
        DockerTestBackend.await(Duration.ofSeconds(30), "the container running",
                () -> docker.inspectContainerCmd(good.value()).exec().getState().getRunning());

        InstanceId bad = impatient.provision(Spec.of(new RawJson("{\"Image\":\"" + DockerTestBackend.image()
                + "\",\"Pull\":\"never\",\"Init\":false,\"Cmd\":[\"/no/such/command\"],\"NetworkMode\":\"none\"}"),
                tags("k", "bad")));
        assertThat(bad.value()).matches("[0-9a-f]{64}");
        DockerTestBackend.await(Duration.ofSeconds(30), "the container that failed to start removed",
                () -> impatient.describeInstances(tags("k", "bad"), false).isEmpty());
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).extracting(c -> c.getId())
                .containsExactly(good.value());

        impatient.destroy(good, DestroyContext.TERMINATE); // answers at once; stop and removal go on
        assertThat(impatient.describeInstances(tags("k", "good"), false)).as("not described once Destroy answered")
                .isEmpty();
        impatient.destroy(good, DestroyContext.TERMINATE); // the same removal, or nothing left: fine either way
        DockerTestBackend.await(Duration.ofSeconds(60), "the destroyed container removed from the engine",
                () -> DockerTestBackend.containersLabelled(docker, runTag).isEmpty());
    }

    @Test
    void aFailingStartLeavesNoHalfMadeContainer() {
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson("{\"Image\":\"" + DockerTestBackend.image()
                + "\",\"Pull\":\"never\",\"Init\":false,\"Cmd\":[\"/no/such/command\"],\"NetworkMode\":\"none\"}"),
                tags())))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_ERROR);
                    assertThat(WireErrors.text(e)).startsWith("backend error: docker engine at " + DockerTestBackend.host()
                            + ": start container ").contains("/no/such/command");
                });
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson("{\"Image\":\"" + DockerTestBackend.image()
                + "\",\"Pull\":\"never\",\"Cmd\":[\"sleep\",\"1\"],\"NetworkMode\":\"ik4j-missing-" + RUN + "\","
                + "\"Networks\":[\"ik4j-missing-" + RUN + "\",\"ik4j-missing-too-" + RUN + "\"]}"), tags())))
                .isInstanceOf(InstanceException.class);
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
    }

    @Test
    void aPullThatCannotReachARegistryFailsClearlyAndMakesNothing() {
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson("{\"Image\":\"ik4j-no-such/image:" + RUN
                + "\",\"Pull\":\"if-missing\"}"), tags())))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e))
                        .startsWith("backend error: docker engine at " + DockerTestBackend.host() + ": pull ik4j-no-such/image:"));
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson("{\"Image\":\"ik4j-no-such/image:" + RUN
                + "\",\"Pull\":\"never\"}"), tags())))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.getMessage())
                        .contains("create container from ik4j-no-such/image:").contains("No such image"));
        assertThat(DockerTestBackend.containersLabelled(docker, runTag)).isEmpty();
    }

    @Test
    void twoPluginsOnOneEngineSeeOnlyTheirOwnNamespace() throws Exception {
        Map<String, String> otherNamespace = Map.of("ik4j.namespace", "other-" + RUN);
        InstancePlugin other = serve(DockerEngine.Config.of(DockerTestBackend.host()), otherNamespace,
                dir.resolve("other.json"));
        InstanceId mine = provision("", tags());
        InstanceId theirs = other.provision(Spec.of(new RawJson(properties("")), tags()));

        assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id).contains(mine)
                .doesNotContain(theirs);
        assertThat(other.describeInstances(Map.of(), false)).extracting(Description::id).containsExactly(theirs);
        assertThatThrownBy(() -> plugin.destroy(theirs, DestroyContext.TERMINATE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "conflict: container " + theirs + " belongs to another namespace; refusing to destroy it"));
        assertThatThrownBy(() -> plugin.label(theirs, Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.NOT_FOUND));
        String pet = "shared-" + RUN;
        other.provision(Spec.of(new RawJson(properties("")), tags()).withLogicalId(pet));
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson(properties("")), tags()).withLogicalId(pet)))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e))
                        .startsWith("conflict: LogicalID \"" + pet + "\" is the name of container ")
                        .endsWith(", which this plugin does not manage"));
        assertThat(docker.inspectContainerCmd(theirs.value()).exec().getState().getRunning()).isTrue();
    }

    @Test
    void aContainerThePluginDidNotMakeIsNeverDestroyed() {
        String id = docker.createContainerCmd(DockerTestBackend.image()).withCmd("sleep", "3600")
                .withLabels(runTag).exec().getId();
        assertThatThrownBy(() -> plugin.destroy(new InstanceId(id), DestroyContext.TERMINATE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "conflict: container " + id + " is not managed by this plugin (no label "
                                + "org.infrakit4j.docker.managed); refusing to destroy it"));
        assertThat(plugin.describeInstances(runTag, false)).isEmpty();
        assertThat(docker.inspectContainerCmd(id).exec().getId()).isEqualTo(id);
    }

    @Test
    void theShortIdOrAUniquePrefixNamesAnInstanceButANameNever() throws Exception {
        String name = "named-" + RUN;
        InstanceId pet = plugin.provision(Spec.of(new RawJson(properties("")), tags("k", "pet")).withLogicalId(name));
        InstanceId other = provision("", tags("k", "other"));
        String shortId = pet.value().substring(0, DockerIdPrefix.SHORT);

        plugin.label(new InstanceId(shortId), Map.of("by", "short"));
        plugin.label(new InstanceId(pet.value().substring(0, 20)), Map.of("by", "prefix"));
        assertThat(plugin.describeInstances(tags("by", "prefix"), false)).extracting(Description::id)
                .containsExactly(pet);
        assertThatThrownBy(() -> plugin.label(new InstanceId(name), Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> plugin.label(new InstanceId(pet.value().substring(0, 11)), Map.of("a", "b")))
                .as("11 hex digits are not an ID").isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        plugin.destroy(new InstanceId(name), DestroyContext.TERMINATE); // no container has that ID: nothing to do
        assertThat(docker.inspectContainerCmd(pet.value()).exec().getState().getRunning()).isTrue();

        plugin.destroy(new InstanceId(shortId), DestroyContext.TERMINATE);
        assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(other);
        DockerTestBackend.await(Duration.ofSeconds(60), "the container named by its short ID removed",
                () -> DockerTestBackend.containersLabelled(docker, tags("k", "pet")).isEmpty());
        assertThat(Files.readString(dir.resolve("labels.json"))).doesNotContain(pet.value());
        assertThat(docker.inspectContainerCmd(other.value()).exec().getState().getRunning()).isTrue();
        plugin.destroy(new InstanceId(shortId), DestroyContext.TERMINATE); // gone: Destroy stays idempotent
    }

    @Test
    void aShortIdOfAContainerThePluginDidNotMakeIsRefusedToo() {
        String id = docker.createContainerCmd(DockerTestBackend.image()).withCmd("sleep", "3600")
                .withLabels(runTag).exec().getId();
        assertThatThrownBy(() -> plugin.destroy(new InstanceId(id.substring(0, 12)), DestroyContext.TERMINATE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "conflict: container " + id + " is not managed by this plugin (no label "
                                + "org.infrakit4j.docker.managed); refusing to destroy it"));
        assertThat(docker.inspectContainerCmd(id).exec().getId()).isEqualTo(id);
    }

    @Test
    void theLabelStoreIsPrunedOfContainersRemovedBehindThePluginsBack() throws Exception {
        InstanceId kept = provision("", tags("k", "kept"));
        InstanceId removedWhileDown = provision("", tags("k", "down"));
        InstanceId removedWhileUp = provision("", tags("k", "up"));
        for (InstanceId id : List.of(kept, removedWhileDown, removedWhileUp)) {
            plugin.label(id, Map.of("labelled", "yes"));
        }
        Path store = dir.resolve("labels.json");
        assertThat(Files.readString(store)).contains(kept.value(), removedWhileDown.value(), removedWhileUp.value());

        // Removed while no plugin runs: the next one prunes it as it starts.
        docker.removeContainerCmd(removedWhileDown.value()).withForce(true).exec();
        InstancePlugin restarted = serve(DockerEngine.Config.of(DockerTestBackend.host()), NAMESPACE, store);
        DockerTestBackend.await(Duration.ofSeconds(30), "the removed container pruned from the store at start",
                () -> {
                    try {
                        return !Files.readString(store).contains(removedWhileDown.value());
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
        // Removed while it runs: the periodic prune (run here directly) forgets it, and only it.
        docker.removeContainerCmd(removedWhileUp.value()).withForce(true).exec();
        assertThat(lastBackend.pruneLabelStore()).isEqualTo(1);
        assertThat(Files.readString(store)).contains(kept.value()).doesNotContain(removedWhileUp.value());
        assertThat(restarted.describeInstances(tags("labelled", "yes"), false)).extracting(Description::id)
                .containsExactly(kept);
        assertThat(lastBackend.pruneLabelStore()).as("nothing more to prune").isZero();
    }

    @Test
    void labelsAreKeptNextToTheSocketAcrossRestartsAndForgottenOnDestroy() throws Exception {
        InstanceId id = provision("", tags("v", "1"));
        plugin.label(id, Map.of("v", "2", "added", "yes"));
        Path store = dir.resolve("labels.json");
        assertThat(Files.readString(store)).contains(id.value()).contains("\"added\" : \"yes\"");
        assertThat(Files.getPosixFilePermissions(store)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertThat(docker.inspectContainerCmd(id.value()).exec().getConfig().getLabels()).containsEntry("v", "1");

        InstancePlugin restarted = serve(DockerEngine.Config.of(DockerTestBackend.host()), NAMESPACE, store);
        assertThat(restarted.describeInstances(tags("v", "2"), false)).extracting(Description::tags)
                .containsExactly(tags("v", "2", "added", "yes"));
        assertThat(restarted.describeInstances(tags("v", "1"), false)).isEmpty();
        assertThatThrownBy(() -> restarted.label(id, Map.of("ik4j.namespace", "elsewhere")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.INVALID_PROPERTIES));

        restarted.destroy(id, DestroyContext.TERMINATE);
        assertThat(Files.readString(store)).doesNotContain(id.value());
    }

    @Test
    void aPetIsNeverResurrectedButRemadeAfterDestroy() {
        Spec pet = Spec.of(new RawJson(properties("")), tags()).withLogicalId("again-" + RUN);
        InstanceId first = plugin.provision(pet);
        plugin.destroy(first, DestroyContext.TERMINATE);
        InstanceId second = plugin.provision(pet);
        assertThat(second).isNotEqualTo(first);
        assertThat(plugin.provision(pet)).isEqualTo(second);
    }

    @Test
    void aLogicalIdThatCannotBeAContainerNameIsInvalid() {
        assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson(properties("")), tags()).withLogicalId("a/b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "invalid properties: LogicalID \"a/b\" cannot be a container name "
                                + "([a-zA-Z0-9][a-zA-Z0-9_.-]+)"));
    }

    @Test
    void anEngineThatIsNotThereIsExplainedInWords() throws Exception {
        Path missing = dir.resolve("no-engine.sock");
        InstancePlugin p = serve(new DockerEngine.Config("unix://" + missing, false, null, Duration.ofSeconds(2)),
                NAMESPACE, dir.resolve("missing.json"));
        assertThatThrownBy(() -> p.describeInstances(runTag, false))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "backend unavailable: docker engine at unix://" + missing + " unreachable (no socket at "
                                + missing + ") during list containers"));
        Files.createFile(missing); // a file that is not a socket: nobody listens
        assertThatThrownBy(() -> p.describeInstances(runTag, false))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                        "backend unavailable: docker engine at unix://" + missing + " unreachable (connection "
                                + "refused) during list containers"));
    }

    @Test
    void anEngineStoppedFrozenAndRestartedUnderThePlugin() throws Exception {
        try (PrivateDockerd engine = PrivateDockerd.start()) {
            engine.loadImage(docker, DockerTestBackend.image());
            // Dead ones reported: the engine's restart leaves the container exited, and it must still be there.
            InstancePlugin p = serveReportingDead(new DockerEngine.Config(engine.host(), false, null,
                    Duration.ofSeconds(2)), dir.resolve("private.json"));
            InstanceId id = p.provision(Spec.of(new RawJson(properties("")), tags()));

            assertThat(healthz().text()).isEqualTo("ok\n");
            engine.freeze();
            RawHttp.Reply frozen = healthz();
            assertThat(frozen.status()).isEqualTo(503);
            assertThat(frozen.text()).startsWith("backend unavailable: ").contains(engine.host());
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> p.describeInstances(runTag, false))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).startsWith("backend unavailable: docker engine at " + engine.host()
                                + " no answer within 2 s");
                    });
            // The 2 s timeout plus what a busy machine adds; the frozen engine itself would never answer.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
            engine.signal("CONT");
            assertThat(p.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);

            engine.stop();
            t0 = System.nanoTime();
            for (Runnable call : List.<Runnable>of(() -> p.describeInstances(runTag, false),
                    () -> p.provision(Spec.of(new RawJson(properties("")), tags())),
                    () -> p.destroy(id, DestroyContext.TERMINATE))) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                    assertThat(WireErrors.text(e)).startsWith("backend unavailable: docker engine at " + engine.host()
                            + " unreachable (");
                });
            }
            // "unreachable" is the failure at connect, not a timeout: three calls well within their 3 x 2 s timeouts.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
            p.validate(new RawJson(properties("")));
            RawHttp.Reply down = healthz();
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.text()).startsWith("backend unavailable: docker engine at " + engine.host()
                    + " unreachable (");

            engine.startAgain();
            assertThat(healthz().text()).isEqualTo("ok\n");
            assertThat(describedProperties(p, id).path("State").asText()).isEqualTo("exited");
            p.destroy(id, DestroyContext.TERMINATE);
            assertThat(p.describeInstances(runTag, false)).isEmpty();
            assertThat(p.describeInstances(Map.of(), false)).isEmpty();
        }
    }
}
