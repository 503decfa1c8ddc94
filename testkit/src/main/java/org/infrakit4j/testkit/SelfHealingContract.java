package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

/**
 * Self-healing as a group sees it, for a provider whose instances can die: a {@link GroupLoop} keeps a group over
 * the real socket of the plugin running as its own process, an instance is killed from outside the plugin, and the
 * group must heal (the dead one left out of Describe), the dead one must be reaped or kept as the flags say, and a
 * dead pet must come back as itself. Each test prints how many polls and seconds healing took.
 */
public abstract class SelfHealingContract {
    /** The group loop's poll interval here (InfraKit's group plugin polls every 10 s by default). */
    protected static final Duration POLL = Duration.ofSeconds(1);
    /** Polls a group of 3 may take to reach its size from nothing, or to heal: generous for a busy machine. */
    private static final int MAX_POLLS = 30;

    /**
     * Starts the plugin as a process, with the flags its backend needs plus {@code flags}, and returns its socket
     * once it serves. The implementation stops it after the test.
     */
    protected abstract Path startPlugin(List<String> flags) throws Exception;

    /** Properties of a member: quick to provision, and running until killed. */
    protected abstract RawJson memberProperties();

    /**
     * Kills the instance from outside the plugin, as a crash or an operator would ({@code docker kill},
     * {@code virsh destroy}, EC2 StopInstances), and returns once the backend no longer reports it running.
     */
    protected abstract void killFromOutside(InstanceId id) throws Exception;

    /** Whether the backend still has the instance, in any state (asked of the backend, not the plugin). */
    protected abstract boolean existsInBackend(InstanceId id) throws Exception;

    /** The provider's state, as Describe's Properties show it. */
    protected abstract String stateOf(Description described);

    /** The states Properties show for a dead instance. */
    protected abstract Set<String> deadStates();

    /** A LogicalID for a pet; override where the backend constrains them (e.g. an IP). */
    protected String logicalId(String suggested) {
        return suggested;
    }

    /** How long after the kill a dead instance may take to be gone with {@code --reap-after 0}. */
    protected Duration reapedWithin() {
        return Duration.ofSeconds(90);
    }

    private final String group = "heal-" + UUID.randomUUID().toString().substring(0, 8);
    private final Set<InstanceId> made = new LinkedHashSet<>();

    private String providerName() {
        return getClass().getSimpleName();
    }

    @Test
    void aKilledMemberIsReplacedAndTheDeadOneReapedAtOnce() throws Exception {
        Path socket = startPlugin(List.of("--reap-after", "0"));
        try (InstancePluginClient client = connect(socket)) {
            GroupLoop loop = GroupLoop.cattle(client, group, memberProperties(), 3);
            try {
                GroupLoop.Poll full = converge(loop, 3);
                InstanceId victim = full.described().get(0).id();
                killFromOutside(victim);
                long killed = System.nanoTime();
                Healing h = heal(loop, victim, 3);
                long gone = awaitGone(victim, killed);
                System.out.printf("SELF-HEALING %s cattle --reap-after 0: healed in %d polls, %.1f s after the "
                        + "kill; the dead one gone from the backend %.1f s after the kill%n", providerName(),
                        h.polls, h.seconds, gone / 1e9);
                // The reaper counts a reap once the backend's removal has answered: a moment after it is gone.
                Map<String, Double> metrics = metrics(socket);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (sum(metrics, "infrakit4j_dead_instances_reaped_total") == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    metrics = metrics(socket);
                }
                assertThat(sum(metrics, "infrakit4j_dead_instances_seen_total")).as("dead seen").isGreaterThan(0);
                assertThat(sum(metrics, "infrakit4j_dead_instances_reaped_total")).as("dead reaped").isGreaterThan(0);
            } finally {
                cleanUp(client, loop);
            }
        }
    }

    @Test
    void withReapNeverTheDeadOneIsKeptButLeftOutAndReplaced() throws Exception {
        Path socket = startPlugin(List.of("--reap-after", "never"));
        try (InstancePluginClient client = connect(socket)) {
            GroupLoop loop = GroupLoop.cattle(client, group, memberProperties(), 3);
            try {
                InstanceId victim = converge(loop, 3).described().get(0).id();
                killFromOutside(victim);
                Healing h = heal(loop, victim, 3);
                System.out.printf("SELF-HEALING %s cattle --reap-after never: healed in %d polls, %.1f s%n",
                        providerName(), h.polls, h.seconds);
                // Longer than a sweep of the reaper, which must not take it.
                Thread.sleep(Reaper.SWEEP_INTERVAL.plusSeconds(3).toMillis());
                assertThat(existsInBackend(victim)).as("the dead instance is kept").isTrue();
                assertThat(ids(client.describeInstances(loop.filter(), true))).as("still left out of Describe")
                        .doesNotContain(victim).hasSize(3);
            } finally {
                cleanUp(client, loop);
            }
        }
    }

    @Test
    void withReportDeadTheDeadOneIsListedWithItsStateAndNotReplaced() throws Exception {
        Path socket = startPlugin(List.of("--report-dead", "--reap-after", "never"));
        try (InstancePluginClient client = connect(socket)) {
            GroupLoop loop = GroupLoop.cattle(client, group, memberProperties(), 3);
            try {
                InstanceId victim = converge(loop, 3).described().get(0).id();
                killFromOutside(victim);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                Optional<String> state = Optional.empty();
                while (System.nanoTime() < deadline) {
                    state = client.describeInstances(loop.filter(), true).stream()
                            .filter(d -> d.id().equals(victim)).findFirst().map(this::stateOf);
                    if (state.isPresent() && deadStates().contains(state.get())) {
                        break;
                    }
                    Thread.sleep(POLL.toMillis());
                }
                assertThat(state).as("the killed instance is listed, dead").isPresent();
                assertThat(deadStates()).contains(state.get());
                for (int i = 0; i < 3; i++) {
                    GroupLoop.Poll p = loop.poll();
                    assertThat(p.errors()).isEmpty();
                    assertThat(p.describedIds()).contains(victim).hasSize(3);
                    assertThat(p.provisioned()).as("nothing replaces a dead instance that is reported").isEmpty();
                    Thread.sleep(POLL.toMillis());
                }
            } finally {
                cleanUp(client, loop);
            }
        }
    }

    @Test
    void aKilledPetIsStartedAgainAsItselfAndNeverReapedByDefault() throws Exception {
        Path socket = startPlugin(List.of("--reap-after", "0"));
        try (InstancePluginClient client = connect(socket)) {
            List<String> names = List.of(logicalId("pet-a"), logicalId("pet-b"));
            GroupLoop loop = GroupLoop.pets(client, group, memberProperties(), names);
            try {
                GroupLoop.Poll full = converge(loop, 2);
                Description pet = full.described().stream()
                        .filter(d -> d.logicalId().equals(Optional.of(names.get(0)))).findFirst().orElseThrow();
                killFromOutside(pet.id());
                long killed = System.nanoTime();
                int polls = 0;
                List<InstanceId> provisioned = new ArrayList<>();
                GroupLoop.Poll p;
                do {
                    assertThat(polls++).as("polls until the pet is back").isLessThan(MAX_POLLS);
                    p = loop.poll();
                    made.addAll(p.provisioned());
                    provisioned.addAll(p.provisioned());
                    Thread.sleep(POLL.toMillis());
                } while (!(p.describedIds().contains(pet.id()) && p.described().size() == 2));
                double seconds = (System.nanoTime() - killed) / 1e9;
                System.out.printf("SELF-HEALING %s pet: back as itself in %d polls, %.1f s after the kill%n",
                        providerName(), polls, seconds);
                assertThat(provisioned).as("the LogicalID's Provision answered with the same instance")
                        .containsExactly(pet.id());
                Description back = client.describeInstances(loop.filter(), true).stream()
                        .filter(d -> d.id().equals(pet.id())).findFirst().orElseThrow();
                assertThat(deadStates()).as("alive again").doesNotContain(stateOf(back));
                assertThat(back.logicalId()).contains(names.get(0));
            } finally {
                cleanUp(client, loop);
            }
        }
    }

    private static InstancePluginClient connect(Path socket) {
        return InstancePluginClient.connect(socket, "", Duration.ofSeconds(60));
    }

    private record Healing(int polls, double seconds) {
    }

    /** Polls until the group has {@code size} members and the last poll had nothing to do. */
    private GroupLoop.Poll converge(GroupLoop loop, int size) throws InterruptedException {
        return pollUntil(loop, p -> p.described().size() == size && p.provisioned().isEmpty()
                && p.destroyed().isEmpty(), "the group to reach " + size);
    }

    private GroupLoop.Poll pollUntil(GroupLoop loop, Predicate<GroupLoop.Poll> done, String what)
            throws InterruptedException {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < MAX_POLLS; i++) {
            GroupLoop.Poll p = loop.poll();
            made.addAll(p.provisioned());
            errors.addAll(p.errors());
            if (done.test(p)) {
                return p;
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new AssertionError("no " + what + " within " + MAX_POLLS + " polls; errors: " + errors);
    }

    /** Polls until the group has {@code size} members again, the victim not among them. */
    private Healing heal(GroupLoop loop, InstanceId victim, int size) throws InterruptedException {
        long killed = System.nanoTime();
        int[] polls = {0};
        GroupLoop.Poll healed = pollUntil(loop, p -> {
            polls[0]++;
            return p.described().size() == size && !p.describedIds().contains(victim);
        }, "healed group of " + size);
        assertThat(healed.describedIds()).doesNotContain(victim);
        return new Healing(polls[0], (System.nanoTime() - killed) / 1e9);
    }

    /** Waits until the backend no longer has the instance; returns nanoseconds since {@code since}. */
    private long awaitGone(InstanceId id, long since) throws Exception {
        long deadline = since + reapedWithin().toNanos();
        while (existsInBackend(id)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("dead instance " + id.value() + " still in the backend "
                        + reapedWithin().toSeconds() + " s after it was killed (--reap-after 0)");
            }
            Thread.sleep(500);
        }
        return System.nanoTime() - since;
    }

    private static Map<String, Double> metrics(Path socket) throws Exception {
        try (RawHttp http = new RawHttp(socket)) {
            return PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
        }
    }

    private static double sum(Map<String, Double> metrics, String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private static List<InstanceId> ids(List<Description> described) {
        return described.stream().map(Description::id).toList();
    }

    /** Destroys what the test made, dead or alive (Describe may not list the dead). */
    private void cleanUp(InstancePluginClient client, GroupLoop loop) {
        Set<InstanceId> all = new LinkedHashSet<>(made);
        try {
            all.addAll(ids(client.describeInstances(loop.filter(), false)));
        } catch (InstanceException e) {
            // destroy what is known
        }
        for (InstanceId id : all) {
            try {
                client.destroy(id, DestroyContext.TERMINATE);
            } catch (InstanceException e) {
                System.err.println("clean-up: " + id.value() + " not destroyed: " + e.getMessage());
            }
        }
    }
}
