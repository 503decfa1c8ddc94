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
import org.infrakit4j.rpc.BuildInfo;
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
        this(uri, namespace, storagePool, meter, patience, DEFAULT_TIMEOUT, 0, new LibvirtBackground(
                LibvirtConnection.MAX_IN_FLIGHT, WAITING_WORK, patience, Duration.ofMinutes(2)));
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
        this(uri, namespace, storagePool, meter, Duration.ofMillis(500), timeout, keepalive, new LibvirtBackground(
                LibvirtConnection.MAX_IN_FLIGHT, waitingWork, Duration.ofMillis(500), Duration.ofMinutes(2)));
    }

    private LibvirtInstancePlugin(String uri, Map<String, String> namespace, String storagePool, BackendMeter meter,
                                  Duration patience, Duration timeout, int keepalive, LibvirtBackground background) {
        this.background = background;
        this.libvirt = new LibvirtConnection(uri, meter, timeout, keepalive);
        this.namespace = Map.copyOf(namespace);
        this.storagePool = storagePool;
        for (int i = 0; i < STRIPES; i++) {
            logicalIdLocks[i] = new Object();
            labelLocks[i] = new Object();
            lifecycleLocks[i] = new Object();
        }
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
        return new VendorInfo("infrakit4j-instance-libvirt", BuildInfo.version(), "https://github.com/infrakit4j");
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
            for (Description d : describeInstances(Map.of(), false)) {
                if (d.logicalId().equals(spec.logicalId())) {
                    if (d.tags().equals(plan.tags())) {
                        LOG.atInfo().addKeyValue("instance", d.id()).addKeyValue("logicalId", logicalId)
                                .log("provision retried: returning the existing domain");
                        return d.id();
                    }
                    throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + InstanceException.quote(logicalId)
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
                    prepared.disks(), plan.nics());
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
                    // libvirt did not answer: the start may yet happen. The domain stays, described, for Destroy.
                    LOG.atWarn().addKeyValue("instance", name).addKeyValue("error", e.getMessage())
                            .log("start of the domain unconfirmed; it stays, described, for a Destroy");
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

    private Object lifecycleLock(String name) {
        return lifecycleLocks[Math.floorMod(name.hashCode(), STRIPES)];
    }

    @Override
    public void label(InstanceId instance, Map<String, String> labels) {
        synchronized (labelLocks[Math.floorMod(instance.value().hashCode(), STRIPES)]) {
            libvirt.retrying(LibvirtOperation.DOMAIN_SET_METADATA, instance.value(), c -> {
                Domain d = LibvirtTeardown.lookup(c, instance.value());
                LibvirtMetadata meta = d == null ? null : LibvirtDomainFacts.definedMetadata(d);
                if (meta == null) {
                    throw InstanceException.notFound(instance);
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

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        String name = instance.value();
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> removal = destroying.putIfAbsent(name, mine);
        if (removal == null) {
            removal = mine;
            submitRemoval(name, context, mine);
        }
        background.await(removal);
    }

    private void submitRemoval(String name, DestroyContext context, CompletableFuture<Void> mine) {
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
                        remove(name, context);
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

    /** Runs on the background threads; while it runs, the domain is hidden from Describe. */
    private void remove(String name, DestroyContext context) {
        try {
            LibvirtMetadata meta = libvirt.retrying(LibvirtOperation.DOMAIN_SHUTDOWN, name, c -> {
                Domain d = LibvirtTeardown.lookup(c, name);
                LibvirtMetadata m = d == null ? null : LibvirtDomainFacts.definedMetadata(d);
                if (m != null && m.stopTimeoutSeconds() > 0 && d.isActive() == 1) {
                    d.shutdown();
                }
                return m;
            });
            if (meta == null) {
                LOG.atDebug().addKeyValue("instance", name).log("destroy: no such domain of ours, nothing to do");
                return; // gone, or never ours: leave it alone
            }
            if (meta.stopTimeoutSeconds() > 0) {
                LibvirtTeardown.awaitStop(libvirt, name, meta.stopTimeoutSeconds());
            }
            libvirt.retrying(LibvirtOperation.DOMAIN_UNDEFINE, name,
                    c -> LibvirtTeardown.remove(c, LibvirtTeardown.lookup(c, name), meta.ownedVolumes()));
            LOG.atInfo().addKeyValue("instance", name).addKeyValue("reason", context.reason()).log("destroyed");
        } catch (RuntimeException e) {
            LOG.atError().addKeyValue("instance", name).addKeyValue("error", e.getMessage())
                    .log("destroy failed; the domain is described again for a retry");
            throw e;
        }
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        return libvirt.retrying(LibvirtOperation.LIST_DOMAINS, "", c -> {
            List<Description> out = new ArrayList<>();
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
                    if (meta == null || !Description.matches(meta.tags(), namespace)
                            || !Description.matches(meta.tags(), tags)) {
                        continue;
                    }
                    Description found = Description.of(new InstanceId(name), meta.logicalId(), meta.tags());
                    out.add(properties ? found.withProperties(pending != null
                            ? LibvirtDomainFacts.STARTING : LibvirtDomainFacts.properties(d, meta)) : found);
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

    @Override
    public void close() {
        background.close();
        libvirt.close();
    }
}
