package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.runtime.JsonPaths;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.services.ec2.model.AttachVolumeRequest;
import software.amazon.awssdk.services.ec2.model.InstanceMarketOptionsRequest;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.RequestSpotInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RequestSpotLaunchSpecification;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SpotMarketOptions;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * InfraKit's Go plugins' Properties ({@code CreateInstanceRequest}: {@code Tags}, {@code RunInstancesInput},
 * {@code AttachVolumeInputs}; or {@code CreateSpotInstanceRequest} with {@code RequestSpotInstancesInput}), read onto
 * the AWS SDK's own request model by {@link Ec2ModelReader}. What the plugin owns (count, token, dry run) or cannot
 * honour is an error naming the field (reference-providers.md §1.2, §1.8).
 *
 * @param tags instance tags: {@code Tags}, over {@code TagSpecifications} of type instance
 * @param request RunInstances as the Properties give it (a spot request already turned into market options)
 * @param volumeTagSpecs {@code TagSpecifications} of type volume
 * @param attachVolumes {@code AttachVolumeInputs}: volume id and device, attached after launch
 */
record Ec2ReferenceProperties(Map<String, String> tags, RunInstancesRequest request,
                              List<TagSpecification> volumeTagSpecs, List<AttachVolume> attachVolumes)
        implements Ec2Launch {

    /** Top-level members of the two reference shapes, in the Go structs' spelling. */
    static final Set<String> INSTANCE_MEMBERS = Set.of("Tags", "RunInstancesInput", "AttachVolumeInputs");
    static final Set<String> SPOT_MEMBERS = Set.of("Tags", "RequestSpotInstancesInput", "AttachVolumeInputs");

    Ec2ReferenceProperties {
        tags = Map.copyOf(tags);
        java.util.Objects.requireNonNull(request, "request");
        volumeTagSpecs = List.copyOf(volumeTagSpecs);
        attachVolumes = List.copyOf(attachVolumes);
    }

    /** One of {@code AttachVolumeInputs}. */
    record AttachVolume(String volumeId, String device) {
        AttachVolume {
            java.util.Objects.requireNonNull(volumeId, "volumeId");
            java.util.Objects.requireNonNull(device, "device");
        }
    }

    /** Whether a Properties object is in a reference shape: it has one of the members only those have. */
    static boolean recognises(JsonNode tree) {
        for (var it = tree.fieldNames(); it.hasNext(); ) {
            String name = it.next().toLowerCase(Locale.ROOT);
            if (name.equals("runinstancesinput") || name.equals("attachvolumeinputs")
                    || name.equals("requestspotinstancesinput")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decodes either reference shape.
     *
     * @param spot whether this is the {@code ec2-spot-instance} type (then {@code RequestSpotInstancesInput} is
     *     expected instead of {@code RunInstancesInput})
     */
    static Ec2ReferenceProperties decode(JsonNode tree, boolean spot) {
        Set<String> members = spot ? SPOT_MEMBERS : INSTANCE_MEMBERS;
        JsonNode tagsNode = null;
        JsonNode input = null;
        JsonNode attach = null;
        Set<String> seen = new HashSet<>();
        for (var it = tree.fields(); it.hasNext(); ) {
            var e = it.next();
            String member = members.stream().filter(m -> m.equalsIgnoreCase(e.getKey())).findFirst().orElse(null);
            if (member == null) {
                String hint = e.getKey().equalsIgnoreCase("RequestSpotInstancesInput")
                        ? "; RequestSpotInstancesInput belongs to the ec2-spot-instance type"
                        : e.getKey().equalsIgnoreCase("RunInstancesInput")
                        ? "; the ec2-spot-instance type takes RequestSpotInstancesInput" : "";
                throw InstanceException.invalid(e.getKey(), "unknown field; expected one of "
                        + new java.util.TreeSet<>(members) + hint);
            }
            if (!seen.add(member)) {
                throw InstanceException.invalid(e.getKey(), "given twice");
            }
            if (e.getValue().isNull()) {
                continue;
            }
            switch (member) {
                case "Tags" -> tagsNode = e.getValue();
                case "AttachVolumeInputs" -> attach = e.getValue();
                default -> input = e.getValue();
            }
        }
        Map<String, String> tags = new TreeMap<>();
        List<TagSpecification> volumeTags = new ArrayList<>();
        RunInstancesRequest request;
        if (spot) {
            if (input == null) {
                throw InstanceException.invalid("RequestSpotInstancesInput", "is required");
            }
            request = fromSpot((RequestSpotInstancesRequest) Ec2ModelReader.read(input,
                    RequestSpotInstancesRequest::builder, "RequestSpotInstancesInput"));
        } else {
            if (input == null) {
                throw InstanceException.invalid("RunInstancesInput", "is required");
            }
            request = (RunInstancesRequest) Ec2ModelReader.read(input, RunInstancesRequest::builder,
                    "RunInstancesInput");
            checkRunInstances(request, tags, volumeTags);
        }
        if (tagsNode != null) {
            if (!tagsNode.isObject()) {
                throw InstanceException.invalid("Tags", "must be an object of strings, got "
                        + JsonPaths.kind(tagsNode));
            }
            for (var it = tagsNode.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isTextual()) {
                    throw InstanceException.invalid("Tags." + e.getKey(), "must be a string, got "
                            + JsonPaths.kind(e.getValue()));
                }
                tags.put(e.getKey(), e.getValue().textValue());
            }
        }
        tags.forEach((k, v) -> {
            try {
                Ec2Tags.checkKey(k);
                Ec2Tags.checkValue(k, v);
            } catch (IllegalArgumentException bad) {
                throw InstanceException.invalid("Tags", bad.getMessage());
            }
        });
        return new Ec2ReferenceProperties(tags, request, volumeTags, attachVolumes(attach));
    }

    /** What the plugin owns or cannot honour in RunInstancesInput; instance TagSpecifications join the tags. */
    private static void checkRunInstances(RunInstancesRequest r, Map<String, String> tags,
                                          List<TagSpecification> volumeTags) {
        String at = "RunInstancesInput.";
        if (r.imageId() == null) {
            throw InstanceException.invalid(at + "ImageId", "is required");
        }
        if (r.instanceType() == InstanceType.UNKNOWN_TO_SDK_VERSION) {
            throw InstanceException.invalid(at + "InstanceType", "unknown instance type "
                    + GoQuote.quote(r.instanceTypeAsString()));
        }
        // One Provision is one instance: the plugin sets the count, as the Go plugin forced it.
        if (r.minCount() != null && r.minCount() != 1) {
            throw InstanceException.invalid(at + "MinCount", "must be 1 or absent: one Provision launches one "
                    + "instance, got " + r.minCount());
        }
        if (r.maxCount() != null && r.maxCount() != 1) {
            throw InstanceException.invalid(at + "MaxCount", "must be 1 or absent: one Provision launches one "
                    + "instance, got " + r.maxCount());
        }
        if (r.clientToken() != null) {
            throw InstanceException.invalid(at + "ClientToken", "is set by the plugin (each Provision's own "
                    + "idempotency token); a fixed token would make every instance of a group the same one");
        }
        if (Boolean.TRUE.equals(r.dryRun())) {
            throw InstanceException.invalid(at + "DryRun", "a Provision cannot be a dry run; the plugin's "
                    + "--validate-dry-run makes Validate send one");
        }
        if (r.userData() != null && r.userData().getBytes(StandardCharsets.UTF_8).length
                > Ec2LaunchRequest.MAX_USER_DATA) {
            throw InstanceException.invalid(at + "UserData", "EC2 takes at most " + Ec2LaunchRequest.MAX_USER_DATA
                    + " bytes of user data");
        }
        List<TagSpecification> specs = r.hasTagSpecifications() ? r.tagSpecifications() : List.of();
        for (int i = 0; i < specs.size(); i++) {
            String type = specs.get(i).resourceTypeAsString();
            if ("instance".equals(type)) {
                specs.get(i).tags().forEach(t -> tags.put(t.key(), t.value()));
            } else if ("volume".equals(type)) {
                volumeTags.add(specs.get(i));
            } else {
                throw InstanceException.invalid(at + "TagSpecifications[" + i + "].ResourceType", "must be "
                        + "\"instance\" or \"volume\" (the plugin tags what it launches), got "
                        + GoQuote.quote(type));
            }
        }
    }

    /**
     * A one-time spot request as RunInstances with spot market options: the same launch, and the instance id is
     * the InfraKit id (the Go plugin's was the request's {@code sir-} id).
     */
    private static RunInstancesRequest fromSpot(RequestSpotInstancesRequest s) {
        String at = "RequestSpotInstancesInput.";
        refuse(s.availabilityZoneGroup(), at + "AvailabilityZoneGroup", "groups of spot requests are not "
                + "supported: one Provision launches one instance");
        refuse(s.launchGroup(), at + "LaunchGroup", "groups of spot requests are not supported: one Provision "
                + "launches one instance");
        refuse(s.blockDurationMinutes(), at + "BlockDurationMinutes", "spot blocks (defined duration) are not "
                + "supported: EC2 no longer offers them");
        refuse(s.validFrom(), at + "ValidFrom", "a launch happens at Provision; a spot request starting later is "
                + "not supported");
        refuse(s.clientToken(), at + "ClientToken", "is set by the plugin (each Provision's own idempotency token)");
        refuse(s.hasTagSpecifications() ? s.tagSpecifications() : null, at + "TagSpecifications",
                "the plugin tags the instance and its spot request with Tags and the spec's tags; put tags there");
        if (Boolean.TRUE.equals(s.dryRun())) {
            throw InstanceException.invalid(at + "DryRun", "a Provision cannot be a dry run");
        }
        if (s.instanceCount() != null && s.instanceCount() != 1) {
            throw InstanceException.invalid(at + "InstanceCount", "must be 1 or absent: one Provision launches one "
                    + "instance, got " + s.instanceCount());
        }
        if (s.type() != null && !"one-time".equals(s.typeAsString())) {
            throw InstanceException.invalid(at + "Type", "only \"one-time\" is supported: a persistent request "
                    + "relaunches once Destroy terminates its instance (an orphan the group never sees), got "
                    + GoQuote.quote(s.typeAsString()));
        }
        if (s.instanceInterruptionBehavior() != null && !"terminate".equals(s.instanceInterruptionBehaviorAsString())) {
            throw InstanceException.invalid(at + "InstanceInterruptionBehavior", "only \"terminate\" is supported "
                    + "for one-time spot instances, got " + GoQuote.quote(
                    s.instanceInterruptionBehaviorAsString()));
        }
        if (s.spotPrice() != null) {
            try {
                if (new java.math.BigDecimal(s.spotPrice()).signum() <= 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw InstanceException.invalid(at + "SpotPrice", "must be a positive decimal price such as "
                        + "\"0.05\", got " + GoQuote.quote(s.spotPrice()));
            }
        }
        RequestSpotLaunchSpecification l = s.launchSpecification();
        if (l == null) {
            throw InstanceException.invalid(at + "LaunchSpecification", "is required");
        }
        String ls = at + "LaunchSpecification.";
        if (l.imageId() == null) {
            throw InstanceException.invalid(ls + "ImageId", "is required");
        }
        if (l.instanceType() == InstanceType.UNKNOWN_TO_SDK_VERSION) {
            throw InstanceException.invalid(ls + "InstanceType", "unknown instance type "
                    + GoQuote.quote(l.instanceTypeAsString()));
        }
        refuse(l.addressingType(), ls + "AddressingType", "is not part of a RunInstances launch (EC2 ignores it "
                + "for VPC instances)");
        if (l.userData() != null && l.userData().getBytes(StandardCharsets.UTF_8).length
                > Ec2LaunchRequest.MAX_USER_DATA) {
            throw InstanceException.invalid(ls + "UserData", "EC2 takes at most " + Ec2LaunchRequest.MAX_USER_DATA
                    + " bytes of user data");
        }
        RunInstancesRequest.Builder b = RunInstancesRequest.builder().imageId(l.imageId())
                .instanceType(l.instanceTypeAsString()).kernelId(l.kernelId()).keyName(l.keyName())
                .ramdiskId(l.ramdiskId()).subnetId(l.subnetId()).ebsOptimized(l.ebsOptimized())
                .iamInstanceProfile(l.iamInstanceProfile()).monitoring(l.monitoring()).userData(l.userData());
        if (l.hasSecurityGroupIds()) {
            b.securityGroupIds(l.securityGroupIds());
        }
        if (l.hasSecurityGroups()) {
            b.securityGroups(l.securityGroups());
        }
        if (l.hasBlockDeviceMappings()) {
            b.blockDeviceMappings(l.blockDeviceMappings());
        }
        if (l.hasNetworkInterfaces()) {
            b.networkInterfaces(l.networkInterfaces());
        }
        if (l.placement() != null) {
            b.placement(p -> p.availabilityZone(l.placement().availabilityZone())
                    .groupName(l.placement().groupName()).tenancy(l.placement().tenancyAsString())
                    .availabilityZoneId(l.placement().availabilityZoneId()));
        }
        return b.instanceMarketOptions(InstanceMarketOptionsRequest.builder().marketType("spot")
                .spotOptions(SpotMarketOptions.builder().maxPrice(s.spotPrice()).spotInstanceType("one-time")
                        .validUntil(s.validUntil()).instanceInterruptionBehavior(
                                s.instanceInterruptionBehavior() == null ? null : "terminate").build())
                .build()).build();
    }

    private static void refuse(Object value, String field, String why) {
        if (value != null) {
            throw InstanceException.invalid(field, why);
        }
    }

    /**
     * {@code AttachVolumeInputs}: a list of {@code {Device, VolumeId}}; a single object is taken as a list of one
     * (InfraKit's own template pkg/core/testdata/aws-instance-template.yml wrote it so). {@code InstanceId} is
     * replaced by the launched instance's, as the Go plugin did.
     */
    private static List<AttachVolume> attachVolumes(JsonNode node) {
        if (node == null) {
            return List.of();
        }
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else if (node.isObject()) {
            items.add(node);
        } else {
            throw InstanceException.invalid("AttachVolumeInputs", "must be a list of {Device, VolumeId}, got "
                    + JsonPaths.kind(node));
        }
        List<AttachVolume> out = new ArrayList<>();
        Set<String> volumes = new HashSet<>();
        Set<String> devices = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String at = "AttachVolumeInputs[" + i + "]";
            if (items.get(i).isNull()) {
                throw InstanceException.invalid(at, "must not be null");
            }
            AttachVolumeRequest a = (AttachVolumeRequest) Ec2ModelReader.read(items.get(i),
                    AttachVolumeRequest::builder, at);
            if (a.volumeId() == null || !a.volumeId().startsWith("vol-") || a.volumeId().length() == 4) {
                throw InstanceException.invalid(at + ".VolumeId", "must be a volume id (vol-...), got "
                        + GoQuote.quote(String.valueOf(a.volumeId())));
            }
            if (a.device() == null || !Ec2Properties.DEVICE.matcher(a.device()).matches()) {
                throw InstanceException.invalid(at + ".Device", "must be a device name such as /dev/sdf or "
                        + "/dev/xvdf, got " + GoQuote.quote(String.valueOf(a.device())));
            }
            if (Boolean.TRUE.equals(a.dryRun()) || a.ebsCardIndex() != null) {
                throw InstanceException.invalid(at + (a.ebsCardIndex() != null ? ".EbsCardIndex" : ".DryRun"),
                        "is not supported for attachments after launch");
            }
            if (!volumes.add(a.volumeId()) || !devices.add(a.device())) {
                throw InstanceException.invalid(at, "volume or device listed twice");
            }
            out.add(new AttachVolume(a.volumeId(), a.device()));
        }
        return out;
    }

    @Override
    public RunInstancesRequest.Builder toRequest() {
        // UserData goes through Ec2LaunchRequest (base64, or replaced by Init), as the Go plugin did.
        return request.toBuilder().userData(null).minCount(null).maxCount(null).tagSpecifications((List<TagSpecification>) null);
    }

    @Override
    public Optional<String> userData() {
        return Optional.ofNullable(request.userData()).filter(s -> !s.isEmpty());
    }

    @Override
    public List<TagSpecification> volumeTags(Map<String, String> instanceTags) {
        if (volumeTagSpecs.isEmpty()) {
            return List.of(TagSpecification.builder().resourceType("volume").tags(Ec2Tags.toSdk(instanceTags)).build());
        }
        return volumeTagSpecs.stream().map(v -> {
            Map<String, String> merged = new TreeMap<>(instanceTags);
            v.tags().forEach((Tag t) -> merged.put(t.key(), t.value()));
            return v.toBuilder().tags(Ec2Tags.toSdk(merged)).build();
        }).toList();
    }

    @Override
    public List<String> volumeIds() {
        return attachVolumes.stream().map(AttachVolume::volumeId).toList();
    }

    @Override
    public List<String> deviceNames() {
        List<String> out = new ArrayList<>(attachVolumes.stream().map(AttachVolume::device).toList());
        Ec2Properties.AttachmentOptions.DEFAULT_DEVICES.stream().filter(d -> !out.contains(d)).forEach(out::add);
        return out;
    }
}
