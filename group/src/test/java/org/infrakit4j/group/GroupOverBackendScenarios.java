package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our group plugin over one of our instance plugins on its real backend (issue #16): scale up and down, a killed
 * member healed, a rolling update one member at a time, a pet group, the group plugin killed with -9 mid-update and
 * restarted, destroy. The instance plugin runs as its own process (its main) in a namespace of the test's own; the
 * group plugin beside it in the same plugins directory, in this JVM or as its own process. Every scenario asserts
 * through the backend's own view (a client of the test's own), not only through the plugins. A subclass per backend
 * supplies the plugin process, the member Properties, that view, and how a member is killed behind the group's back.
 */
abstract class GroupOverBackendScenarios {
    /** Generous: every step is a few backend calls and a poll or two, on a busy 2-core machine. */
    static final Duration PATIENCE = Duration.ofSeconds(180);
    static final Duration POLL = Duration.ofSeconds(1);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    static final String GROUP = "workers";

    /**
     * One instance of the test's namespace as the backend itself stores it: its ID, its tags (labels, tags or
     * metadata), its LogicalID under the plugin's own key, and whether it runs (or is starting, where the backend
     * cannot tell the two apart).
     */
    record Member(String id, Map<String, String> tags, Optional<String> logicalId, boolean running) {
        Member {
            Objects.requireNonNull(id, "id");
            tags = Map.copyOf(tags);
            Objects.requireNonNull(logicalId, "logicalId");
        }

        String tag(String key) {
            return tags.get(key);
        }
    }

    /** A check of the backend's view; may call the backend again. */
    @FunctionalInterface
    interface Condition {
        boolean holds(List<Member> namespace) throws Exception;
    }

    /** In the pets' LogicalIDs: a backend may make them names unique in it (Docker's container names). */
    private final String run = UUID.randomUUID().toString().substring(0, 6);
    private PluginProcess plugin;
    private PluginDirectory dir;
    private GroupMain.Running groupHere;
    private PluginProcess groupProcess;
    private int groupStarts;

    // ---------------------------------------------------------------- what a backend supplies

    /** The instance plugin's main run as its own process, in a new home, with its environment. */
    protected abstract PluginProcess instancePluginProcess() throws Exception;

    /** The instance plugin's flags: its backend and the test's namespace. */
    protected abstract List<String> instancePluginArgs() throws Exception;

    /** The instance plugin's socket name, as the group config's {@code Instance.Plugin} names it. */
    protected abstract String instancePlugin();

    /** A member's instance Properties (JSON); the scenarios' versions go in the flavor's Tags. */
    protected abstract String instanceProperties() throws Exception;

    /** Every instance of the test's namespace the backend holds, in any state but gone, as it lists them. */
    protected abstract List<Member> namespace() throws Exception;

    /** Kills a member behind the group's back, as an outage or an operator would, and waits until it is gone. */
    protected abstract void kill(String id) throws Exception;

    /** Whatever else of the namespace the backend holds (e.g. volumes), by name; after a destroy, none. */
    protected List<String> otherResources() throws Exception {
        return List.of();
    }

    /** Removes everything of the namespace a failed test left, and closes the backend client. */
    protected abstract void cleanUp() throws Exception;

    /** An environment variable the backend's up.sh writes; a clear failure, never a skip, when it is not set. */
    static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: start the backend with scripts/backends/up.sh (or "
                    + "run scripts/test.sh) and source its env file");
        }
        return value;
    }

    // ---------------------------------------------------------------- set-up

    @BeforeEach
    void startInstancePlugin() throws Exception {
        plugin = instancePluginProcess();
        Process p = plugin.start(instancePluginArgs().toArray(String[]::new));
        try {
            PluginProcess.awaitSocket(plugin.socket(instancePlugin()), p, CALL_TIMEOUT);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its output:\n" + plugin.output(0), e);
        }
        dir = new PluginDirectory(plugin.home().resolve("plugins"));
    }

    @AfterEach
    void stopAll() throws Exception {
        try {
            if (groupHere != null) {
                groupHere.close();
            }
            if (groupProcess != null) {
                groupProcess.close();
            }
            if (plugin != null) {
                plugin.close();
            }
        } finally {
            cleanUp();
        }
    }

    /** The group plugin served in this JVM on the socket {@code group} of the plugins directory. */
    private void startGroupHere() throws Exception {
        groupHere = GroupMain.start(dir, plugin.home().resolve("group").resolve("groups.json"), POLL, 4,
                CALL_TIMEOUT);
    }

    /** The group plugin as its own process (its main), its state in a home of its own, on the shared directory. */
    private Process startGroupProcess() throws Exception {
        if (groupProcess == null) {
            groupProcess = PluginProcess.inNewHome(GroupMain.class, "ik4jgo-", Map.of());
        }
        Process p = groupProcess.start("--plugins-dir", dir.path().toString(), "--poll-interval",
                POLL.toSeconds() + "s", "--log-level", "info");
        int n = groupStarts++;
        try {
            PluginProcess.awaitSocket(dir.socketOf(GroupMain.DEFAULT_NAME), p, CALL_TIMEOUT);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its output:\n" + groupProcess.output(n), e);
        }
        return p;
    }

    // ---------------------------------------------------------------- the group's side

    private String config(String allocation, String version) throws Exception {
        return "{\"Allocation\":" + allocation + ","
                + "\"Instance\":{\"Plugin\":\"" + instancePlugin() + "\",\"Properties\":" + instanceProperties() + "},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{\"Tags\":{\"role\":\"worker\",\"version\":\""
                + version + "\"}}}}";
    }

    private String cattle(int size, String version) throws Exception {
        return config("{\"Size\":" + size + "}", version);
    }

    private static String sha(String properties) throws Exception {
        return GroupConfig.parse(new RawJson(properties)).configSha();
    }

    /** {@code Group.<method>} through a new client of whichever group plugin serves the socket now. */
    private JsonNode call(String method, GoJson.Writer params) throws Exception {
        try (InstancePluginClient c = InstancePluginClient.connect(dir.socketOf(GroupMain.DEFAULT_NAME), "",
                CALL_TIMEOUT)) {
            return GoFields.parse(c.callMethod("Group." + method, params).json());
        }
    }

    private String commit(String properties) throws Exception {
        try (InstancePluginClient c = InstancePluginClient.connect(dir.socketOf(GroupMain.DEFAULT_NAME), "",
                CALL_TIMEOUT)) {
            return GroupFixture.commit(c, GROUP, properties, false).get("Details").asText();
        }
    }

    private void setSize(long size) throws Exception {
        assertThat(call("SetSize", out -> {
            out.writeStartObject();
            out.writeStringField("ID", GROUP);
            out.writeNumberField("Size", size);
            out.writeEndObject();
        }).toString()).isEqualTo("{\"ID\":\"" + GROUP + "\"}");
        assertThat(call("Size", GroupService.idResult(GROUP)).get("Size").asLong()).isEqualTo(size);
    }

    private boolean converged() throws Exception {
        return call("DescribeGroup", GroupService.idResult(GROUP)).get("Description").get("Converged").asBoolean();
    }

    private void destroyGroup() throws Exception {
        assertThat(call("DestroyGroup", GroupService.idResult(GROUP)).toString())
                .isEqualTo("{\"ID\":\"" + GROUP + "\"}");
    }

    // ---------------------------------------------------------------- the backend's side

    private static Set<String> ids(List<Member> members) {
        return members.stream().map(Member::id).collect(Collectors.toSet());
    }

    private static Set<String> shas(List<Member> members) {
        return members.stream().map(m -> m.tag(GroupReconciler.CONFIG_SHA_TAG)).collect(Collectors.toSet());
    }

    /**
     * The whole namespace is exactly {@code n} running members of the group made from the config {@code sha}:
     * nothing missing, duplicated, outdated or orphaned.
     */
    private static boolean exactly(List<Member> namespace, int n, String sha) {
        return namespace.size() == n && namespace.stream().allMatch(m -> m.running()
                && GROUP.equals(m.tag(GroupReconciler.GROUP_TAG)) && sha.equals(m.tag(GroupReconciler.CONFIG_SHA_TAG)));
    }

    /** Polls the backend until the condition holds; returns the namespace it held for. */
    private List<Member> await(String what, Condition done) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            List<Member> now = namespace();
            if (done.holds(now)) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE.toSeconds() + " s: " + what + "; the backend holds "
                        + now);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Until DescribeGroup says converged, so the instance plugin's own Describe has listed every member: a plugin
     * may vouch for a launch its backend has not listed yet (plugin-aws, for EC2's eventual consistency), so a member
     * killed before that is missed until the plugin's window passes.
     */
    private void awaitConverged() throws Exception {
        await("the group reports itself converged", ns -> converged());
    }

    private void awaitNothingLeft() throws Exception {
        await("nothing of the namespace left in the backend", ns -> ns.isEmpty() && otherResources().isEmpty());
    }

    // ---------------------------------------------------------------- scenarios

    @Test
    void scalesUpAndDownHealsAKilledMemberAndDestroyLeavesNothing() throws Exception {
        startGroupHere();
        String v1 = cattle(2, "v1");
        String sha1 = sha(v1);
        assertThat(commit(v1)).isEqualTo("Managing 2 instances");
        List<Member> two = await("2 running members of v1", ns -> exactly(ns, 2, sha1));
        assertThat(two).allSatisfy(m -> assertThat(m.tags()).containsEntry("role", "worker")
                .containsEntry("version", "v1"));

        // Scale up: one more, the two there untouched.
        setSize(3);
        List<Member> three = await("scaled up to 3", ns -> exactly(ns, 3, sha1));
        assertThat(ids(three)).containsAll(ids(two));

        // Scale down: the excess destroyed; exactly 2 left, both of those that were there.
        setSize(2);
        List<Member> down = await("scaled down to 2", ns -> exactly(ns, 2, sha1));
        assertThat(ids(three)).containsAll(ids(down));

        // Self-healing: a member killed behind the group's back is replaced, the other left alone.
        awaitConverged();
        String victim = down.get(0).id();
        String other = down.get(1).id();
        kill(victim);
        List<Member> healed = await("the killed member replaced",
                ns -> exactly(ns, 2, sha1) && !ids(ns).contains(victim));
        assertThat(ids(healed)).contains(other);

        // Destroy: every member gone, and nothing else of the namespace left either.
        destroyGroup();
        awaitNothingLeft();
    }

    @Test
    void aRollingUpdateReplacesOneMemberAtATimeUntilAllAreNewAndOfTheNewConfig() throws Exception {
        startGroupHere();
        String v1 = cattle(3, "v1");
        String v2 = cattle(3, "v2");
        String sha2 = sha(v2);
        assertThat(commit(v1)).isEqualTo("Managing 3 instances");
        Set<String> old = ids(await("3 running members of v1", ns -> exactly(ns, 3, sha(v1))));

        assertThat(commit(v2)).isEqualTo("Performing a rolling update on 3 instances");
        List<Member> rolled = await("all 3 members replaced by members of v2", ns -> {
            assertThat(ns.size()).as("one member replaced at a time; the backend holds %s", ns).isBetween(2, 3);
            return exactly(ns, 3, sha2);
        });
        assertThat(ids(rolled)).doesNotContainAnyElementsOf(old);
        assertThat(rolled).allSatisfy(m -> assertThat(m.tag("version")).isEqualTo("v2"));
    }

    @Test
    void aPetGroupKeepsOneMemberPerLogicalIdAndAKilledPetComesBackUnderItsId() throws Exception {
        startGroupHere();
        Optional<String> a = Optional.of("a-" + run);
        Optional<String> b = Optional.of("b-" + run);
        String pets = config("{\"LogicalIDs\":[\"" + a.get() + "\",\"" + b.get() + "\"]}", "v1");
        String sha = sha(pets);
        assertThat(commit(pets)).isEqualTo("Managing 2 instances");
        List<Member> both = await("one running member for each LogicalID", ns -> exactly(ns, 2, sha)
                && ns.stream().map(Member::logicalId).collect(Collectors.toSet()).equals(Set.of(a, b)));
        Member petA = both.stream().filter(m -> m.logicalId().equals(a)).findFirst().orElseThrow();
        Member petB = both.stream().filter(m -> m.logicalId().equals(b)).findFirst().orElseThrow();

        awaitConverged();
        kill(petA.id());
        List<Member> back = await("a new member for the first LogicalID", ns -> exactly(ns, 2, sha)
                && !ids(ns).contains(petA.id()) && ns.stream().anyMatch(m -> m.logicalId().equals(a)));
        assertThat(back).as("the other pet untouched").anyMatch(m -> m.id().equals(petB.id())
                && m.logicalId().equals(b));

        destroyGroup();
        awaitNothingLeft();
    }

    @Test
    void theGroupPluginKilledWithNineMidUpdateAndRestartedFinishesItWithNothingDuplicatedOrOrphaned()
            throws Exception {
        Process first = startGroupProcess();
        String v1 = cattle(3, "v1");
        String v2 = cattle(3, "v2");
        String sha1 = sha(v1);
        String sha2 = sha(v2);
        assertThat(commit(v1)).isEqualTo("Managing 3 instances");
        await("3 running members of v1", ns -> exactly(ns, 3, sha1));

        assertThat(commit(v2)).isEqualTo("Performing a rolling update on 3 instances");
        await("the update under way", ns -> shas(ns).containsAll(Set.of(sha1, sha2)));
        PluginProcess.kill9(first);
        assertThat(shas(namespace())).as("killed in the middle of the update").contains(sha1);

        startGroupProcess();
        await("the update finished after the restart", ns -> exactly(ns, 3, sha2));
        awaitConverged();
        assertThat(exactly(namespace(), 3, sha2)).as("still exactly the 3 members of v2: %s", namespace()).isTrue();
    }
}
