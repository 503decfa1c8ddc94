package org.infrakit4j.libvirt;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.HealthProbe;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.PropertiesExample;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.spi.VendorInfo;
import org.libvirt.Domain;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt domains as instances. The instance ID is the domain name, {@code <NamePrefix>-<12 hex digits>}; each
 * domain is persistent and carries its tags, LogicalID and owned volumes in {@link LibvirtMetadata}, written with
 * the definition. Init becomes a cloud-init NoCloud seed volume; Destroy removes the domain and the volumes made
 * for it. Tags given with {@code --namespace} are added to every instance and scope every Describe.
 *
 * <p>A domain is dead when it is shut off or crashed ({@link LibvirtDomainState#DEAD}) and the plugin is not
 * starting or stopping it itself. As the {@link ReapPolicy} says, Describe leaves dead domains out (so a group
 * replaces them), a {@link Reaper} destroys dead cattle through this plugin's own Destroy, and the Provision of a
 * dead pet's LogicalID starts that same domain again, its disks kept.
 */
public final class LibvirtInstancePlugin implements InstancePlugin, PropertiesExample, VendorInfo.Source,
        HealthProbe, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtInstancePlugin.class);
    private static final int STRIPES = 64;
    private static final int CONFIG = Domain.ModificationImpact.CONFIG;
    private static final int LIVE = Domain.ModificationImpact.LIVE;
    private static final Duration HEALTH_WAIT = Duration.ofMillis(700);
    /** Each libvirt call's bound unless {@code --libvirt-timeout} says otherwise. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Domain starts and removals that may wait for one of the background threads once their call has answered;
     * beyond that, Provision and Destroy are refused (back-pressure). A TCG start takes 0.5-3 s, so this is about
     * a minute of work: a caller refused now is better off retrying than waiting behind it.
     */
    static final int WAITING_WORK = 64;
    /** virConnectListAllDomains flags: shut off; neither running, paused nor shut off (crashed among them). */
    private static final int LIST_SHUTOFF = 64;
    private static final int LIST_OTHER = 128;
    /** How long the reaper waits for a removal it started before leaving it to the background. */
    static final Duration REAP_WAIT = Duration.ofMinutes(3);
    /** The reason a reaped domain's removal logs. */
    static final DestroyContext REAPED = new DestroyContext("reaped: dead");

    private final LibvirtConnection libvirt;
    private final Map<String, String> namespace;
    private final String storagePool;
    /** Provisions of one LogicalID are serialized so a retried call finds the first one's domain. */
    private final Object[] logicalIdLocks = new Object[STRIPES];
    /** Labels of one instance are serialized so a merge never loses a concurrent label. */
    private final Object[] labelLocks = new Object[STRIPES];
    /** A domain's start and its removal never interleave (a start after undefine would leave it transient). */
    private final Object[] lifecycleLocks = new Object[STRIPES];
    /**
     * Domains whose start runs in the background, with the metadata they were defined with: libvirt holds a
     * starting (or stopping) domain's lock for seconds, so Describe answers for our own busy domains from here.
     */
    private final Map<String, LibvirtMetadata> starting = new ConcurrentHashMap<>();
    /** Domains defined by a Provision still making their volumes: not described yet, so nobody destroys them. */
    private final Set<String> creating = ConcurrentHashMap.newKeySet();
    /** Removals under way, by domain name: a Destroy that overlaps one waits for that one, as its own caller does. */
    private final Map<String, CompletableFuture<Void>> destroying = new ConcurrentHashMap<>();
    private final LibvirtBackground background;
    private final ReapPolicy policy;
    private final Reaper reaper;
    private final Reaping reaping;
    /** Where libvirt logs each generated domain's serial console ({@code NAME.console.log}); null: nowhere. */
    private final java.nio.file.Path consoleLogs;
    /** {@code --adopt}: domains InfraKit's Go plugin made are taken over (see {@link #adopted}). */
    private final boolean adopt;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param uri libvirt connection URI, opened on first use
     * @param namespace tags put on every instance and required of every described one
     * @param storagePool pool for seed disks and new volumes, or null
     */
    public LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool) {
        this(uri, namespace, storagePool, BackendMeter.NONE);
    }

    /** As {@link #LibvirtInstancePlugin(String, Map, String)}, reporting every libvirt call to {@code meter}. */
    public LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter) {
        this(uri, namespace, storagePool, meter, Duration.ofMillis(500));
    }

    /** @param patience how long a call waits for a domain start or removal before leaving it to run on */
    LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                          Duration patience) {
        this(uri, namespace, storagePool, meter, patience, ReapPolicy.DEFAULT);
    }

    /** As above, with dead domains handled as {@code policy} says. */
    LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                          Duration patience, ReapPolicy policy) {
        this(uri, namespace, storagePool, meter, patience, DEFAULT_TIMEOUT, 0, new LibvirtBackground(
                LibvirtConnection.MAX_IN_FLIGHT, WAITING_WORK, patience, Duration.ofMinutes(2)), policy, null, false);
    }

    /**
     * @param timeout the longest a call waits for libvirt (each libvirt call; work in the background may take
     *                longer) before it answers {@code backend unavailable}
     */
    LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                          Duration timeout, int waitingWork) {
        this(uri, namespace, storagePool, meter, timeout, 0, waitingWork);
    }

    /** @param keepalive libvirt keepalive interval in seconds, 0 for none (see {@link LibvirtConnection}) */
    LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                          Duration timeout, int keepalive, int waitingWork) {
        this(uri, namespace, storagePool, meter, timeout, keepalive, waitingWork, ReapPolicy.DEFAULT, null);
    }

    /**
     * @param policy what Describe and the reaper do with dead domains
     * @param consoleLogs directory on the libvirt host for the serial console logs of generated domains, or null
     */
    LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                          Duration timeout, int keepalive, int waitingWork, ReapPolicy policy,
                          java.nio.file.Path consoleLogs) {
        this(uri, namespace, storagePool, meter, timeout, keepalive, waitingWork, policy, consoleLogs, false);
    }

    /** @param adopt take over the domains InfraKit's Go plugin made ({@code --adopt}) */
    LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                          Duration timeout, int keepalive, int waitingWork, ReapPolicy policy,
                          java.nio.file.Path consoleLogs, boolean adopt) {
        this(uri, namespace, storagePool, meter, Duration.ofMillis(500), timeout, keepalive, new LibvirtBackground(
                LibvirtConnection.MAX_IN_FLIGHT, waitingWork, Duration.ofMillis(500), Duration.ofMinutes(2)), policy,
                consoleLogs, adopt);
    }

    private LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                                  Duration patience, Duration timeout, int keepalive, LibvirtBackground background,
                                  ReapPolicy policy, java.nio.file.Path consoleLogs, boolean adopt) {
        this.adopt = adopt;
        this.background = background;
        this.libvirt = new LibvirtConnection(uri, meter, timeout, keepalive);
        this.namespace = Map.copyOf(namespace);
        this.storagePool = storagePool;
        for (int i = 0; i < STRIPES; i++) {
            logicalIdLocks[i] = new Object();
            labelLocks[i] = new Object();
            lifecycleLocks[i] = new Object();
        }
        this.policy = policy;
        this.consoleLogs = consoleLogs;
        // Last: the reaper's thread uses everything above.
        this.reaping = new Reaping();
        this.reaper = Reaper.start("libvirt", policy, reaping, meter);
    }

    LibvirtConnection connection() {
        return libvirt;
    }

    @Override
    public RawJson exampleProperties() {
        return new RawJson("{\"NamePrefix\":\"worker\",\"Type\":\"kvm\",\"MemoryMiB\":1024,\"VCPUs\":2,"
                + "\"Disks\":[{\"Kind\":\"overlay\",\"Base\":\"images/debian-12.qcow2\",\"SizeMiB\":8192}],"
                + "\"Interfaces\":[{\"Network\":\"default\"}],\"StopTimeoutSeconds\":30}");
    }

    @Override
    public VendorInfo vendorInfo() {
        return new VendorInfo("infrakit4j-instance-libvirt", BuildInfo.versionOf(LibvirtInstancePlugin.class),
                "https://github.com/infrakit4j");
    }

    /**
     * Reads libvirt's version and checks the {@code --storage-pool} (it exists and is active); waits at most 0.7 s
     * behind a connection attempt or an earlier probe still out.
     */
    @Override
    public void checkHealth() {
        libvirt.checkHealth(HEALTH_WAIT, this::checkStoragePool);
    }

    /** Fails when the {@code --storage-pool} cannot hold the volumes Provision makes; no pool given is fine. */
    private Void checkStoragePool(org.libvirt.Connect c) throws LibvirtException {
        if (storagePool != null) {
            LibvirtStorage.usablePool(c, storagePool, "--storage-pool (Init and new or overlay disks)");
        }
        return null;
    }

    /**
     * The start-up check of the {@code --storage-pool}: null when it is usable, else what is wrong with it (or
     * that libvirt cannot be asked now), bounded by the call timeout.
     */
    String storagePoolProblem() {
        if (storagePool == null) {
            return null;
        }
        try {
            libvirt.retrying(LibvirtOperation.STORAGE_LOOKUP, "--storage-pool " + storagePool, this::checkStoragePool);
            return null;
        } catch (InstanceException e) {
            return e.getMessage();
        }
    }

    LibvirtBackground background() {
        return background;
    }

    @Override
    public void validate(RawJson properties) {
        LibvirtPropertiesDecoder.decode(properties);
    }

    @Override
    public InstanceId provision(Spec spec) {
        LibvirtProvision plan = LibvirtProvision.of(spec, namespace, storagePool);
        if (spec.logicalId().isEmpty()) {
            return create(plan);
        }
        String logicalId = spec.logicalId().get();
        synchronized (logicalIdLocks[Math.floorMod(logicalId.hashCode(), STRIPES)]) {
            for (Found f : find(Map.of(), false)) { // dead ones too: a dead pet is started again, not made anew
                Description d = f.description();
                if (d.logicalId().equals(spec.logicalId())) {
                    if (d.tags().equals(plan.tags())) {
                        if (f.dead() != null) {
                            return revive(d.id().value(), f.meta(), f.dead());
                        }
                        LOG.atInfo().addKeyValue("instance", d.id()).addKeyValue("logicalId", logicalId)
                                .log("provision retried: returning the existing domain");
                        return d.id();
                    }
                    throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + GoQuote.quote(logicalId)
                            + " is held by instance " + d.id() + " with other tags");
                }
            }
            return create(plan);
        }
    }

    private InstanceId create(LibvirtProvision plan) {
        // The domain's start needs a place in the background: taken before anything is made, so a refusal
        // leaves nothing behind.
        LibvirtBackground.Place place = background.reserve("provision a " + plan.properties().namePrefix()
                + " domain");
        try {
            return create(plan, place);
        } finally {
            place.releaseUnused(); // when the domain was not made; the start gives it back otherwise
        }
    }

    private InstanceId create(LibvirtProvision plan, LibvirtBackground.Place place) {
        long start = System.nanoTime();
        String type = plan.properties().type() != null ? plan.properties().type()
                : libvirt.retrying(LibvirtOperation.CONNECT_GET_TYPE, "", LibvirtProvision::driverType);
        String name = libvirt.retrying(LibvirtOperation.DOMAIN_LOOKUP, plan.properties().namePrefix() + "-*",
                c -> LibvirtProvision.freeName(c, plan.properties().namePrefix()));
        List<LibvirtVolumeRef> made = new ArrayList<>();
        boolean defined = false;
        creating.add(name);
        try {
            LibvirtProvision.Prepared prepared = libvirt.retrying(LibvirtOperation.STORAGE_LOOKUP, name,
                    c -> plan.prepare(c, name));
            String xml = LibvirtDomainXml.build(plan.properties(), type, name, prepared.metadata(),
                    prepared.disks(), plan.nics(), consoleLogs == null ? null : consoleLog(name).toString());
            // Defined before its volumes are made: the definition names them as the instance's, so a crash
            // meanwhile leaves a described domain whose Destroy removes them, not orphaned volumes.
            libvirt.once(LibvirtOperation.DOMAIN_DEFINE_XML, name, c -> c.domainDefineXML(xml));
            defined = true;
            libvirt.once(LibvirtOperation.STORAGE_VOL_CREATE, name,
                    c -> prepared.createVolumes(c, name, Instant.now(), made));
            starting.put(name, prepared.metadata());
        } catch (RuntimeException e) {
            LibvirtTeardown.discard(libvirt, name, defined, made, e);
            throw e;
        } finally {
            creating.remove(name);
        }
        boolean started = background.await(place.submit(() -> start(name, made, start)));
        LOG.atInfo().addKeyValue("instance", name).addKeyValue("logicalId", plan.logicalId().orElse(""))
                .addKeyValue("started", started).addKeyValue("ms", (System.nanoTime() - start) / 1_000_000)
                .log("provisioned");
        return new InstanceId(name);
    }

    /** Starts a defined domain; if that fails, the domain and its volumes go (unless a Destroy came first). */
    private void start(String name, List<LibvirtVolumeRef> made, long since) {
        synchronized (lifecycleLock(name)) {
            try {
                if (!destroying.containsKey(name)) {
                    libvirt.once(LibvirtOperation.DOMAIN_CREATE, name, c -> {
                        Domain d = LibvirtTeardown.lookup(c, name);
                        return d == null ? 0 : d.create();
                    });
                }
            } catch (InstanceException e) {
                if (e.code() == ErrorCode.BACKEND_UNAVAILABLE) {
                    // libvirt did not answer: the start may yet happen. The domain stays for a Destroy; if it
                    // never started, it is dead, so replaced by the group and reaped.
                    LOG.atWarn().addKeyValue("instance", name).addKeyValue("error", e.getMessage())
                            .log("start of the domain unconfirmed; it stays for a Destroy (reaped if it never "
                                    + "started)");
                } else {
                    LibvirtTeardown.discard(libvirt, name, true, made, e);
                }
                throw e;
            } catch (RuntimeException e) {
                LibvirtTeardown.discard(libvirt, name, true, made, e);
                throw e;
            } finally {
                starting.remove(name);
            }
        }
        LOG.atDebug().addKeyValue("instance", name).addKeyValue("ms", (System.nanoTime() - since) / 1_000_000)
                .log("started");
    }

    /**
     * Starts a dead pet's domain again, as itself: same name, disks and definition. Like a new domain's start, it
     * runs in the background and Describe shows the domain as starting meanwhile. A start that fails leaves the
     * domain as it was (dead, its disks kept) for the next Provision of its LogicalID.
     */
    private InstanceId revive(String name, LibvirtMetadata meta, LibvirtDomainState was) {
        LibvirtBackground.Place place = background.reserve("start the dead pet " + name + " again");
        try {
            starting.put(name, meta);
            java.util.concurrent.CompletableFuture<Void> started;
            try {
                started = place.submit(() -> restart(name));
            } catch (RuntimeException e) {
                starting.remove(name, meta);
                throw e;
            }
            boolean done = background.await(started);
            LOG.atInfo().addKeyValue("instance", name).addKeyValue("logicalId", meta.logicalId().orElse(""))
                    .addKeyValue("was", was.state() + " (" + was.reason() + ")").addKeyValue("started", done)
                    .log("provision of a dead pet's LogicalID: starting the same domain again, its disks kept");
            return new InstanceId(name);
        } finally {
            place.releaseUnused();
        }
    }

    /** Runs on the background threads: the start of a dead domain, unless a Destroy of it began meanwhile. */
    private void restart(String name) {
        synchronized (lifecycleLock(name)) {
            try {
                if (!destroying.containsKey(name)) {
                    libvirt.once(LibvirtOperation.DOMAIN_CREATE, name, c -> {
                        Domain d = LibvirtTeardown.lookup(c, name);
                        if (d == null) {
                            return 0;
                        }
                        LibvirtDomainState state = LibvirtDomainState.of(d);
                        if (!state.dead()) {
                            return 0; // started meanwhile (by hand): nothing to do
                        }
                        if (state.state().equals("crashed")) {
                            d.destroy(); // a crashed domain kept by on_crash=preserve is still active
                        }
                        return d.create();
                    });
                }
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("instance", name).addKeyValue("error", e.getMessage())
                        .log("the dead pet did not start again; it stays as it was, disks kept, for the next "
                                + "Provision of its LogicalID");
                throw e;
            } finally {
                starting.remove(name);
            }
        }
    }

    private java.nio.file.Path consoleLog(String name) {
        return consoleLogs.resolve(name + ".console.log");
    }

    /** The console log of a removed domain and virtlogd's rotated copies of it ({@code .0}, {@code .1}, ...). */
    private void deleteConsoleLogs(String name) {
        if (consoleLogs == null) {
            return;
        }
        String log = consoleLog(name).getFileName().toString();
        try (var files = java.nio.file.Files.newDirectoryStream(consoleLogs, f -> {
            String n = f.getFileName().toString();
            return n.equals(log) || n.startsWith(log + ".") && n.substring(log.length() + 1).matches("[0-9]{1,3}");
        })) {
            for (java.nio.file.Path f : files) {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // a remote libvirt host keeps it: not the plugin's to delete
        } catch (java.io.IOException e) {
            LOG.atWarn().addKeyValue("instance", name).addKeyValue("error", e.toString())
                    .log("console log of the destroyed domain not deleted");
        }
    }

    private Object lifecycleLock(String name) {
        return lifecycleLocks[Math.floorMod(name.hashCode(), STRIPES)];
    }

    @Override
    public void label(InstanceId instance, Map<String, String> labels) {
        synchronized (labelLocks[Math.floorMod(instance.value().hashCode(), STRIPES)]) {
            libvirt.retrying(LibvirtOperation.DOMAIN_SET_METADATA, instance.value(), c -> {
                Domain d = LibvirtTeardown.lookup(c, instance.value());
                LibvirtMetadata meta = d == null ? null : LibvirtDomainFacts.definedMetadata(d);
                if (meta == null && d != null) {
                    meta = adopted(d, instance.value());
                }
                if (meta == null) {
                    throw WireErrors.notFound(instance);
                }
                Map<String, String> merged = new HashMap<>(meta.tags());
                merged.putAll(labels);
                merged.putAll(namespace); // as in Provision: the namespace is not the caller's to change
                LibvirtMetadata labelled = meta.withTags(merged);
                String xml = labelled.toXml();
                int flags = (d.isPersistent() == 1 ? CONFIG : 0) | (d.isActive() == 1 ? LIVE : 0);
                d.setMetadata(Domain.MetadataType.ELEMENT, xml, LibvirtMetadata.PREFIX, LibvirtMetadata.NAMESPACE,
                        flags);
                starting.computeIfPresent(instance.value(), (k, v) -> labelled);
                return null;
            });
        }
    }

    /**
     * With {@code --adopt}, a domain InfraKit's Go plugin made (its metadata element under its namespace) becomes
     * ours: its LogicalID, tags (with our namespace's) and metadata disk are written as our metadata, beside its
     * own element (left for a return to the Go plugin), on the live domain and on its definition if it has one.
     * From then on it is ours without the flag. Null when adopting is off or the domain is not the Go plugin's.
     */
    private LibvirtMetadata adopted(Domain d, String name) throws LibvirtException {
        if (!adopt) {
            return null;
        }
        LibvirtMetadata theirs = LibvirtDomainFacts.referenceMetadata(d, name);
        if (theirs == null) {
            return null;
        }
        Map<String, String> tags = new HashMap<>(theirs.tags());
        tags.putAll(namespace);
        LibvirtMetadata ours = theirs.withTags(tags);
        int flags = (d.isPersistent() == 1 ? CONFIG : 0) | (d.isActive() == 1 ? LIVE : 0);
        d.setMetadata(Domain.MetadataType.ELEMENT, ours.toXml(), LibvirtMetadata.PREFIX, LibvirtMetadata.NAMESPACE,
                flags);
        LOG.atInfo().addKeyValue("instance", name).addKeyValue("logicalId", ours.logicalId().orElse(""))
                .log("adopted a domain of InfraKit's Go libvirt plugin: it now carries our metadata");
        return ours;
    }

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        String name = instance.value();
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> removal = destroying.putIfAbsent(name, mine);
        if (removal == null) {
            removal = mine;
            submitRemoval(name, context, mine, null);
        }
        background.await(removal);
    }

    /**
     * @param reaped null for a Destroy; for the reaper, set when the domain was still dead and ours and was removed
     *     (the removal then checks that first, under the domain's lifecycle lock)
     */
    private void submitRemoval(String name, DestroyContext context, CompletableFuture<Void> mine,
                               AtomicBoolean reaped) {
        LibvirtBackground.Place place;
        try {
            place = background.reserve("destroy " + name);
        } catch (InstanceException e) {
            destroying.remove(name, mine);
            mine.completeExceptionally(e); // a concurrent Destroy of the same instance waiting on this one
            throw e;
        }
        try {
            place.submit(() -> {
                try {
                    synchronized (lifecycleLock(name)) {
                        boolean removed = remove(name, context, reaped != null);
                        if (reaped != null) {
                            reaped.set(removed);
                        }
                    }
                    destroying.remove(name, mine);
                    mine.complete(null);
                } catch (RuntimeException e) {
                    destroying.remove(name, mine);
                    mine.completeExceptionally(e);
                }
            });
        } catch (InstanceException e) {
            destroying.remove(name, mine);
            mine.completeExceptionally(e);
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is stopping: not destroying "
                    + name);
        }
    }

    /**
     * Runs on the background threads; while it runs, the domain is hidden from Describe.
     *
     * @param onlyIfDead for the reaper: remove it only if it is still dead, ours and in the namespace, and the
     *     plugin is not starting it (a pet's Provision)
     * @return whether it was removed
     */
    private boolean remove(String name, DestroyContext context, boolean onlyIfDead) {
        try {
            LibvirtMetadata meta = libvirt.retrying(LibvirtOperation.DOMAIN_SHUTDOWN, name, c -> {
                Domain d = LibvirtTeardown.lookup(c, name);
                LibvirtMetadata m = d == null ? null : LibvirtDomainFacts.definedMetadata(d);
                if (m == null && d != null && !onlyIfDead) {
                    m = adopted(d, name);
                }
                if (m != null && onlyIfDead && (starting.containsKey(name) || creating.contains(name)
                        || !Description.matches(m.tags(), namespace)
                        || !LibvirtDomainState.of(d).dead())) {
                    return null;
                }
                if (m != null && m.stopTimeoutSeconds() > 0 && d.isActive() == 1) {
                    d.shutdown();
                }
                return m;
            });
            if (meta == null) {
                LOG.atDebug().addKeyValue("instance", name).log(onlyIfDead ? "reap: alive again, gone, or not ours"
                        : "destroy: no such domain of ours, nothing to do");
                return false; // gone, or never ours: leave it alone
            }
            if (meta.stopTimeoutSeconds() > 0) {
                LibvirtTeardown.awaitStop(libvirt, name, meta.stopTimeoutSeconds());
            }
            libvirt.retrying(LibvirtOperation.DOMAIN_UNDEFINE, name,
                    c -> LibvirtTeardown.remove(c, LibvirtTeardown.lookup(c, name), meta.ownedVolumes()));
            deleteConsoleLogs(name);
            LOG.atInfo().addKeyValue("instance", name).addKeyValue("reason", context.reason()).log("destroyed");
            return true;
        } catch (RuntimeException e) {
            LOG.atError().addKeyValue("instance", name).addKeyValue("error", e.getMessage())
                    .log("destroy failed; the domain is described again for a retry");
            throw e;
        }
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        List<Found> found = find(tags, properties);
        List<Reaper.DeadInstance> dead = new ArrayList<>();
        List<Description> out = new ArrayList<>(found.size());
        for (Found f : found) {
            if (f.dead() != null) {
                dead.add(f.asDead());
            }
            if (policy.describes(f.dead() != null)) {
                out.add(f.description());
            }
        }
        if (!dead.isEmpty()) {
            reaper.noticed(dead);
        }
        return out;
    }

    /**
     * A domain of ours as a listing found it.
     *
     * @param dead its state when it is dead, else null
     */
    private record Found(Description description, LibvirtMetadata meta, LibvirtDomainState dead) {
        Reaper.DeadInstance asDead() {
            return new Reaper.DeadInstance(description.id(), meta.logicalId(), dead.state());
        }
    }

    /** Domains the plugin itself is making, starting or removing now: never dead, whatever libvirt says. */
    private Set<String> busy() {
        Set<String> busy = new java.util.HashSet<>(creating);
        busy.addAll(starting.keySet());
        busy.addAll(destroying.keySet());
        return busy;
    }

    /**
     * Our domains in the namespace whose tags match, dead or alive. Two listings whatever the number of domains:
     * all domains, and those that may be dead (shut off, or in a state other than running and paused); only the
     * latter get a state call each, so a Describe of many live domains costs no more than before. The plugin's
     * own busy domains are taken before the listings, so a domain whose start ends during them is not taken for
     * dead.
     */
    private List<Found> find(Map<String, String> tags, boolean properties) {
        return libvirt.retrying(LibvirtOperation.LIST_DOMAINS, "", c -> {
            Set<String> busy = busy();
            Set<String> maybeDead = names(c.listAllDomains(LIST_SHUTOFF | LIST_OTHER));
            List<Found> out = new ArrayList<>();
            for (Domain d : c.listAllDomains(0)) {
                String name = "?";
                try {
                    name = d.getName(); // no call to libvirtd: the name comes with the handle
                    if (creating.contains(name)) {
                        continue;
                    }
                    LibvirtMetadata pending = destroying.containsKey(name) ? null : starting.get(name);
                    LibvirtMetadata meta = pending != null ? pending
                            : destroying.containsKey(name) ? null : LibvirtDomainFacts.metadata(d, 0);
                    if (meta == null && pending == null && !destroying.containsKey(name)) {
                        meta = adopted(d, name);
                    }
                    if (meta == null || !Description.matches(meta.tags(), namespace)
                            || !Description.matches(meta.tags(), tags)) {
                        continue;
                    }
                    LibvirtDomainState state = pending == null && maybeDead.contains(name) && !busy.contains(name)
                            ? LibvirtDomainState.of(d) : null;
                    Description found = Description.of(new InstanceId(name), meta.logicalId(), meta.tags());
                    if (properties) {
                        found = found.withProperties(pending != null ? LibvirtDomainFacts.STARTING : state != null
                                ? LibvirtDomainFacts.properties(d, meta, state) : LibvirtDomainFacts.properties(d, meta));
                    }
                    out.add(new Found(found, meta, state != null && state.dead() ? state : null));
                } catch (LibvirtException e) {
                    if (LibvirtConnection.isLost(e)) {
                        throw e; // not this domain's fault: fail (and retry) the whole call
                    }
                    if (!LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                        LOG.atWarn().addKeyValue("domain", name).addKeyValue("error", LibvirtConnection.message(e))
                                .log("describe: skipping a domain that cannot be read");
                    }
                } catch (RuntimeException e) {
                    LOG.atWarn().addKeyValue("domain", name).addKeyValue("error", e.getMessage())
                            .log("describe: skipping a domain whose metadata does not parse");
                } finally {
                    LibvirtDomainFacts.free(d);
                }
            }
            return out;
        });
    }

    /** The names of listed domains; the handles are freed. */
    private static Set<String> names(Domain[] domains) throws LibvirtException {
        Set<String> names = new java.util.HashSet<>();
        for (Domain d : domains) {
            try {
                names.add(d.getName());
            } finally {
                LibvirtDomainFacts.free(d);
            }
        }
        return names;
    }

    /** What the reaper asks of libvirt: dead domains of ours in the namespace, their last state, their removal. */
    private final class Reaping implements Reaper.Backend {
        @Override
        public List<Reaper.DeadInstance> listDead() {
            return libvirt.retrying(LibvirtOperation.LIST_DEAD, "", c -> {
                Set<String> busy = busy();
                List<Reaper.DeadInstance> out = new ArrayList<>();
                for (Domain d : c.listAllDomains(LIST_SHUTOFF | LIST_OTHER)) {
                    String name = "?";
                    try {
                        name = d.getName();
                        if (busy.contains(name) || creating.contains(name) || starting.containsKey(name)
                                || destroying.containsKey(name)) {
                            continue;
                        }
                        LibvirtMetadata meta = LibvirtDomainFacts.metadata(d, 0);
                        if (meta == null || !Description.matches(meta.tags(), namespace)) {
                            continue; // not ours, or another plugin's: never touched
                        }
                        LibvirtDomainState state = LibvirtDomainState.of(d);
                        if (state.dead()) {
                            out.add(new Reaper.DeadInstance(new InstanceId(name), meta.logicalId(), state.state()));
                        }
                    } catch (LibvirtException e) {
                        if (LibvirtConnection.isLost(e)) {
                            throw e;
                        }
                        if (!LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                            LOG.atDebug().addKeyValue("domain", name).addKeyValue("error",
                                    LibvirtConnection.message(e)).log("reaper: skipping a domain that cannot be read");
                        }
                    } catch (RuntimeException e) {
                        LOG.atDebug().addKeyValue("domain", name).addKeyValue("error", e.getMessage())
                                .log("reaper: skipping a domain whose metadata does not parse");
                    } finally {
                        LibvirtDomainFacts.free(d);
                    }
                }
                return out;
            });
        }

        @Override
        public Map<String, String> lastState(Reaper.DeadInstance dead) {
            String name = dead.id().value();
            return libvirt.retrying(LibvirtOperation.DOMAIN_INSPECT, name, c -> {
                Domain d = LibvirtTeardown.lookup(c, name);
                if (d == null) {
                    return Map.of("lastState", "gone");
                }
                try {
                    LibvirtDomainState state = LibvirtDomainState.of(d);
                    Map<String, String> out = new java.util.LinkedHashMap<>();
                    out.put("stateReason", state.reason());
                    out.putAll(LibvirtConsoleLog.lastLines(LibvirtXml.parse(d.getXMLDesc(0))));
                    return out;
                } finally {
                    LibvirtDomainFacts.free(d);
                }
            });
        }

        @Override
        public boolean reapIfStillDead(Reaper.DeadInstance dead) {
            String name = dead.id().value();
            CompletableFuture<Void> mine = new CompletableFuture<>();
            if (destroying.putIfAbsent(name, mine) != null) {
                return false; // a Destroy is removing it already
            }
            AtomicBoolean reaped = new AtomicBoolean();
            submitRemoval(name, REAPED, mine, reaped);
            try {
                mine.get(REAP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                return reaped.get();
            } catch (TimeoutException e) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the removal of dead domain " + name
                        + " has not ended within " + REAP_WAIT.toSeconds() + " s; it goes on in the background");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is stopping: not reaping "
                        + name);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InstanceException ie) {
                    throw ie;
                }
                throw new InstanceException(ErrorCode.INTERNAL, "reaping " + name + ": " + e.getCause(), e.getCause());
            }
        }
    }

    /** The reaper, for tests. */
    Reaper reaper() {
        return reaper;
    }

    /** What the reaper asks of libvirt, for tests. */
    Reaper.Backend reaping() {
        return reaping;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // served under two sub-types (INFRAKIT_LIBVIRT_URIS' "default" is also the default plugin)
        }
        reaper.close(); // first: its sweeps use the background and the connection
        background.close();
        libvirt.close();
    }
}
