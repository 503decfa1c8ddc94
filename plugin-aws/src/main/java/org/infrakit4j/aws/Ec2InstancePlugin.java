package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.BuildInfo;
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

    private final Ec2Client ec2;
    private final Ec2Config config;
    private final Ec2Attachments attachments;
    private final Ec2RecentLaunches recent;
    private final Ec2InstanceLookup lookup;
    private final Ec2Credentials credentials;
    /** Provisions of one LogicalID are serialized so a retry in this process finds the first one's instance. */
    private final Ec2PetLocks petLocks = new Ec2PetLocks();

    /** @param credentials the provider {@code ec2} signs with, asked whether it found any */
    Ec2InstancePlugin(Ec2Client ec2, Ec2Config config, Ec2Credentials credentials) {
        this(ec2, config, credentials, ATTACH_THREADS, ATTACH_QUEUE);
    }

    /** @param attachThreads instances whose volumes attach at once; {@code attachQueue} more may wait */
    Ec2InstancePlugin(Ec2Client ec2, Ec2Config config, Ec2Credentials credentials, int attachThreads,
                      int attachQueue) {
        this.ec2 = ec2;
        this.config = config;
        this.credentials = credentials;
        this.attachments = new Ec2Attachments(ec2, config.attachTimeout(), attachThreads, attachQueue);
        this.recent = new Ec2RecentLaunches(config.consistencyWindow(), Clock.systemUTC());
        this.lookup = new Ec2InstanceLookup(ec2, config, recent, credentials);
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
        return new VendorInfo(Ec2Tags.MARKER_VALUE, BuildInfo.version(), "https://github.com/infrakit4j");
    }

    @Override
    public void validate(RawJson properties) {
        Ec2Properties props = Ec2PropertiesCodec.decode(properties);
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
        Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
        Ec2Properties props = Ec2PropertiesCodec.decode(spec.properties());
        Ec2Tags.checkUserTags("Tags", spec.tags());
        List<String> volumeIds = volumeIds(spec.attachments());
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
                if (Description.matches(Ec2Tags.visible(i.tags()), wanted)) {
                    LOG.atInfo().addKeyValue("instance", i.instanceId()).addKeyValue("logicalId", logicalId)
                            .log("provision retried: returning the existing instance");
                    return new InstanceId(i.instanceId());
                }
                throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + InstanceException.quote(logicalId)
                        + " is held by instance " + i.instanceId() + " with other tags");
            }
            return launch(props, spec, tags, volumeIds, null, true, deadline);
        });
    }

    private static List<String> volumeIds(List<Attachment> attachments) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < attachments.size(); i++) {
            Attachment a = attachments.get(i);
            if (!Ec2Attachments.TYPES.contains(a.type())) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + i + "].Type: "
                        + InstanceException.quote(a.type()) + " is not supported; use \"ebs\" with a volume id");
            }
            if (!a.id().startsWith("vol-") || ids.contains(a.id())) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + i + "].ID: "
                        + (ids.contains(a.id()) ? "volume listed twice: " : "must be a volume id (vol-...), got ")
                        + InstanceException.quote(a.id()));
            }
            ids.add(a.id());
        }
        return ids;
    }

    private InstanceId launch(Ec2Properties props, Spec spec, Map<String, String> tags, List<String> volumeIds,
                              Ec2ClientToken cattleToken, boolean pet, Ec2Deadline deadline) {
        // The attachments' place is taken before anything is launched: when there is none, nothing is made.
        try (Ec2Attachments.Place place = volumeIds.isEmpty() ? null : attachments.reserve()) {
            Optional<String> zone = attachments.checkBeforeLaunch(volumeIds,
                    Optional.ofNullable(props.placement()).map(Ec2Properties.Placement::availabilityZone), deadline);
            Instance instance = runInstance(props, spec, tags, zone, cattleToken, pet, deadline);
            recent.add(instance);
            if (place != null) {
                attachments.start(place, instance.instanceId(), volumeIds, props.attachment().deviceNames());
            }
            return new InstanceId(instance.instanceId());
        }
    }

    /** One RunInstances, again with the next ClientToken generation while EC2 hands back a terminated pet. */
    private Instance runInstance(Ec2Properties props, Spec spec, Map<String, String> tags, Optional<String> zone,
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
        Instance instance = managed(id, deadline).orElseThrow(() -> InstanceException.notFound(id));
        if (labels.isEmpty()) {
            return;
        }
        if (lookup.withConsistencyRetry(id.value(), "CreateTags", deadline, o -> ec2.createTags(r -> r
                .resources(instance.instanceId()).tags(Ec2Tags.toSdk(labels)).overrideConfiguration(o)))) {
            throw InstanceException.notFound(id);
        }
    }

    @Override
    public void destroy(InstanceId id, DestroyContext context) {
        Ec2Deadline deadline = Ec2Deadline.after(config.callTimeout());
        Optional<Instance> instance = managed(id, deadline);
        if (instance.isEmpty()) {
            recent.forget(id.value());
            LOG.atDebug().addKeyValue("instance", id).log("destroy: no such managed instance, nothing to do");
            return;
        }
        boolean gone = lookup.withConsistencyRetry(id.value(), "TerminateInstances", deadline,
                o -> ec2.terminateInstances(r -> r.instanceIds(id.value()).overrideConfiguration(o)));
        recent.forget(id.value());
        attachments.forget(id.value());
        LOG.atInfo().addKeyValue("method", "Destroy").addKeyValue("instance", id)
                .addKeyValue("reason", context.reason()).addKeyValue("volumesKept",
                        Ec2Attachments.keptOnTermination(instance.get()))
                .log(gone ? "already gone" : "terminating");
    }

    /** The instance if it exists, lives, and is ours (marker and namespace); a malformed id is simply absent. */
    private Optional<Instance> managed(InstanceId id, Ec2Deadline deadline) {
        if (!INSTANCE_ID.matcher(id.value()).matches()) {
            return Optional.empty();
        }
        return lookup.byId(id.value(), deadline).filter(i -> Ec2Tags.managed(i.tags(), config.namespace()))
                .filter(i -> Ec2TagFilters.LIVE_STATES.contains(i.state().nameAsString()));
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        List<Instance> found = lookup.matching(tags, Ec2Deadline.after(config.callTimeout()));
        List<Description> out = new ArrayList<>(found.size());
        for (Instance i : found) {
            Description d = Description.of(new InstanceId(i.instanceId()),
                    Ec2Tags.value(i.tags(), Ec2Tags.LOGICAL_ID_KEY), Ec2Tags.visible(i.tags()));
            out.add(properties ? d.withProperties(propertiesOf(i)) : d);
        }
        return out;
    }

    /** The instance as EC2 describes it, plus the progress of the attachments asked for at Provision. */
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

    @Override
    public void close() {
        attachments.close();
        ec2.close();
    }
}
