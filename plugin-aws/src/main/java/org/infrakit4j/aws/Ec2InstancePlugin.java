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
    private static final int STRIPES = 64;
    /** ClientToken generations tried when EC2 hands back a terminated instance for a pet's token. */
    private static final int MAX_GENERATIONS = 8;

    private final Ec2Client ec2;
    private final Ec2Config config;
    private final Ec2Attachments attachments;
    private final Ec2RecentLaunches recent;
    private final Ec2InstanceLookup lookup;
    /** Provisions of one LogicalID are serialized so a retry in this process finds the first one's instance. */
    private final Object[] petLocks = new Object[STRIPES];

    public Ec2InstancePlugin(Ec2Client ec2, Ec2Config config) {
        this.ec2 = ec2;
        this.config = config;
        this.attachments = new Ec2Attachments(ec2, config.attachTimeout());
        this.recent = new Ec2RecentLaunches(config.consistencyWindow(), Clock.systemUTC());
        this.lookup = new Ec2InstanceLookup(ec2, config, recent);
        for (int i = 0; i < STRIPES; i++) {
            petLocks[i] = new Object();
        }
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
            try {
                ec2.runInstances(props.toRequest().minCount(1).maxCount(1).dryRun(true).build());
            } catch (SdkException e) {
                if (!Ec2Errors.code(e).equals("DryRunOperation")) {
                    throw Ec2Errors.translate("RunInstances (DryRun)", e);
                }
            }
        }
    }

    @Override
    public InstanceId provision(Spec spec) {
        Ec2Properties props = Ec2PropertiesCodec.decode(spec.properties());
        Ec2Tags.checkUserTags("Tags", spec.tags());
        List<String> volumeIds = volumeIds(spec.attachments());
        Map<String, String> tags = Ec2Tags.forInstance(props.tags(), spec.tags(), config.namespace(),
                spec.logicalId(), volumeIds);
        if (spec.logicalId().isEmpty()) {
            return launch(props, spec, tags, volumeIds, Ec2ClientToken.random(), false);
        }
        String logicalId = spec.logicalId().get();
        synchronized (petLocks[Math.floorMod(logicalId.hashCode(), STRIPES)]) {
            Optional<Instance> existing = lookup.pet(logicalId);
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
            return launch(props, spec, tags, volumeIds, null, true);
        }
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
                              Ec2ClientToken cattleToken, boolean pet) {
        Optional<String> zone = attachments.checkBeforeLaunch(volumeIds,
                Optional.ofNullable(props.placement()).map(Ec2Properties.Placement::availabilityZone));
        long started = System.nanoTime();
        Instance instance = null;
        for (int generation = 0; instance == null; generation++) {
            Ec2ClientToken token = !pet ? cattleToken : generation < MAX_GENERATIONS
                    ? Ec2ClientToken.forPet(spec.logicalId().get(), tags, generation) : Ec2ClientToken.random();
            RunInstancesRequest request = Ec2LaunchRequest.build(props, spec, tags, zone, token);
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
        recent.add(instance);
        if (!volumeIds.isEmpty()) {
            attachments.start(instance.instanceId(), volumeIds, props.attachment().deviceNames());
        }
        LOG.atInfo().addKeyValue("method", "Provision").addKeyValue("instance", instance.instanceId())
                .addKeyValue("logicalId", spec.logicalId().orElse("")).addKeyValue("volumes", volumeIds.size())
                .addKeyValue("ms", (System.nanoTime() - started) / 1_000_000).log("launched");
        return new InstanceId(instance.instanceId());
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
        Instance instance = managed(id).orElseThrow(() -> InstanceException.notFound(id));
        if (labels.isEmpty()) {
            return;
        }
        if (lookup.withConsistencyRetry(id.value(), "CreateTags", () -> ec2.createTags(r -> r
                .resources(instance.instanceId()).tags(Ec2Tags.toSdk(labels))))) {
            throw InstanceException.notFound(id);
        }
    }

    @Override
    public void destroy(InstanceId id, DestroyContext context) {
        Optional<Instance> instance = managed(id);
        if (instance.isEmpty()) {
            recent.forget(id.value());
            LOG.atDebug().addKeyValue("instance", id).log("destroy: no such managed instance, nothing to do");
            return;
        }
        boolean gone = lookup.withConsistencyRetry(id.value(), "TerminateInstances",
                () -> ec2.terminateInstances(r -> r.instanceIds(id.value())));
        recent.forget(id.value());
        attachments.forget(id.value());
        LOG.atInfo().addKeyValue("method", "Destroy").addKeyValue("instance", id)
                .addKeyValue("reason", context.reason()).addKeyValue("volumesKept",
                        Ec2Attachments.keptOnTermination(instance.get()))
                .log(gone ? "already gone" : "terminating");
    }

    /** The instance if it exists, lives, and is ours (marker and namespace); a malformed id is simply absent. */
    private Optional<Instance> managed(InstanceId id) {
        if (!INSTANCE_ID.matcher(id.value()).matches()) {
            return Optional.empty();
        }
        return lookup.byId(id.value()).filter(i -> Ec2Tags.managed(i.tags(), config.namespace()))
                .filter(i -> Ec2TagFilters.LIVE_STATES.contains(i.state().nameAsString()));
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        List<Instance> found = lookup.matching(tags);
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

    /** One DescribeAvailabilityZones, a single attempt bounded by {@link Ec2Sdk#PROBE_TIMEOUT}. */
    @Override
    public void checkHealth() {
        try {
            ec2.describeAvailabilityZones(r -> r.overrideConfiguration(Ec2Sdk.PROBE));
        } catch (SdkException e) {
            throw lookup.failure("DescribeAvailabilityZones", e);
        }
    }

    @Override
    public void close() {
        attachments.close();
        ec2.close();
    }
}
