package org.infrakit4j.group;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.Spec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one group at its config, one poll at a time, from what the instance plugin's Describe reports (level
 * triggered, so a restart simply carries on): provisions the shortfall, destroys the excess, provisions a pet
 * whose LogicalID nobody has, and rolls a changed config one member at a time, destroying the next outdated
 * member only once every member made from the new config is healthy. A poll whose Describe fails changes nothing.
 * Failures back off: after n failed polls in a row the next waits 2^n poll intervals, at most 16.
 */
final class GroupReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(GroupReconciler.class);
    static final String GROUP_TAG = "infrakit.group";
    static final String CONFIG_SHA_TAG = "infrakit.config_sha";
    /** The config tag of an instance made by bootstrap tooling: it is adopted (labelled), as Go's group does. */
    static final String BOOTSTRAP = "bootstrap";
    private static final int MAX_BACKOFF = 16;

    private final String id;
    private final PluginLookup plugins;
    private final ExecutorService actions;
    private final int maxParallel;
    private final Duration pollInterval;
    private final Duration actionWait;
    /** Held by a poll, and by operations that must not interleave with one (DestroyInstances, DestroyGroup). */
    final ReentrantLock lock = new ReentrantLock();

    private volatile GroupConfig config;
    private volatile boolean destroying;
    private volatile String problem;
    private volatile int described = -1;
    private volatile boolean converged;
    private int failures;
    private long nextPollNanos;
    final LongAdder provisions = new LongAdder();
    final LongAdder destroys = new LongAdder();
    final LongAdder errors = new LongAdder();

    GroupReconciler(String id, GroupConfig config, boolean destroying, PluginLookup plugins, ExecutorService actions,
            int maxParallel, Duration pollInterval, Duration actionWait) {
        this.id = id;
        this.config = config;
        this.destroying = destroying;
        this.plugins = plugins;
        this.actions = actions;
        this.maxParallel = maxParallel;
        this.pollInterval = pollInterval;
        this.actionWait = actionWait;
    }

    String id() {
        return id;
    }

    GroupConfig config() {
        return config;
    }

    void update(GroupConfig changed) {
        config = changed;
    }

    boolean destroying() {
        return destroying;
    }

    void markDestroying() {
        destroying = true;
    }

    String problem() {
        return problem;
    }

    int described() {
        return described;
    }

    boolean converged() {
        return converged;
    }

    Map<String, String> filter() {
        return Map.of(GROUP_TAG, id);
    }

    Map<String, String> memberTags(String sha) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(GROUP_TAG, id);
        tags.put(CONFIG_SHA_TAG, sha);
        return tags;
    }

    InstancePlugin instancePlugin() {
        try {
            return plugins.instance(config.instancePlugin());
        } catch (java.io.IOException e) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "Failed to find Instance plugin '"
                    + config.instancePlugin() + "':" + e.getMessage());
        }
    }

    Flavor flavor() {
        try {
            return plugins.flavor(config.flavorPlugin());
        } catch (java.io.IOException e) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "Failed to find Flavor plugin '"
                    + config.flavorPlugin() + "':" + e.getMessage());
        }
    }

    /**
     * The members: Describe by the group tag; members tagged {@code bootstrap} are labelled with the group's tags
     * and the list read again (Go's labelAndList).
     */
    List<Description> members() {
        InstancePlugin plugin = instancePlugin();
        List<Description> list = plugin.describeInstances(filter(), false);
        boolean labelled = false;
        for (Description d : list) {
            if (BOOTSTRAP.equals(d.tags().get(CONFIG_SHA_TAG))) {
                plugin.label(d.id(), memberTags(config.configSha()));
                labelled = true;
            }
        }
        return labelled ? plugin.describeInstances(filter(), false) : list;
    }

    /** One scheduled poll: skipped while backing off or while an operation holds the group. */
    void poll() {
        if (System.nanoTime() - nextPollNanos < 0 || !lock.tryLock()) {
            return;
        }
        try {
            List<String> failed = converge();
            if (failed.isEmpty()) {
                failures = 0;
                problem = null;
            } else {
                errors.add(failed.size());
                failures++;
                problem = String.join("; ", failed);
                long wait = pollInterval.toNanos() * Math.min(MAX_BACKOFF, 1L << Math.min(failures - 1, 4));
                nextPollNanos = System.nanoTime() + wait - pollInterval.toNanos();
                LOG.atWarn().addKeyValue("group", id).addKeyValue("failures", failures)
                        .addKeyValue("error", problem).log("poll failed");
            }
        } catch (RuntimeException e) {
            LOG.atError().setCause(e).addKeyValue("group", id).log("poll failed unexpectedly");
            problem = "internal error: the poll failed; the plugin's log has the details";
        } finally {
            lock.unlock();
        }
    }

    /** One reconciliation; returns the failures (empty when all went well). */
    List<String> converge() {
        GroupConfig c = config;
        String sha = c.configSha();
        List<Description> members;
        try {
            members = members();
        } catch (InstanceException e) {
            if (e.code() == ErrorCode.BACKEND_UNAVAILABLE) {
                plugins.forget(c.instancePlugin(), c.flavorPlugin());
            }
            converged = false;
            return List.of("Describe: " + WireErrors.text(e));
        }
        described = members.size();
        if (destroying) {
            converged = false;
            return destroyAll(members);
        }
        Flavor flavor;
        try {
            flavor = flavor();
        } catch (InstanceException e) {
            converged = false;
            return List.of(WireErrors.text(e));
        }
        List<Action> todo = new ArrayList<>();
        List<Description> kept = new ArrayList<>();
        if (c.allocation().isPets()) {
            Map<String, Description> byLogicalId = new HashMap<>();
            List<Description> currentFirst = sorted(members, sha);
            java.util.Collections.reverse(currentFirst); // of two with one LogicalID, the current one is kept
            for (Description d : currentFirst) {
                if (d.logicalId().isEmpty()) {
                    LOG.atWarn().addKeyValue("group", id).addKeyValue("instance", d.id().value())
                            .log("member without a LogicalID ignored");
                } else if (!c.allocation().logicalIds().contains(d.logicalId().get())
                        || byLogicalId.containsKey(d.logicalId().get())) {
                    todo.add(Action.destroy(d, DestroyContext.TERMINATE));
                } else {
                    byLogicalId.put(d.logicalId().get(), d);
                    kept.add(d);
                }
            }
            for (String logicalId : c.allocation().logicalIds()) {
                if (!byLogicalId.containsKey(logicalId)) {
                    todo.add(Action.provision(Optional.of(logicalId)));
                }
            }
        } else {
            List<Description> ordered = sorted(members, sha);
            long excess = ordered.size() - c.allocation().size();
            for (int i = 0; i < ordered.size(); i++) {
                if (i < excess) {
                    todo.add(Action.destroy(ordered.get(i), DestroyContext.TERMINATE));
                } else {
                    kept.add(ordered.get(i));
                }
            }
            for (long i = ordered.size(); i < c.allocation().size(); i++) {
                todo.add(Action.provision(Optional.empty()));
            }
        }
        if (todo.isEmpty()) {
            List<String> rolled = new ArrayList<>();
            boolean done = roll(kept, sha, flavor, c, rolled);
            converged = done && rolled.isEmpty();
            return rolled;
        }
        converged = false;
        return run(todo.subList(0, Math.min(todo.size(), maxParallel)), c, sha, flavor);
    }

    /** Outdated members first, then by ID (Go's scaler removes by ID): an excess goes from the old config first. */
    private static List<Description> sorted(List<Description> members, String sha) {
        List<Description> out = new ArrayList<>(members);
        out.sort(Comparator.comparing((Description d) -> sha.equals(d.tags().get(CONFIG_SHA_TAG)))
                .thenComparing(d -> d.id().value()));
        return out;
    }

    /**
     * The rolling update: when every member made from the current config is healthy, destroy one outdated member
     * (the next poll provisions its replacement). Returns whether the group is fully current.
     */
    private boolean roll(List<Description> members, String sha, Flavor flavor, GroupConfig c, List<String> failed) {
        List<Description> outdated = new ArrayList<>();
        for (Description d : members) {
            if (!sha.equals(d.tags().get(CONFIG_SHA_TAG))) {
                outdated.add(d);
            }
        }
        if (outdated.isEmpty()) {
            return true;
        }
        for (Description d : members) {
            if (sha.equals(d.tags().get(CONFIG_SHA_TAG))) {
                Flavor.Health h;
                try {
                    h = flavor.healthy(c.flavorProperties(), d);
                } catch (InstanceException e) {
                    failed.add("Healthy " + d.id().value() + ": " + WireErrors.text(e));
                    return false;
                }
                if (h == Flavor.Health.UNHEALTHY) {
                    failed.add("rolling update paused: instance " + d.id().value() + " is unhealthy");
                    return false;
                }
                if (h != Flavor.Health.HEALTHY) {
                    LOG.atInfo().addKeyValue("group", id).addKeyValue("instance", d.id().value())
                            .log("rolling update waits for the new member to be healthy");
                    return false;
                }
            }
        }
        Description next = outdated.stream().min(Comparator.comparing(d -> d.id().value())).orElseThrow();
        LOG.atInfo().addKeyValue("group", id).addKeyValue("instance", next.id().value())
                .addKeyValue("outdated", outdated.size()).log("rolling update: replacing an outdated member");
        failed.addAll(run(List.of(Action.destroy(next, DestroyContext.ROLLING_UPDATE)), c, sha, flavor));
        return false;
    }

    /** Destroys every member (DestroyGroup); returns the failures. */
    List<String> destroyAll(List<Description> members) {
        GroupConfig c = config;
        Flavor flavor;
        try {
            flavor = flavor();
        } catch (InstanceException e) {
            flavor = null; // a flavor that is gone cannot drain; destroying must still go on
        }
        List<Action> todo = new ArrayList<>();
        for (Description d : members) {
            todo.add(Action.destroy(d, DestroyContext.TERMINATE));
        }
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < todo.size(); i += maxParallel) {
            failed.addAll(run(todo.subList(i, Math.min(todo.size(), i + maxParallel)), c, c.configSha(), flavor));
        }
        return failed;
    }

    /** What a poll does to one member. */
    private record Action(Description target, DestroyContext why, Optional<String> logicalId) {
        static Action destroy(Description d, DestroyContext why) {
            return new Action(d, why, Optional.empty());
        }

        static Action provision(Optional<String> logicalId) {
            return new Action(null, null, logicalId);
        }
    }

    /** Runs actions in parallel on the shared bounded pool and waits for them; returns their failures. */
    private List<String> run(List<Action> todo, GroupConfig c, String sha, Flavor flavor) {
        InstancePlugin plugin = instancePlugin();
        List<Future<String>> running = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Action a : todo) {
            try {
                running.add(actions.submit(() -> perform(a, plugin, c, sha, flavor)));
            } catch (RejectedExecutionException e) {
                failed.add("backend unavailable: too many group actions in progress; retried next poll");
            }
        }
        for (Future<String> f : running) {
            try {
                String error = f.get(actionWait.toMillis(), TimeUnit.MILLISECONDS);
                if (error != null) {
                    failed.add(error);
                }
            } catch (TimeoutException e) {
                failed.add("an action took longer than " + actionWait.toSeconds() + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.add("interrupted");
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                failed.add("internal error: " + e.getCause());
            }
        }
        return failed;
    }

    private String perform(Action a, InstancePlugin plugin, GroupConfig c, String sha, Flavor flavor) {
        if (a.target() != null) {
            try {
                if (flavor != null) {
                    flavor.drain(c.flavorProperties(), a.target());
                }
                plugin.destroy(a.target().id(), a.why());
                destroys.increment();
                LOG.atInfo().addKeyValue("group", id).addKeyValue("instance", a.target().id().value())
                        .addKeyValue("reason", a.why().reason()).log("destroyed");
                return null;
            } catch (InstanceException e) {
                return "Destroy " + a.target().id().value() + ": " + WireErrors.text(e);
            }
        }
        try {
            Spec spec = new Spec(c.instanceProperties(), memberTags(sha), "", a.logicalId(), List.of());
            // Go's Index carries the group's size as its Sequence (scaled.go: supervisor.Size()).
            spec = flavor.prepare(c.flavorProperties(), spec, c.allocation(),
                    new Flavor.Index(id, c.allocation().desired()));
            InstanceId made = plugin.provision(spec);
            provisions.increment();
            LOG.atInfo().addKeyValue("group", id).addKeyValue("instance", made.value())
                    .addKeyValue("logicalId", a.logicalId().orElse("")).log("provisioned");
            return null;
        } catch (InstanceException e) {
            return "Provision" + a.logicalId().map(l -> " " + l).orElse("") + ": " + WireErrors.text(e);
        }
    }

    /** Members whose config tag is not the current one (for the update plan's explanation). */
    static int outdated(List<Description> members, String sha) {
        Set<InstanceId> ids = new HashSet<>();
        for (Description d : members) {
            if (!sha.equals(d.tags().get(CONFIG_SHA_TAG))) {
                ids.add(d.id());
            }
        }
        return ids.size();
    }
}
