package org.infrakit4j.group;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group plugin's operations with the semantics and messages of InfraKit's (f9e924e7 pkg/plugin/group/group.go):
 * commit (with pretend), free, describe, destroy, inspect, destroy instances, size and set size. Committed groups
 * are persisted before they are acted on and resumed at start; each is reconciled every poll interval.
 */
final class GroupPlugin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupPlugin.class);
    /** Groups one plugin manages at most: each costs a scheduled poll. */
    static final int MAX_GROUPS = 1000;

    /** Tuning. */
    record Settings(Duration pollInterval, int maxParallel, Duration actionWait) {
        Settings {
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("the poll interval must be positive");
            }
            if (maxParallel < 1) {
                throw new IllegalArgumentException("maxParallel must be at least 1");
            }
        }
    }

    /** What DescribeGroup answers. */
    record GroupDescription(List<Description> instances, boolean converged) {
        GroupDescription {
            instances = List.copyOf(instances);
        }
    }

    private final GroupStore store;
    private final PluginLookup plugins;
    private final Settings settings;
    private final Map<String, GroupReconciler> groups = new TreeMap<>();
    private final Map<String, ScheduledFuture<?>> schedules = new TreeMap<>();
    private final ScheduledExecutorService polls;
    private final ThreadPoolExecutor actions;

    GroupPlugin(GroupStore store, PluginLookup plugins, Settings settings) throws IOException {
        this.store = store;
        this.plugins = plugins;
        this.settings = settings;
        this.polls = Executors.newScheduledThreadPool(2, daemon("ik4j-group-poll"));
        this.actions = new ThreadPoolExecutor(settings.maxParallel(), settings.maxParallel(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.maxParallel() * 4), daemon("ik4j-group-action"),
                new ThreadPoolExecutor.AbortPolicy());
        for (GroupStore.Entry e : store.load()) {
            try {
                start(e.id(), GroupConfig.parse(e.properties()), e.destroying());
                LOG.atInfo().addKeyValue("group", e.id()).addKeyValue("destroying", e.destroying())
                        .log("resumed");
            } catch (GoFields.BadJson ex) {
                throw new IOException("group " + e.id() + " in " + store.file() + ": " + ex.getMessage());
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private void start(String id, GroupConfig config, boolean destroying) {
        GroupReconciler r = new GroupReconciler(id, config, destroying, plugins, actions, settings.maxParallel(),
                settings.pollInterval(), settings.actionWait());
        groups.put(id, r);
        long every = settings.pollInterval().toMillis();
        schedules.put(id, polls.scheduleWithFixedDelay(() -> {
            r.poll();
            if (r.destroying() && r.problem() == null && r.described() == 0) {
                forgetDestroyed(r);
            }
        }, 0, every, TimeUnit.MILLISECONDS));
    }

    private synchronized void forgetDestroyed(GroupReconciler r) {
        if (groups.get(r.id()) == r) {
            stop(r.id());
            try {
                persist();
            } catch (IOException e) {
                LOG.atWarn().addKeyValue("group", r.id()).addKeyValue("error", e.getMessage())
                        .log("could not save the state after a destroyed group");
            }
            LOG.atInfo().addKeyValue("group", r.id()).log("destroyed");
        }
    }

    private void stop(String id) {
        groups.remove(id);
        ScheduledFuture<?> f = schedules.remove(id);
        if (f != null) {
            f.cancel(false);
        }
    }

    private void persist() throws IOException {
        List<GroupStore.Entry> entries = new ArrayList<>();
        groups.values().forEach(g -> entries.add(new GroupStore.Entry(g.id(), g.config().toJson(), g.destroying())));
        store.save(entries);
    }

    private void persistOrFail() {
        try {
            persist();
        } catch (IOException e) {
            throw new GroupException(ErrorCode.BACKEND_UNAVAILABLE, "could not save the group state in "
                    + store.file() + ": " + e.getMessage());
        }
    }

    /** Go's validate: the messages of f9e924e7's group.go, then the flavor's and the instance plugin's Validate. */
    private GroupConfig validate(String id, RawJson properties) {
        if (id.isEmpty()) {
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, "Group ID must not be blank");
        }
        GroupConfig c;
        try {
            c = GroupConfig.parse(properties);
        } catch (GoFields.BadJson e) {
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, e.getMessage());
        }
        if (c.allocation().size() == 0 && c.allocation().logicalIds().isEmpty()) {
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, "Allocation must not be blank");
        }
        if (c.allocation().size() > 0 && !c.allocation().logicalIds().isEmpty()) {
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, "Only one Allocation method may be used");
        }
        Flavor flavor;
        try {
            flavor = plugins.flavor(c.flavorPlugin());
        } catch (IOException e) {
            throw new GroupException(ErrorCode.NOT_FOUND, "Failed to find Flavor plugin '" + c.flavorPlugin() + "':"
                    + e.getMessage());
        }
        try {
            flavor.validate(c.flavorProperties(), c.allocation());
        } catch (InstanceException e) {
            throw new GroupException(e.code(), WireErrors.text(e));
        }
        InstancePlugin instance;
        try {
            instance = plugins.instance(c.instancePlugin());
        } catch (IOException e) {
            throw new GroupException(ErrorCode.NOT_FOUND, "Failed to find Instance plugin '" + c.instancePlugin()
                    + "':" + e.getMessage());
        }
        try {
            instance.validate(c.instanceProperties());
        } catch (InstanceException e) {
            throw new GroupException(e.code(), WireErrors.text(e));
        }
        return c;
    }

    /** CommitGroup: the plan's explanation, as Go words it; nothing changes when {@code pretend}. */
    String commit(String id, RawJson properties, boolean pretend) {
        GroupConfig c = validate(id, properties);
        synchronized (this) {
            GroupReconciler existing = groups.get(id);
            if (existing == null || existing.destroying()) {
                if (existing != null) {
                    throw new GroupException(ErrorCode.CONFLICT, "Group '" + id + "' is being destroyed");
                }
                if (groups.size() >= MAX_GROUPS) {
                    throw new GroupException(ErrorCode.BACKEND_UNAVAILABLE, "backend unavailable: "
                            + MAX_GROUPS + " groups are already managed");
                }
                if (!pretend) {
                    start(id, c, false);
                    try {
                        persist();
                    } catch (IOException e) {
                        stop(id);
                        throw new GroupException(ErrorCode.BACKEND_UNAVAILABLE, "could not save the group state in "
                                + store.file() + ": " + e.getMessage());
                    }
                    LOG.atInfo().addKeyValue("group", id).log("committed");
                }
                return "Managing " + c.allocation().desired() + " instances";
            }
            String plan = explain(existing, c);
            if (!pretend) {
                GroupConfig before = existing.config();
                existing.update(c);
                try {
                    persist();
                } catch (IOException e) {
                    existing.update(before);
                    throw new GroupException(ErrorCode.BACKEND_UNAVAILABLE, "could not save the group state in "
                            + store.file() + ": " + e.getMessage());
                }
                LOG.atInfo().addKeyValue("group", id).addKeyValue("plan", plan).log("committed");
            }
            return plan;
        }
    }

    /** The update plan's explanation, in the words of Go's scaler and quorum PlanUpdate. */
    private static String explain(GroupReconciler g, GroupConfig next) {
        GroupConfig now = g.config();
        String nextSha = next.configSha();
        if (!now.allocation().isPets() && next.allocation().isPets()) {
            // Go keeps the group's scaler, whose plan only reads Size: it scales the group to 0 and never makes the
            // pets. Refused here instead, so a commit cannot destroy every member without a word.
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, "Changing a group from Allocation.Size to "
                    + "Allocation.LogicalIDs is not supported (InfraKit's group plugin scales it to 0 and makes no "
                    + "pets): destroy the group, then commit it again");
        }
        if (now.allocation().isPets()) {
            // From LogicalIDs to Size too: Go's quorum refuses any change of its LogicalIDs, with these words.
            if (!now.allocation().logicalIds().equals(next.allocation().logicalIds())) {
                throw new GroupException(ErrorCode.INVALID_PROPERTIES,
                        "Logical ID changes to a quorum is not currently supported");
            }
            return now.configSha().equals(nextSha) ? "Noop" : "Performing a rolling update on "
                    + now.allocation().logicalIds().size() + " instances";
        }
        List<Description> members;
        try {
            members = g.members();
        } catch (InstanceException e) {
            throw new GroupException(e.code(), WireErrors.text(e));
        }
        int undesired = GroupReconciler.outdated(members, nextSha);
        int desired = members.size() - undesired;
        long sizeChange = next.allocation().size() - now.allocation().size();
        if (sizeChange == 0) {
            if (undesired == 0) {
                return now.configSha().equals(nextSha) ? "Noop"
                        : "Adjusting the instance configuration, no restarts necessary";
            }
            return "Performing a rolling update on " + undesired + " instances";
        }
        if (sizeChange < 0) {
            long roll = Math.max(0, next.allocation().size() - desired);
            String base = "Terminating " + (-sizeChange) + " instances to reduce the group size to "
                    + next.allocation().size();
            return roll == 0 ? base : base + ", then performing a rolling update on " + roll + " instances";
        }
        if (undesired == 0) {
            return "Adding " + sizeChange + " instances to increase the group size to " + next.allocation().size();
        }
        return "Performing a rolling update on " + undesired + " instances, then adding " + sizeChange
                + " instances to increase the group size to " + next.allocation().size();
    }

    private synchronized GroupReconciler watched(String id) {
        GroupReconciler g = groups.get(id);
        if (g == null) {
            throw GroupException.notWatched(id);
        }
        return g;
    }

    /** FreeGroup: stops managing the group; its instances are left as they are. */
    synchronized void free(String id) {
        GroupReconciler g = watched(id);
        stop(id);
        try {
            persist();
        } catch (IOException e) {
            start(id, g.config(), g.destroying());
            throw new GroupException(ErrorCode.BACKEND_UNAVAILABLE, "could not save the group state in "
                    + store.file() + ": " + e.getMessage());
        }
        LOG.atInfo().addKeyValue("group", id).log("freed");
    }

    GroupDescription describe(String id) {
        GroupReconciler g = watched(id);
        try {
            List<Description> members = g.instancePlugin().describeInstances(g.filter(), false);
            // The last poll's verdict, checked against what is there now (a commit since may have changed it).
            GroupConfig c = g.config();
            boolean atConfig = members.size() == c.allocation().desired()
                    && GroupReconciler.outdated(members, c.configSha()) == 0;
            return new GroupDescription(members, g.converged() && atConfig && !g.destroying());
        } catch (InstanceException e) {
            throw new GroupException(e.code(), WireErrors.text(e));
        }
    }

    /**
     * DestroyGroup: the group is marked as being destroyed (persisted, so a restart carries on), every member is
     * destroyed, and the group is forgotten once Describe finds none; members that could not be destroyed now are
     * retried every poll and the error says so.
     */
    void destroy(String id) {
        GroupReconciler g;
        synchronized (this) {
            g = watched(id);
            g.markDestroying();
            persistOrFail();
        }
        g.lock.lock();
        List<String> failed;
        try {
            List<Description> members = g.members();
            failed = g.destroyAll(members);
            if (failed.isEmpty()) {
                synchronized (this) {
                    if (groups.get(id) == g) {
                        stop(id);
                        persistOrFail();
                    }
                }
                LOG.atInfo().addKeyValue("group", id).addKeyValue("instances", members.size()).log("destroyed");
                return;
            }
        } catch (InstanceException e) {
            failed = List.of("Describe: " + WireErrors.text(e));
        } finally {
            g.lock.unlock();
        }
        throw new GroupException(ErrorCode.BACKEND_ERROR, "Group '" + id + "' is being destroyed, but "
                + String.join("; ", failed) + " (retried every poll)");
    }

    /** InspectGroups: every committed group as Go re-marshals its Properties, sorted by ID. */
    synchronized List<Map.Entry<String, RawJson>> inspect() {
        List<Map.Entry<String, RawJson>> out = new ArrayList<>();
        groups.values().forEach(g -> out.add(Map.entry(g.id(), g.config().toJson())));
        return out;
    }

    synchronized long size(String id) {
        GroupReconciler g = groups.get(id);
        if (g == null) {
            throw new GroupException(ErrorCode.NOT_FOUND, "group " + id + " not found");
        }
        return g.config().allocation().desired();
    }

    String setSize(String id, long size) {
        if (size < 0) {
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, "size cannot be negative");
        }
        GroupConfig c;
        synchronized (this) {
            GroupReconciler g = groups.get(id);
            if (g == null) {
                throw new GroupException(ErrorCode.NOT_FOUND, "group not found " + id);
            }
            c = g.config();
        }
        if (c.allocation().isPets()) {
            throw new GroupException(ErrorCode.INVALID_PROPERTIES, "cannot set size if logic ids are explicitly set");
        }
        return commit(id, c.withSize(size).toJson(), false);
    }

    /**
     * DestroyInstances: destroys the given members (drained first) and lowers the size by as many, holding the
     * group's poll meanwhile so no replacement is provisioned in between.
     */
    void destroyInstances(String id, List<InstanceId> targets) {
        GroupReconciler g = watched(id);
        g.lock.lock();
        try {
            List<Description> members;
            Flavor flavor;
            try {
                members = g.members();
                flavor = g.flavor();
            } catch (InstanceException e) {
                throw new GroupException(e.code(), WireErrors.text(e));
            }
            for (InstanceId target : targets) {
                for (Description d : members) {
                    if (d.id().equals(target)) {
                        try {
                            flavor.drain(g.config().flavorProperties(), d);
                            g.instancePlugin().destroy(d.id(), org.infrakit4j.spi.DestroyContext.TERMINATE);
                            g.destroys.increment();
                        } catch (InstanceException e) {
                            throw new GroupException(e.code(), WireErrors.text(e));
                        }
                    }
                }
            }
            setSize(id, size(id) - targets.size());
        } finally {
            g.lock.unlock();
        }
    }

    /** Problems for /healthz: each group whose last poll failed. */
    synchronized List<String> problems() {
        List<String> out = new ArrayList<>();
        groups.values().forEach(g -> {
            if (g.problem() != null) {
                out.add("group " + g.id() + ": " + g.problem());
            }
        });
        return out;
    }

    /** Per-group gauges and counters in Prometheus text format. */
    synchronized String metricsText() {
        StringBuilder b = new StringBuilder();
        metric(b, "infrakit_group_desired", "gauge", "Members the group's config asks for.",
                g -> Long.toString(g.config().allocation().desired()));
        metric(b, "infrakit_group_described", "gauge", "Members the last Describe reported (-1 before the first).",
                g -> Integer.toString(g.described()));
        metric(b, "infrakit_group_converged", "gauge", "1 when the group is at its config, else 0.",
                g -> g.converged() ? "1" : "0");
        metric(b, "infrakit_group_provisions_total", "counter", "Members provisioned.",
                g -> Long.toString(g.provisions.sum()));
        metric(b, "infrakit_group_destroys_total", "counter", "Members destroyed.",
                g -> Long.toString(g.destroys.sum()));
        metric(b, "infrakit_group_errors_total", "counter", "Failed calls while reconciling.",
                g -> Long.toString(g.errors.sum()));
        return b.toString();
    }

    private void metric(StringBuilder b, String name, String type, String help,
            java.util.function.Function<GroupReconciler, String> value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (GroupReconciler g : groups.values()) {
            b.append(name).append("{group=\"").append(escapeLabel(g.id())).append("\"} ").append(value.apply(g))
                    .append('\n');
        }
    }

    private static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public void close() {
        polls.shutdownNow();
        actions.shutdownNow();
        try {
            polls.awaitTermination(5, TimeUnit.SECONDS);
            actions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
