package org.infrakit4j.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Destroys a plugin's dead instances in the background, as its {@link ReapPolicy} says: one thread, a sweep every
 * {@link #SWEEP_INTERVAL} (and one soon after a Describe that saw an instance due), at most
 * {@link #MAX_REAPS_PER_SWEEP} destroys per sweep, at most {@link #MAX_TRACKED} dead instances remembered.
 *
 * <p>An instance is reaped once it has been dead for the policy's time since this process first saw it dead (a
 * restarted plugin starts counting again: it cannot know when the death happened). Before it goes, its last state
 * is logged at warn. A backend that does not answer only delays the sweep: what was seen is kept, and the provider's
 * destroy is idempotent, so nothing is lost or destroyed twice.
 */
public final class Reaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    /** How often the backend is listed for dead instances. */
    public static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    /** Dead instances remembered at once; beyond it the newest wait for a later sweep. */
    static final int MAX_TRACKED = 10_000;
    /** Destroys per sweep: a mass death is reaped over several sweeps, never by a burst of backend calls. */
    static final int MAX_REAPS_PER_SWEEP = 32;

    /**
     * One dead instance as the provider found it.
     *
     * @param state the provider's word for its state (e.g. {@code exited}, {@code shutoff}, {@code stopped}): a
     *     metrics label, so from a fixed set, never user data
     */
    public record DeadInstance(InstanceId id, Optional<String> logicalId, String state) {
        public DeadInstance {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(logicalId, "logicalId");
            Objects.requireNonNull(state, "state");
        }

        /** Whether it is a pet: an instance with a LogicalID. */
        public boolean isPet() {
            return logicalId.isPresent();
        }
    }

    /** What the reaper needs of a provider. Every method may throw {@link InstanceException}. */
    public interface Backend {
        /**
         * Every dead instance the plugin manages, in its namespace, right now. Never anything else: the reaper
         * destroys what this returns.
         */
        List<DeadInstance> listDead();

        /**
         * Its last state, for the warn line logged before it is destroyed: exit code, the last lines of its output
         * where the backend keeps them, the reason it stopped. Best effort, bounded in size; may be empty.
         */
        Map<String, String> lastState(DeadInstance dead);

        /**
         * Destroys the instance if it is still dead and still the plugin's (through the plugin's own Destroy, so
         * its locks and bookkeeping hold); false when it is alive again or gone.
         */
        boolean reapIfStillDead(DeadInstance dead);
    }

    /** A dead instance seen, with when it was first seen dead. */
    private record Seen(DeadInstance dead, long sinceNanos) {
    }

    private final String provider;
    private final ReapPolicy policy;
    private final Backend backend;
    private final BackendMeter meter;
    private final Duration interval;
    private final ScheduledExecutorService thread;
    private final Map<InstanceId, Seen> seen = new ConcurrentHashMap<>();
    private final AtomicBoolean sweepRequested = new AtomicBoolean();
    /** Touched only by the sweeping thread. */
    private boolean failing;
    private boolean fullWarned;

    Reaper(String provider, ReapPolicy policy, Backend backend, BackendMeter meter, Duration interval) {
        this.provider = provider;
        this.policy = policy;
        this.backend = backend;
        this.meter = meter;
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ik4j-reaper");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts sweeping in the background.
     *
     * @param provider the provider's name, for the log (e.g. {@code docker})
     */
    public static Reaper start(String provider, ReapPolicy policy, Backend backend, BackendMeter meter) {
        return start(provider, policy, backend, meter, SWEEP_INTERVAL);
    }

    /** As {@link #start(String, ReapPolicy, Backend, BackendMeter)}, sweeping every {@code interval}. */
    public static Reaper start(String provider, ReapPolicy policy, Backend backend, BackendMeter meter,
                               Duration interval) {
        Reaper r = new Reaper(provider, policy, backend, meter, interval);
        // Not at once: the first sweep would compete with the plugin's start-up and its first calls.
        r.thread.scheduleWithFixedDelay(r::sweepQuietly, Math.min(2_000, interval.toMillis()), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return r;
    }

    public ReapPolicy policy() {
        return policy;
    }

    /**
     * Dead instances a Describe came across (and left out, unless dead ones are reported): remembered from now,
     * and a sweep is run soon when one of them is due already (with {@code --reap-after 0}).
     */
    public void noticed(Collection<DeadInstance> dead) {
        boolean due = false;
        long now = System.nanoTime();
        for (DeadInstance d : dead) {
            Seen s = track(d, now);
            due |= s != null && isDue(s, now);
        }
        if (due && sweepRequested.compareAndSet(false, true)) {
            try {
                thread.execute(() -> {
                    sweepRequested.set(false);
                    sweepQuietly();
                });
            } catch (RejectedExecutionException e) {
                sweepRequested.set(false); // closing
            }
        }
    }

    /** Dead instances remembered now: for tests and tools. */
    public int deadKnown() {
        return seen.size();
    }

    private Seen track(DeadInstance d, long now) {
        Seen known = seen.get(d.id());
        if (known != null) {
            return known;
        }
        if (seen.size() >= MAX_TRACKED) {
            return null;
        }
        Seen s = new Seen(d, now);
        if (seen.putIfAbsent(d.id(), s) != null) {
            return seen.get(d.id());
        }
        meter.deadInstanceSeen(d.state());
        with(LOG.atInfo(), d).addKeyValue("fate", fate(d)).log("instance found dead; left out of Describe"
                + (policy.reportDead() ? " unless dead ones are reported (--report-dead: they are)" : ""));
        return s;
    }

    private String fate(DeadInstance d) {
        if (!policy.reaps(d.isPet())) {
            return d.isPet() && policy.reapAfter().isPresent()
                    ? "kept: a pet, started again by the next Provision of its LogicalID (--reap-pets reaps pets)"
                    : "kept: --reap-after never";
        }
        return "destroyed after " + policy.reapAfter().get().toSeconds() + " s dead";
    }

    private boolean isDue(Seen s, long now) {
        return policy.reaps(s.dead().isPet())
                && now - s.sinceNanos() >= policy.reapAfter().get().toNanos();
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.atError().setCause(e).log("reaper sweep failed unexpectedly; it runs again in "
                    + interval.toSeconds() + " s");
        }
    }

    /** One sweep, on the calling thread: lists the dead, forgets those alive again, reaps those due. */
    void sweep() {
        long listedAt = System.nanoTime();
        List<DeadInstance> dead;
        try {
            dead = backend.listDead();
        } catch (InstanceException e) {
            (failing ? LOG.atDebug() : LOG.atWarn()).addKeyValue("provider", provider)
                    .addKeyValue("error", e.getMessage())
                    .log("reaper cannot list dead instances; it tries again every " + interval.toSeconds() + " s");
            failing = true;
            return;
        }
        if (failing) {
            LOG.atInfo().addKeyValue("provider", provider).log("reaper lists dead instances again");
            failing = false;
        }
        Set<InstanceId> deadNow = dead.stream().map(DeadInstance::id).collect(Collectors.toSet());
        // Alive again (restarted by hand, a pet started by Provision) or gone (destroyed by the group): forgotten.
        // One seen by a Describe after this listing began is kept: the listing could not know of it.
        seen.values().removeIf(s -> !deadNow.contains(s.dead().id()) && s.sinceNanos() < listedAt);
        long now = System.nanoTime();
        int over = 0;
        for (DeadInstance d : dead) {
            if (track(d, now) == null) {
                over++;
            }
        }
        if (over > 0 && !fullWarned) {
            LOG.atWarn().addKeyValue("untracked", over).log("more than " + MAX_TRACKED + " dead instances; the "
                    + "others are looked at once these are reaped");
        }
        fullWarned = over > 0;
        List<Seen> due = new ArrayList<>();
        for (Seen s : seen.values()) {
            if (isDue(s, now)) {
                due.add(s);
            }
        }
        due.sort(Comparator.comparingLong(Seen::sinceNanos));
        int reaped = 0;
        for (Seen s : due) {
            if (reaped == MAX_REAPS_PER_SWEEP) {
                LOG.atInfo().addKeyValue("waiting", due.size() - reaped).log("more dead instances are due; "
                        + "reaped in the next sweeps");
                break;
            }
            reaped++;
            if (!reap(s, now)) {
                break; // the backend stopped answering: the rest wait for the next sweep
            }
        }
    }

    /** Returns false when the backend did not answer, so the sweep stops. */
    private boolean reap(Seen s, long now) {
        DeadInstance d = s.dead();
        Map<String, String> last;
        try {
            last = backend.lastState(d);
        } catch (InstanceException e) {
            last = Map.of("lastState", "unavailable: " + e.getMessage());
        }
        LoggingEventBuilder warn = with(LOG.atWarn(), d)
                .addKeyValue("deadSeconds", Duration.ofNanos(now - s.sinceNanos()).toSeconds());
        for (var e : last.entrySet()) {
            warn = warn.addKeyValue(e.getKey(), e.getValue());
        }
        warn.log("reaping a dead instance; its last state follows");
        try {
            if (backend.reapIfStillDead(d)) {
                meter.deadInstanceReaped(d.state());
                with(LOG.atInfo(), d).log("dead instance reaped");
            } else {
                with(LOG.atInfo(), d).log("not reaped: alive again, or gone already");
            }
            seen.remove(d.id(), s);
            return true;
        } catch (InstanceException e) {
            with(LOG.atWarn(), d).addKeyValue("error", e.getMessage())
                    .log("dead instance not reaped this time; tried again in the next sweep");
            return e.code() != ErrorCode.BACKEND_UNAVAILABLE;
        }
    }

    private LoggingEventBuilder with(LoggingEventBuilder b, DeadInstance d) {
        b = b.addKeyValue("provider", provider).addKeyValue("instance", d.id().value()).addKeyValue("state",
                d.state());
        return d.logicalId().isPresent() ? b.addKeyValue("logicalId", d.logicalId().get()) : b;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("reaper still busy with a backend call at stop; left to the JVM's exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
