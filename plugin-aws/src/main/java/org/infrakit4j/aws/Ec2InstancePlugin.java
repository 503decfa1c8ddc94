package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Attachment;
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
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;

/**
 * EC2 instances as InfraKit instances: one RunInstances per Provision with all tags, server-side filtered and
 * paginated Describe, CreateTags for Label, TerminateInstances for Destroy, EBS attachments in the background.
 * Only instances carrying the plugin's marker and the namespace are seen, labelled or destroyed.
 *
 * <p>A stopped or stopping instance is dead (nothing in EC2 starts it again): Describe leaves it out unless the
 * {@link ReapPolicy} reports dead ones, the {@link Reaper} terminates dead cattle as the policy says, and a Provision
 * of a dead pet's LogicalID starts that same instance again.
 */
public final class Ec2InstancePlugin implements InstancePlugin, HealthProbe, PropertiesExample, VendorInfo.Source,
        AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ec2InstancePlugin.class);
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");
    /** Instances whose volumes attach at once, and more waiting: each mostly sleeps in bounded waits. */
    static final int ATTACH_THREADS = 32;
    static final int ATTACH_QUEUE = 224;
    /** ClientToken generations tried when EC2 hands back a terminated instance for a pet's token. */
    private static final int MAX_GENERATIONS = 8;
    /**
     * How long a pet the plugin started again counts as alive while EC2 still describes it stopped (its describe
     * lags behind StartInstances), so neither the group nor the reaper takes it for dead meanwhile.
     */
    static final Duration STARTING_GRACE = Duration.ofSeconds(30);
    /** The longest pause between two looks at a pet that is still stopping. */
    private static final long MAX_STOPPING_POLL_MILLIS = 2000;

    private final Ec2Client ec2;
    private final Ec2Config config;
    private final Ec2Attachments attachments;
    private final Ec2RecentLaunches recent;
    private final Ec2InstanceLookup lookup;
    private final Ec2Adoption adoption;
    private final Ec2Credentials credentials;
    /**
     * Provisions (and the reaper's Destroys) of one LogicalID are serialized so a retry in this process finds the
     * first one's instance, and a dead pet being started again is never reaped meanwhile.
     */
    private final Ec2PetLocks petLocks = new Ec2PetLocks();
    /**
     * Pets this plugin is starting again, with when ({@link System#nanoTime()}): not dead while stopping, nor for
     * {@link #STARTING_GRACE} after StartInstances. Pruned on every addition, so it holds only recent starts.
     */
    private final Map<String, Long> starting = new ConcurrentHashMap<>();
    private final ReapPolicy policy;
    private final Ec2DeadInstances deadInstances;
    private final Optional<Reaper> reaper;

    /**
     * A plugin without a reaper: dead instances are left out of Describe and kept (for tests that count EC2 calls).
     *
     * @param credentials the provider {@code ec2} signs with, asked whether it found any
     */
    Ec2InstancePlugin(Ec2Client ec2, Ec2Config config, Ec2Credentials credentials) {
        this(ec2, config, credentials, ATTACH_THREADS, ATTACH_QUEUE);
    }

    /**
     * As {@link #Ec2InstancePlugin(Ec2Client, Ec2Config, Ec2Credentials)}, with room for {@code attachThreads}
     * instances' attachments at once and {@code attachQueue} more waiting.
     */
    Ec2InstancePlugin(Ec2Client ec2, Ec2Config config, Ec2Credentials credentials, int attachThreads,
                      int attachQueue) {
        this(ec2, config, credentials, attachThreads, attachQueue, ReapPolicy.DEFAULT, BackendMeter.NONE, null);
    }

    /**
     * A plugin whose reaper sweeps every {@code sweep} (in production {@link Reaper#SWEEP_INTERVAL}), as
     * {@code policy} says.
     *
     * @param meter counts the dead instances seen and reaped
     */
    Ec2InstancePlugin(Ec2Client ec2, Ec2Config config, Ec2Credentials credentials, ReapPolicy policy,
                      BackendMeter meter, Duration sweep) {
        this(ec2, config, credentials, ATTACH_THREADS, ATTACH_QUEUE, policy, meter, Objects.requireNonNull(sweep));
    }

    private Ec2InstancePlugin(Ec2Client ec2, Ec2Config config, Ec2Credentials credentials, int attachThreads,
                              int attachQueue, ReapPolicy policy, BackendMeter meter, Duration sweep) {
        this.ec2 = ec2;
        this.config = config;
        this.credentials = credentials;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.attachments = new Ec2Attachments(ec2, config.attachTimeout(), attachThreads, attachQueue);
        this.recent = new Ec2RecentLaunches(config.consistencyWindow(), Clock.systemUTC());
        this.lookup = new Ec2InstanceLookup(ec2, config, recent, credentials);
        this.adoption = new Ec2Adoption(ec2, config, lookup);
        this.deadInstances = new Ec2DeadInstances(ec2, config, lookup, this);
        // Last: the reaper's thread may use the plugin from now on (its first sweep comes a while later anyway).
        this.reaper = sweep == null ? Optional.empty()
                : Optional.of(Reaper.start("aws", policy, deadInstances, meter, sweep));
    }

    /** Example Properties, as /info/api.json shows them. */
    static final RawJson EXAMPLE = new RawJson("{\"ImageId\":\"ami-0abcdef1234567890\",\"InstanceType\":\"t3.micro\","
            + "\"KeyName\":\"ops\",\"SubnetId\":\"subnet-0abc1234\",\"SecurityGroupIds\":[\"sg-0abc1234\"],"
            + "\"Tags\":{\"project\":\"demo\"},\"Attachment\":{\"DeviceNames\":[\"/dev/sdf\",\"/dev/sdg\"]}}");

    @Override
    public RawJson exampleProperties() {
        return EXAMPLE;
    }

    @Override
    public VendorInfo vendorInfo() {
        return new VendorInfo(Ec2Tags.MARKER_VALUE, BuildInfo.versionOf(Ec2InstancePlugin.class),
                "https://github.com/infrakit4j");
    }

    @Override
    public void validate(RawJson properties) {
        validate(properties, false);
    }

    /** Validate for a sub-type: {@code spot} for {@code ec2-spot-instance}. */
    void validate(RawJson properties, boolean spot) {
        Ec2Launch props = Ec2PropertiesDecoder.decode(properties, spot);
        if (config.validateDryRun()) {
            Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
            try {
                ec2.runInstances(props.toRequest().minCount(1).maxCount(1).dryRun(true)
                        .overrideConfiguration(deadline.sdk("RunInstances (DryRun)")).build());
            } catch (SdkException e) {
                if (!Ec2Errors.code(e).equals("DryRunOperation")) {
                    throw lookup.failure("RunInstances (DryRun)", e);
                }
            }
        }
    }

    @Override
    public InstanceId provision(Spec spec) {
        return provision(spec, false);
    }

    /** Provision for a sub-type: {@code spot} for {@code ec2-spot-instance}. */
    InstanceId provision(Spec spec, boolean spot) {
        Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
        Ec2Launch props = Ec2PropertiesDecoder.decode(spec.properties(), spot);
        Ec2Tags.checkUserTags("Tags", spec.tags());
        List<String> volumeIds = volumeIds(props.volumeIds(), spec.attachments());
        Map<String, String> tags = Ec2Tags.forInstance(props.tags(), spec.tags(), config.namespace(),
                spec.logicalId(), volumeIds);
        if (spec.logicalId().isEmpty()) {
            return launch(props, spec, tags, volumeIds, Ec2ClientToken.random(), false, deadline);
        }
        String logicalId = spec.logicalId().get();
        return petLocks.withLock(logicalId, deadline, () -> {
            Optional<Instance> existing = lookup.pet(logicalId, deadline);
            if (existing.isPresent()) {
                Instance i = existing.get();
                Map<String, String> wanted = new java.util.HashMap<>(tags);
                wanted.keySet().removeIf(k -> k.startsWith(Ec2Tags.RESERVED_PREFIX));
                if (!Description.matches(Ec2Tags.visible(i.tags()), wanted)) {
                    throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + GoQuote.quote(logicalId)
                            + " is held by instance " + i.instanceId() + " with other tags");
                }
                if (!Ec2TagFilters.dead(Ec2TagFilters.state(i))) {
                    LOG.atInfo().addKeyValue("instance", i.instanceId()).addKeyValue("logicalId", logicalId)
                            .log("provision retried: returning the existing instance");
                    return new InstanceId(i.instanceId());
                }
                Optional<InstanceId> back = startAgain(i, logicalId, deadline);
                if (back.isPresent()) {
                    return back.get();
                }
                // Terminated while it was stopping: a new instance takes the LogicalID.
            }
            return launch(props, spec, tags, volumeIds, null, true, deadline);
        });
    }

    /**
     * Starts a dead pet again, the same instance with its volumes: waits (within the deadline) while it is still
     * stopping, then StartInstances. Empty when it was terminated meanwhile.
     *
     * @throws InstanceException backend unavailable, when it is still stopping at the deadline: a later Provision
     *     starts it
     */
    private Optional<InstanceId> startAgain(Instance pet, String logicalId, Ec2Deadline deadline) {
        String id = pet.instanceId();
        markStarting(id);
        boolean started = false;
        try {
            String state = Ec2TagFilters.state(pet);
            long delay = 250;
            while (state.equals("stopping")) {
                // Room for the look after the pause and for StartInstances itself.
                if (deadline.remainingNanos() < TimeUnit.MILLISECONDS.toNanos(delay + 1000)) {
                    throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "pet instance " + id + " of LogicalID "
                            + GoQuote.quote(logicalId) + " is still stopping after the call timeout of "
                            + deadline.budget().toMillis() + " ms; it is started by a Provision once it has stopped");
                }
                sleep(delay);
                delay = Math.min(delay * 2, MAX_STOPPING_POLL_MILLIS);
                state = lookup.byId(id, deadline).map(Ec2TagFilters::state).orElse("terminated");
            }
            if (!Ec2TagFilters.EXISTING_STATES.contains(state)) {
                LOG.atInfo().addKeyValue("instance", id).addKeyValue("logicalId", logicalId)
                        .log("dead pet terminated while it was stopping: launching a new one");
                return Optional.empty();
            }
            if (state.equals("stopped")) {
                try {
                    ec2.startInstances(r -> r.instanceIds(id).overrideConfiguration(deadline.sdk("StartInstances")));
                } catch (SdkException e) {
                    if (Ec2Errors.code(e).equals("IncorrectInstanceState")) {
                        // Moved on since it was looked at (terminated, or stopping again): the next Provision sees.
                        throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "EC2 StartInstances of pet "
                                + "instance " + id + " of LogicalID " + GoQuote.quote(logicalId)
                                + " refused: " + Ec2Errors.code(e) + ": " + Ec2Errors.message(e)
                                + "; Provision it again", e);
                    }
                    throw lookup.failure("StartInstances", e);
                }
            }
            started = true;
            markStarting(id); // the grace period counts from the start
            LOG.atInfo().addKeyValue("method", "Provision").addKeyValue("instance", id)
                    .addKeyValue("logicalId", logicalId).addKeyValue("was", Ec2TagFilters.state(pet))
                    .log("dead pet started again: the same instance, with its volumes");
            return Optional.of(new InstanceId(id));
        } finally {
            if (!started) {
                starting.remove(id);
            }
        }
    }

    private void markStarting(String id) {
        long now = System.nanoTime();
        starting.values().removeIf(since -> now - since > STARTING_GRACE.toNanos());
        starting.put(id, now);
    }

    /**
     * Whether an instance in a dead state is one this plugin is starting again: then it is not dead. Forgotten once
     * EC2 shows it alive, or after {@link #STARTING_GRACE}.
     */
    boolean isStarting(Instance instance) {
        Long since = starting.get(instance.instanceId());
        if (since == null) {
            return false;
        }
        if (!Ec2TagFilters.dead(Ec2TagFilters.state(instance))
                || System.nanoTime() - since > STARTING_GRACE.toNanos()) {
            starting.remove(instance.instanceId(), since);
            return false;
        }
        return true;
    }

    /** Dead: stopped or stopping, and not being started again by this plugin. */
    private boolean isDead(Instance instance) {
        return Ec2TagFilters.dead(Ec2TagFilters.state(instance)) && !isStarting(instance);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "interrupted while waiting for EC2");
        }
    }

    private static List<String> volumeIds(List<String> fromProperties, List<Attachment> attachments) {
        List<String> ids = new ArrayList<>(fromProperties);
        for (int i = 0; i < attachments.size(); i++) {
            Attachment a = attachments.get(i);
            if (!Ec2Attachments.TYPES.contains(a.type())) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + i + "].Type: "
                        + GoQuote.quote(a.type()) + " is not supported; use \"ebs\" with a volume id");
            }
            if (!a.id().startsWith("vol-") || ids.contains(a.id())) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + i + "].ID: "
                        + (ids.contains(a.id()) ? "volume listed twice: " : "must be a volume id (vol-...), got ")
                        + GoQuote.quote(a.id()));
            }
            ids.add(a.id());
        }
        return ids;
    }

    private InstanceId launch(Ec2Launch props, Spec spec, Map<String, String> tags, List<String> volumeIds,
                              Ec2ClientToken cattleToken, boolean pet, Ec2Deadline deadline) {
        // The attachments' place is taken before anything is launched: when there is none, nothing is made.
        try (Ec2Attachments.Place place = volumeIds.isEmpty() ? null : attachments.reserve()) {
            Optional<String> zone = attachments.checkBeforeLaunch(volumeIds, props.volumeIds().size(),
                    Optional.ofNullable(props.toRequest().build().placement())
                            .map(software.amazon.awssdk.services.ec2.model.Placement::availabilityZone), deadline);
            Instance instance = runInstance(props, spec, tags, zone, cattleToken, pet, deadline);
            recent.add(instance);
            if (place != null) {
                attachments.start(place, instance.instanceId(), volumeIds, props.deviceNames());
            }
            return new InstanceId(instance.instanceId());
        }
    }

    /** One RunInstances, again with the next ClientToken generation while EC2 hands back a terminated pet. */
    private Instance runInstance(Ec2Launch props, Spec spec, Map<String, String> tags, Optional<String> zone,
                                 Ec2ClientToken cattleToken, boolean pet, Ec2Deadline deadline) {
        long started = System.nanoTime();
        Instance instance = null;
        for (int generation = 0; instance == null; generation++) {
            Ec2ClientToken token = !pet ? cattleToken : generation < MAX_GENERATIONS
                    ? Ec2ClientToken.forPet(spec.logicalId().get(), tags, generation) : Ec2ClientToken.random();
            RunInstancesRequest request = Ec2LaunchRequest.build(props, spec, tags, zone, token).toBuilder()
                    .overrideConfiguration(deadline.sdk("RunInstances")).build();
            List<Instance> made;
            try {
                made = ec2.runInstances(request).instances();
            } catch (SdkException e) {
                throw lookup.failure("RunInstances", e);
            }
            if (made.size() != 1) {
                throw new InstanceException(ErrorCode.BACKEND_ERROR, "EC2 RunInstances returned " + made.size()
                        + " instances for a count of 1");
            }
            String state = made.get(0).state() == null ? "" : made.get(0).state().nameAsString();
            if (pet && (state.equals("terminated") || state.equals("shutting-down"))) {
                LOG.atInfo().addKeyValue("instance", made.get(0).instanceId()).addKeyValue("generation", generation)
                        .log("ClientToken names a terminated instance: launching with the next generation");
                continue;
            }
            instance = made.get(0).toBuilder().tags(Ec2Tags.toSdk(tags)).build();
        }
        LOG.atInfo().addKeyValue("method", "Provision").addKeyValue("instance", instance.instanceId())
                .addKeyValue("logicalId", spec.logicalId().orElse(""))
                .addKeyValue("volumes", Ec2Tags.attachmentVolumes(instance.tags()).size())
                .addKeyValue("ms", (System.nanoTime() - started) / 1_000_000).log("launched");
        return instance;
    }

    @Override
    public void label(InstanceId id, Map<String, String> labels) {
        try {
            labels.forEach((k, v) -> {
                Ec2Tags.checkKey(k);
                Ec2Tags.checkValue(k, v);
            });
        } catch (IllegalArgumentException e) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "labels: " + e.getMessage());
        }
        Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
        Instance instance = managed(id, deadline).orElseThrow(() -> WireErrors.notFound(id));
        if (labels.isEmpty()) {
            return;
        }
        if (lookup.withConsistencyRetry(id.value(), "CreateTags", deadline, o -> ec2.createTags(r -> r
                .resources(instance.instanceId()).tags(Ec2Tags.toSdk(labels)).overrideConfiguration(o)))) {
            throw WireErrors.notFound(id);
        }
    }

    @Override
    public void destroy(InstanceId id, DestroyContext context) {
        Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
        if (config.adopt() && id.value().startsWith("sir-")) {
            adoption.destroySpotRequest(id.value(), deadline);
            return;
        }
        Optional<Instance> instance = managed(id, deadline);
        if (instance.isEmpty()) {
            recent.forget(id.value());
            LOG.atDebug().addKeyValue("instance", id).log("destroy: no such managed instance, nothing to do");
            return;
        }
        terminate(instance.get(), "Destroy", context.reason(), deadline);
    }

    /**
     * The one way an instance goes, for Destroy and the reaper: TerminateInstances, then the plugin forgets it.
     *
     * @return whether EC2 had it gone already
     */
    private boolean terminate(Instance instance, String method, String reason, Ec2Deadline deadline) {
        String id = instance.instanceId();
        boolean gone = lookup.withConsistencyRetry(id, "TerminateInstances", deadline,
                o -> ec2.terminateInstances(r -> r.instanceIds(id).overrideConfiguration(o)));
        recent.forget(id);
        attachments.forget(id);
        starting.remove(id);
        LOG.atInfo().addKeyValue("method", method).addKeyValue("instance", id)
                .addKeyValue("reason", reason).addKeyValue("volumesKept", Ec2Attachments.keptOnTermination(instance))
                .log(gone ? "already gone" : "terminating");
        return gone;
    }

    /**
     * The reaper's Destroy: terminates the instance if it is still ours and still dead (under its LogicalID's lock,
     * so a Provision starting the pet again and the reaper never cross).
     *
     * @return false when it is alive again or gone
     */
    boolean reapIfStillDead(Reaper.DeadInstance dead) {
        Ec2Deadline deadline = Ec2Deadline.background(config.callTimeout());
        Supplier<Boolean> reap = () -> {
            Optional<Instance> now = managed(dead.id(), deadline);
            if (now.isEmpty() || !isDead(now.get())
                    || !Ec2Tags.value(now.get().tags(), Ec2Tags.LOGICAL_ID_KEY).equals(dead.logicalId())) {
                return false;
            }
            return !terminate(now.get(), "Reap", "dead: " + Ec2TagFilters.state(now.get()), deadline);
        };
        return dead.logicalId().isPresent() ? petLocks.withLock(dead.logicalId().get(), deadline, reap) : reap.get();
    }

    /** The instance if it exists, is not gone, and is ours (marker and namespace); a malformed id is simply absent. */
    private Optional<Instance> managed(InstanceId id, Ec2Deadline deadline) {
        if (!INSTANCE_ID.matcher(id.value()).matches()) {
            return Optional.empty();
        }
        Optional<Instance> found = lookup.byId(id.value(), deadline)
                .filter(i -> Ec2TagFilters.EXISTING_STATES.contains(Ec2TagFilters.state(i)));
        if (found.isPresent() && !Ec2Tags.managed(found.get().tags(), config.namespace())) {
            return config.adopt() ? adoption.adoptById(found.get(), deadline) : Optional.empty();
        }
        return found;
    }

    /**
     * Matching instances; dead ones (stopped, stopping) only when the policy reports them. Every dead one seen is
     * told to the reaper: it is in the same reply, so it costs no EC2 call.
     */
    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
        List<Instance> found = lookup.matching(tags, deadline);
        if (config.adopt()) {
            found = new ArrayList<>(found);
            found.addAll(adoption.adopt(tags, deadline));
        }
        List<Description> out = new ArrayList<>(found.size());
        List<Reaper.DeadInstance> dead = new ArrayList<>();
        for (Instance i : found) {
            boolean isDead = isDead(i);
            if (isDead) {
                dead.add(Ec2DeadInstances.of(i));
            }
            if (!policy.describes(isDead)) {
                continue;
            }
            Description d = Description.of(new InstanceId(i.instanceId()),
                    Ec2Tags.value(i.tags(), Ec2Tags.LOGICAL_ID_KEY), Ec2Tags.visible(i.tags()));
            out.add(properties ? d.withProperties(propertiesOf(i)) : d);
        }
        if (!dead.isEmpty()) {
            reaper.ifPresent(r -> r.noticed(dead));
        }
        return out;
    }

    /**
     * The instance as EC2 describes it (its state in {@code State.Name}: EC2's own member, kept as it is), plus the
     * progress of the attachments asked for at Provision.
     */
    private RawJson propertiesOf(Instance instance) {
        ObjectNode node = Ec2Json.toJson(instance);
        List<String> requested = Ec2Tags.attachmentVolumes(instance.tags());
        if (!requested.isEmpty()) {
            ArrayNode list = node.putArray("Attachments");
            for (Ec2Attachments.Progress p : attachments.progress(instance, requested)) {
                ObjectNode a = list.addObject().put("VolumeId", p.volumeId()).put("Device", p.device())
                        .put("State", p.state());
                if (!p.detail().isEmpty()) {
                    a.put("Error", p.detail());
                }
            }
        }
        return new RawJson(node.toString());
    }

    /**
     * One DescribeAvailabilityZones, a single attempt bounded by {@link Ec2Sdk#PROBE_TIMEOUT}; without credentials it
     * says so, not that EC2 cannot be reached.
     */
    @Override
    public void checkHealth() {
        try {
            ec2.describeAvailabilityZones(r -> r.overrideConfiguration(Ec2Sdk.PROBE));
        } catch (SdkException e) {
            throw lookup.failure("DescribeAvailabilityZones", e);
        }
    }

    /** LogicalIDs with a lock now: none once no Provision of a pet is in progress. */
    int petLocksInUse() {
        return petLocks.size();
    }

    /** What the reaper asks of EC2 (also for tests, on a plugin without a reaper). */
    Ec2DeadInstances deadInstances() {
        return deadInstances;
    }

    /** The reaper, while one runs: for tests. */
    Optional<Reaper> reaper() {
        return reaper;
    }

    /** Stops the reaper first: its calls need the EC2 client that closes last. */
    @Override
    public void close() {
        reaper.ifPresent(Reaper::close);
        attachments.close();
        ec2.close();
    }
}
