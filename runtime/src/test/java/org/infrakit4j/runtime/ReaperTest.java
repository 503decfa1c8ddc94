package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infrakit4j.runtime.Reaper.DeadInstance;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.junit.jupiter.api.Test;

/**
 * The reaper's bookkeeping, sweep by sweep, against a scripted backend (a fake: which instances are dead and whether
 * the backend answers are set by the test). The real backends' reaping is tested in each provider module.
 */
class ReaperTest {
    /** A fake backend: instances dead now, destroyed ones, and whether it answers. */
    static final class ScriptedDeadBackend implements Reaper.Backend {
        final Map<InstanceId, DeadInstance> dead = new LinkedHashMap<>();
        final List<InstanceId> destroyed = new CopyOnWriteArrayList<>();
        volatile boolean down;

        void die(String id, Optional<String> logicalId) {
            dead.put(new InstanceId(id), new DeadInstance(new InstanceId(id), logicalId, "exited"));
        }

        @Override
        public synchronized List<DeadInstance> listDead() {
            if (down) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "engine not answering");
            }
            return List.copyOf(dead.values());
        }

        @Override
        public Map<String, String> lastState(DeadInstance d) {
            return Map.of("exitCode", "137");
        }

        @Override
        public synchronized boolean reapIfStillDead(DeadInstance d) {
            if (down) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "engine not answering");
            }
            if (dead.remove(d.id()) == null) {
                return false;
            }
            destroyed.add(d.id());
            return true;
        }
    }

    /** Counts what the reaper reports, by state. */
    static final class CountingMeter implements BackendMeter {
        final Map<String, Integer> seen = new ConcurrentHashMap<>();
        final Map<String, Integer> reaped = new ConcurrentHashMap<>();

        @Override
        public void record(String operation, long nanos, boolean failed) {
        }

        @Override
        public void deadInstanceSeen(String state) {
            seen.merge(state, 1, Integer::sum);
        }

        @Override
        public void deadInstanceReaped(String state) {
            reaped.merge(state, 1, Integer::sum);
        }
    }

    private final ScriptedDeadBackend backend = new ScriptedDeadBackend();
    private final CountingMeter meter = new CountingMeter();

    private Reaper reaper(ReapPolicy policy) {
        return new Reaper("test", policy, backend, meter, Duration.ofHours(1));
    }

    private static ReapPolicy after(Duration d, boolean pets) {
        return new ReapPolicy(false, Optional.of(d), pets);
    }

    @Test
    void deadCattleAreReapedOnceTheirTimeIsUpAndCountedOnce() throws Exception {
        backend.die("a", Optional.empty());
        try (Reaper r = reaper(after(Duration.ofMillis(300), false))) {
            r.sweep();
            assertThat(backend.destroyed).as("not yet: dead for less than 300 ms").isEmpty();
            Thread.sleep(400);
            r.sweep();
            assertThat(backend.destroyed).containsExactly(new InstanceId("a"));
            r.sweep();
            assertThat(backend.destroyed).as("destroyed once").hasSize(1);
            assertThat(meter.seen).isEqualTo(Map.of("exited", 1));
            assertThat(meter.reaped).isEqualTo(Map.of("exited", 1));
            assertThat(r.deadKnown()).isZero();
        }
    }

    @Test
    void deadPetsAreKeptUnlessAskedForAndNothingIsReapedWithNever() {
        backend.die("pet", Optional.of("db-1"));
        backend.die("cow", Optional.empty());
        try (Reaper r = reaper(after(Duration.ZERO, false))) {
            r.sweep();
            assertThat(backend.destroyed).containsExactly(new InstanceId("cow"));
            r.sweep();
            assertThat(backend.dead).containsOnlyKeys(new InstanceId("pet"));
        }
        try (Reaper r = reaper(new ReapPolicy(false, Optional.empty(), true))) {
            r.sweep();
            assertThat(backend.dead).containsOnlyKeys(new InstanceId("pet"));
            assertThat(r.deadKnown()).isEqualTo(1);
        }
        try (Reaper r = reaper(after(Duration.ZERO, true))) {
            r.sweep();
            assertThat(backend.dead).isEmpty();
        }
    }

    @Test
    void anInstanceAliveAgainIsForgottenAndItsNextDeathCountsAfresh() throws Exception {
        backend.die("a", Optional.empty());
        try (Reaper r = reaper(after(Duration.ofMillis(300), false))) {
            r.sweep();
            backend.dead.clear(); // started again by hand
            Thread.sleep(400);
            r.sweep();
            assertThat(r.deadKnown()).isZero();
            backend.die("a", Optional.empty());
            r.sweep();
            assertThat(backend.destroyed).as("its dead time starts again").isEmpty();
            assertThat(meter.seen).isEqualTo(Map.of("exited", 2));
        }
    }

    @Test
    void aBackendDownDelaysReapingAndLosesNothing() throws Exception {
        backend.die("a", Optional.empty());
        backend.die("b", Optional.empty());
        try (Reaper r = reaper(after(Duration.ofMillis(200), false))) {
            r.sweep();
            backend.down = true;
            Thread.sleep(300);
            r.sweep(); // cannot list
            assertThat(r.deadKnown()).as("what was seen is kept").isEqualTo(2);
            assertThat(backend.destroyed).isEmpty();
            backend.down = false;
            r.sweep();
            assertThat(backend.destroyed).containsExactlyInAnyOrder(new InstanceId("a"), new InstanceId("b"));
            assertThat(meter.reaped).isEqualTo(Map.of("exited", 2));
        }
    }

    @Test
    void aMassDeathIsReapedAFewPerSweep() {
        for (int i = 0; i < Reaper.MAX_REAPS_PER_SWEEP * 2 + 5; i++) {
            backend.die("i" + i, Optional.empty());
        }
        try (Reaper r = reaper(after(Duration.ZERO, false))) {
            r.sweep();
            assertThat(backend.destroyed).hasSize(Reaper.MAX_REAPS_PER_SWEEP);
            r.sweep();
            assertThat(backend.destroyed).hasSize(Reaper.MAX_REAPS_PER_SWEEP * 2);
            r.sweep();
            assertThat(backend.dead).isEmpty();
        }
    }

    @Test
    void aDescribeThatSeesADueInstanceStartsASweepSoon() throws Exception {
        backend.die("a", Optional.empty());
        // Built without its periodic sweep: only the Describe's notice can start one.
        try (Reaper r = reaper(after(Duration.ZERO, false))) {
            r.noticed(List.copyOf(backend.dead.values()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (backend.destroyed.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(backend.destroyed).containsExactly(new InstanceId("a"));
        }
    }
}
