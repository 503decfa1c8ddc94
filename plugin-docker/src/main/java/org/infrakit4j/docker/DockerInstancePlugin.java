package org.infrakit4j.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.infrakit4j.docker.DockerEngine.Operation;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker containers as instances. The instance ID is the full 64-hex container ID; Destroy and Label also take the
 * short ID or any unique prefix of at least 12 hex digits, as {@code docker} does (never a name). Tags, the namespace and the plugin's own labels are written in the
 * create call; tags added later by Label live in a {@link DockerLabelStore} and are overlaid on Describe. Dead
 * containers ({@link DockerDeadContainers}) are left out of Describe unless the {@link ReapPolicy} reports them, reaped
 * by a {@link Reaper} as it says, and a dead pet is started again by the Provision of its LogicalID. Its named
 * collaborators: {@link DockerContainerWork} (set-ups, starts and removals that outlast a call), {@link DockerPets}
 * (whose container holds a pet's name), {@link DockerLabelStorePruner} (the label store's upkeep).
 */
public final class DockerInstancePlugin implements InstancePlugin, HealthProbe, PropertiesExample, VendorInfo.Source,
        AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DockerInstancePlugin.class);

    private static final Duration HEALTH_DEADLINE = Duration.ofMillis(800);
    /**
     * How long Provision waits for the container's set-up (Init copied, networks connected, started) and Destroy for
     * its stop and removal: InfraKit's Go client of this era gives a whole call 1 s, and under load a start or a stop
     * alone can take longer.
     */
    static final Duration PATIENCE = Duration.ofMillis(500);
    /** Container set-ups after create, starts of dead pets and removals: work a call waits for only so long. */
    private final DockerContainerWork work;
    private final DockerPets pets;
    private final DockerLabelStorePruner pruner;
    private final DockerEngine engine;
    private final DockerClient docker;
    private final DockerLabels labels;
    private final DockerLabelStore store;
    private final DockerImages images;
    /** Label and Destroy of one container are serialized so a Label never outlives its container's Destroy. */
    private final DockerInstanceLocks locks = new DockerInstanceLocks();
    private final DockerDeadContainers dead;
    private final ReapPolicy policy;
    private final Reaper reaper;
    /** Whether containers InfraKit's reference plugin made are adopted when first seen ({@code --adopt}). */
    private final boolean adopt;

    private DockerInstancePlugin(DockerEngine engine, DockerLabels labels, DockerLabelStore store,
                                 Duration patience, ReapPolicy policy, BackendMeter meter, boolean adopt) {
        this.adopt = adopt;
        this.pruner = new DockerLabelStorePruner(engine, store);
        this.engine = engine;
        this.docker = engine.client();
        this.labels = labels;
        this.store = store;
        this.images = new DockerImages(engine);
        // The reaper's removals go through Destroy's path; `work` is read only once the reaper runs, below.
        this.dead = new DockerDeadContainers(engine, labels, locks, this::isRemoving, this::remove);
        this.work = new DockerContainerWork(engine, locks, store, dead, patience);
        this.pets = new DockerPets(engine, labels, store, dead, work);
        this.policy = policy;
        this.reaper = Reaper.start("docker", policy, dead, meter);
    }

    /** Connects to the engine (which may be down: calls then fail until it is back) and opens the label store. */
    static DockerInstancePlugin open(DockerEngine.Config engine, Map<String, String> namespace,
                                     Path labelStore) throws IOException {
        return open(engine, namespace, labelStore, BackendMeter.NONE);
    }

    /** As {@link #open(DockerEngine.Config, Map, Path)}, reporting every engine call to {@code meter}. */
    static DockerInstancePlugin open(DockerEngine.Config engine, Map<String, String> namespace,
                                     Path labelStore, BackendMeter meter) throws IOException {
        return open(engine, namespace, labelStore, meter, PATIENCE, ReapPolicy.DEFAULT);
    }

    /** As {@link #open(DockerEngine.Config, Map, Path, BackendMeter, Duration, ReapPolicy)}, the default policy. */
    static DockerInstancePlugin open(DockerEngine.Config engine, Map<String, String> namespace,
                                     Path labelStore, BackendMeter meter, Duration patience) throws IOException {
        return open(engine, namespace, labelStore, meter, patience, ReapPolicy.DEFAULT);
    }

    /**
     * As {@link #open(DockerEngine.Config, Map, Path, BackendMeter)}.
     *
     * @param patience how long Provision waits for the container's start, and Destroy for its removal, before
     *     answering and leaving that work to finish on its own
     * @param policy whether Describe lists dead containers, and when they are reaped
     */
    static DockerInstancePlugin open(DockerEngine.Config engine, Map<String, String> namespace,
                                     Path labelStore, BackendMeter meter, Duration patience, ReapPolicy policy)
            throws IOException {
        return open(engine, namespace, labelStore, meter, patience, policy, false);
    }

    /**
     * As {@link #open(DockerEngine.Config, Map, Path, BackendMeter, Duration, ReapPolicy)}.
     *
     * @param adopt whether containers InfraKit's reference plugin made (created or running, labelled
     *     {@value DockerLabels#REFERENCE_GROUP}) become this plugin's when a Describe, Label or Destroy first finds
     *     them; they stay adopted (the label store remembers) after a restart without the flag
     */
    static DockerInstancePlugin open(DockerEngine.Config engine, Map<String, String> namespace,
                                     Path labelStore, BackendMeter meter, Duration patience, ReapPolicy policy,
                                     boolean adopt) throws IOException {
        DockerLabels labels = new DockerLabels(namespace);
        DockerLabelStore store = DockerLabelStore.open(labelStore);
        DockerEngine connected = DockerEngine.connect(engine, meter);
        try {
            connected.checkPing(engine.timeout());
        } catch (InstanceException e) {
            // Not fatal: a supervisor may start the plugin before dockerd. The reason is in words, not a class name.
            LOG.atWarn().addKeyValue("engine", engine.host()).addKeyValue("error", e.getMessage())
                    .log("docker engine not answering yet; calls fail until it is");
        }
        DockerInstancePlugin plugin = new DockerInstancePlugin(connected, labels, store, patience, policy, meter,
                adopt);
        plugin.pruner.start();
        return plugin;
    }

    /**
     * Forgets the Label tags of containers that no longer exist (removed with {@code docker rm}, or while the plugin
     * was down), so the label store never holds more than the engine's containers.
     *
     * @return how many were forgotten
     */
    int pruneLabelStore() {
        return pruner.prune();
    }

    /** Engine calls holding a worker now: at most {@link DockerEngine#MAX_CALLS}. */
    int engineCallsInFlight() {
        return engine.callsInFlight();
    }

    /** One /_ping, given at most 0.8 s: the server answers /healthz within a second. */
    @Override
    public void checkHealth() {
        engine.checkPing(HEALTH_DEADLINE);
    }

    @Override
    public RawJson exampleProperties() {
        return DockerProperties.EXAMPLE;
    }

    @Override
    public VendorInfo vendorInfo() {
        return new VendorInfo("infrakit4j-instance-docker", BuildInfo.versionOf(DockerInstancePlugin.class),
                "https://github.com/infrakit4j");
    }

    @Override
    public void validate(RawJson properties) {
        DockerPropertiesDecoder.decode(properties);
    }

    @Override
    public InstanceId provision(Spec spec) {
        long start = System.nanoTime();
        DockerRequest request = DockerPropertiesDecoder.decode(spec.properties());
        DockerProperties p = request.properties();
        // The reference shape's Properties Tags are tags too, but the Spec's (the group's) win: the reference let a
        // user tag override infrakit.group, which hid the container from its own group.
        Map<String, String> tags = new java.util.HashMap<>(request.tags());
        tags.putAll(spec.tags());
        DockerContainerSpec c = DockerContainerSpec.of(request, spec, labels.forCreate(p, tags, spec.logicalId()));
        checkNetworks(request);
        // The set-up's slot is taken first: once created, a container must get its set-up.
        DockerBackgroundWork.Ticket ticket = work.reserve("setting up a container from " + p.image());
        String id;
        CompletableFuture<Void> setUp = null;
        try {
            ContainerConfig image = images.prepare(p, c.needsImageCommand());
            Optional<String> created;
            try {
                created = create(c, p, image);
            } catch (DockerImages.Missing e) {
                // if-missing pulls lazily, as `docker run` does: one engine call fewer when the image is there.
                images.pull(p.image());
                created = create(c, p, image);
            }
            if (created.isEmpty()) {
                ticket.release();
                return pets.existing(c, spec);
            }
            id = created.get();
            // The container exists and is labelled as ours, so Describe reports it from here on. Its set-up finishes
            // on its own if it takes longer than the patience; if it then fails, the container is removed.
            setUp = work.setUp(id, c, ticket);
        } finally {
            if (setUp == null) {
                ticket.release(); // failed before the set-up took it over
            }
        }
        boolean started = work.await(setUp, "setting up container " + id);
        if (!started) {
            setUp.thenRun(() -> LOG.atDebug().addKeyValue("instance", id).log("started after Provision answered"));
        }
        LOG.atInfo().addKeyValue("method", "Provision").addKeyValue("instance", id)
                .addKeyValue("logicalId", c.name().orElse("")).addKeyValue("image", p.image())
                .addKeyValue("started", started).addKeyValue("ms", (System.nanoTime() - start) / 1_000_000)
                .log("provisioned");
        return new InstanceId(id);
    }

    /**
     * The reference shape's NetworkAttachments name networks that must exist, with the driver given. The reference
     * created a missing one (and never removed it); this plugin does not create networks, so nothing it cannot
     * clean up is left behind.
     */
    private void checkNetworks(DockerRequest request) {
        List<DockerRequest.NetworkAttachment> wanted = request.networkAttachments();
        for (int i = 0; i < wanted.size(); i++) {
            DockerRequest.NetworkAttachment a = wanted.get(i);
            String at = "NetworkAttachments[" + i + "]";
            Optional<com.github.dockerjava.api.model.Network> network = engine.call(Operation.NETWORK_INSPECT,
                    "inspect network " + a.name(), () -> {
                        try {
                            return Optional.of(docker.inspectNetworkCmd().withNetworkId(a.name()).exec());
                        } catch (NotFoundException e) {
                            return Optional.empty();
                        }
                    });
            if (network.isEmpty()) {
                throw InstanceException.invalid(at + ".Name", "network " + GoQuote.quote(a.name())
                        + " does not exist; create it first (this plugin does not create networks, the reference "
                        + "plugin did)");
            }
            if (a.driver() != null && !a.driver().equals(network.get().getDriver())) {
                throw InstanceException.invalid(at + ".Driver", "network " + GoQuote.quote(a.name())
                        + " has driver " + network.get().getDriver() + ", not " + a.driver());
            }
        }
    }

    /** The create call: the container ID, or empty when the pet's name is taken. */
    private Optional<String> create(DockerContainerSpec c, DockerProperties p, ContainerConfig image) {
        return engine.call(Operation.CONTAINER_CREATE, "create container from " + p.image(), () -> {
            try {
                return Optional.of(c.apply(docker.createContainerCmd(p.image()), image).exec().getId());
            } catch (ConflictException e) {
                if (c.name().isEmpty()) {
                    throw e;
                }
                return Optional.empty();
            } catch (NotFoundException e) {
                if (p.pull() == DockerProperties.Pull.IF_MISSING && image == null
                        && DockerEngine.engineMessage(e).startsWith("No such image")) {
                    throw new DockerImages.Missing();
                }
                throw e;
            }
        });
    }

    @Override
    public void label(InstanceId instance, Map<String, String> add) {
        labels.checkLabelable(add);
        String id = fullId(instance.value()).orElseThrow(() -> WireErrors.notFound(instance));
        locks.run(id, () -> {
            Container c = engine.findContainer(id).filter(this::ownsOrAdopts)
                    .orElseThrow(() -> WireErrors.notFound(instance));
            try {
                store.merge(c.getId(), add);
            } catch (IOException e) {
                throw store.unwritable(e);
            }
        });
    }

    /**
     * The full ID of the container {@code id} names: itself when it is a full ID, the one container whose ID starts
     * with it when it is a prefix of at least 12 hex digits; empty when no container has it (or it is no ID at all).
     */
    private Optional<String> fullId(String id) {
        if (DockerIdPrefix.isFull(id) || !DockerIdPrefix.isPrefix(id)) {
            return Optional.of(id); // a full ID, or no ID: the exact look-up finds nothing for a name
        }
        return DockerIdPrefix.match(id, engine.containerIds("list containers to find ID prefix " + id));
    }

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        Optional<String> full = fullId(instance.value());
        if (full.isEmpty()) {
            LOG.atDebug().addKeyValue("instance", instance.value()).log("destroy: no container has this ID prefix");
            return;
        }
        String id = full.get();
        CompletableFuture<Void> removal = work.removal(id).orElse(null);
        if (removal == null) {
            // Checked here, so an engine that does not answer fails the call and a foreign container is refused.
            Optional<Container> found = engine.findContainer(id);
            if (found.isEmpty()) {
                LOG.atDebug().addKeyValue("instance", id).log("destroy: no such container, nothing to do");
                locks.run(id, () -> work.forget(id));
                return;
            }
            removal = remove(found.get(), context.reason());
        }
        if (!work.await(removal, "destroying container " + id)) {
            LOG.atDebug().addKeyValue("instance", id).log("destroy answered; removal goes on");
        }
    }

    /**
     * Destroy's removal of a container the engine listed (Destroy's, and the reaper's): refused unless it is ours;
     * joins a removal under way. From the start the container is left out of Describe.
     */
    private CompletableFuture<Void> remove(Container found, String reason) {
        String id = found.getId();
        Map<String, String> have = found.getLabels();
        if (!ownsOrAdopts(found)) {
            throw new InstanceException(ErrorCode.CONFLICT, "container " + id + (labels.isManaged(have)
                    ? " belongs to another namespace" : " is not managed by this plugin (no label "
                    + DockerLabels.MANAGED + ")") + "; refusing to destroy it");
        }
        return work.remove(id, DockerLabels.stopTimeout(have).orElse(DockerLabels.DEFAULT_STOP_TIMEOUT), reason);
    }

    private boolean isRemoving(String id) {
        return work.isRemoving(id);
    }

    /** Ours: our marker and namespace, or adopted (now, with --adopt, if the reference plugin made it). */
    private boolean ownsOrAdopts(Container c) {
        Map<String, String> have = c.getLabels();
        if (labels.isManaged(have)) {
            return labels.inNamespace(have);
        }
        if (store.isAdopted(c.getId())) {
            return true;
        }
        if (!adopt || !labels.isReferenceMade(have, c.getState())) {
            return false;
        }
        try {
            store.merge(c.getId(), Map.of(DockerLabels.ADOPTED, "true"));
        } catch (IOException e) {
            throw store.unwritable(e);
        }
        LOG.atInfo().addKeyValue("instance", c.getId()).addKeyValue("group", have.get(DockerLabels.REFERENCE_GROUP))
                .log("adopted a container of InfraKit's reference plugin");
        return true;
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        Map<String, Map<String, String>> overlays = store.all();
        // Taken before the list: a removal that ends while the engine lists would otherwise leave its container in
        // the list but no longer among the removals, and a container Destroy had answered for would be described.
        Set<String> answeredDestroys = work.removing();
        // Adopted containers carry neither the marker nor the namespace, so with any of them the engine filters
        // on the wanted tags only, and ownership is checked here.
        boolean widened = adopt || store.anyAdopted();
        Map<String, String> filter = widened ? DockerLabels.adoptionFilter(tags, store.overlaidKeys())
                : labels.engineFilter(tags, store.overlaidKeys());
        List<Container> containers = engine.call(Operation.CONTAINER_LIST, "list containers",
                () -> docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec());
        List<Description> out = new ArrayList<>();
        List<Reaper.DeadInstance> deadSeen = new ArrayList<>();
        Instant now = Instant.now();
        for (Container c : containers) {
            if (answeredDestroys.contains(c.getId()) || work.isRemoving(c.getId())) {
                continue; // Destroy has answered for it
            }
            if (widened && !ownsOrAdopts(c)) {
                continue;
            }
            Map<String, String> overlay = store.all().getOrDefault(c.getId(), overlays.getOrDefault(c.getId(),
                    Map.of()));
            if (!Description.matches(DockerLabels.view(c.getLabels(), overlay), tags)) {
                continue;
            }
            boolean adopted = !labels.isManaged(c.getLabels());
            Optional<String> deadIn = dead.deadState(c, now);
            deadIn.ifPresent(state -> deadSeen.add(dead.deadInstance(c, state)));
            if (!policy.describes(deadIn.isPresent())) {
                continue; // left out, so a group replaces it
            }
            // An adopted container's LogicalID is its name, as the reference reported it (it named pets by theirs).
            Description d = adopted ? Description.of(new InstanceId(c.getId()), referenceName(c),
                    DockerLabels.adoptedTags(c.getLabels(), overlay))
                    : Description.of(new InstanceId(c.getId()), DockerLabels.logicalId(c.getLabels()),
                    labels.tags(c.getLabels(), overlay));
            if (properties) {
                Optional<InspectContainerResponse> state = engine.inspectContainer(c.getId());
                if (state.isEmpty()) {
                    continue; // removed since the list
                }
                d = d.withProperties(DockerContainerState.of(state.get(), dead.isStarting(c.getId())));
            }
            out.add(d);
        }
        reaper.noticed(deadSeen);
        return out;
    }

    private static Optional<String> referenceName(Container c) {
        String[] names = c.getNames();
        return names == null || names.length == 0 ? Optional.empty()
                : Optional.of(names[0].startsWith("/") ? names[0].substring(1) : names[0]);
    }

    @Override
    public void close() throws IOException {
        reaper.close(); // first: it calls the engine and the removal pool
        dead.close();
        pruner.close();
        work.close();
        engine.close();
    }
}
