package org.infrakit4j.aws;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.GoQuote;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataOptionsRequest;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.InstanceMarketOptionsRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SpotMarketOptions;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.VolumeType;
import org.infrakit4j.runtime.Schema;
import org.infrakit4j.runtime.StrictProperties;

/**
 * The instance Properties: the RunInstances fields users set, in the EC2 API's own names, plus instance
 * {@code Tags} (as the reference plugin had) and the plugin's {@code Attachment} options. Decoded strictly by
 * {@link Ec2PropertiesDecoder}; every constructor checks what can be checked without calling AWS. Its JSON Schema
 * ({@code --properties-schema}) is derived from these records and their {@link Schema} facts.
 */
@Schema(title = "infrakit4j instance-aws Properties",
        description = "RunInstances fields in the EC2 API's names, plus Tags and Attachment. Member names match "
                + "case-insensitively (as Go's encoding/json); unknown members are refused.")
public record Ec2Properties(
        @Schema(required = true, pattern = "^ami-.", description = "The AMI to launch.")
        @JsonProperty("ImageId") String imageId,
        @Schema(required = true, description = "An instance type the AWS SDK knows, e.g. t3.micro.")
        @JsonProperty("InstanceType") String instanceType,
        @JsonProperty("KeyName") String keyName,
        @Schema(pattern = "^subnet-.") @JsonProperty("SubnetId") String subnetId,
        @Schema(pattern = "^sg-.") @JsonProperty("SecurityGroupIds") List<String> securityGroupIds,
        @JsonProperty("IamInstanceProfile") IamInstanceProfile iamInstanceProfile,
        @JsonProperty("BlockDeviceMappings") List<DeviceMapping> blockDeviceMappings,
        @JsonProperty("EbsOptimized") Boolean ebsOptimized,
        @JsonProperty("Monitoring") Monitoring monitoring,
        @JsonProperty("Placement") Placement placement,
        @Schema(pattern = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
                + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$", description = "An IPv4 address in the subnet.")
        @JsonProperty("PrivateIpAddress") String privateIpAddress,
        @JsonProperty("MetadataOptions") MetadataOptions metadataOptions,
        @JsonProperty("InstanceMarketOptions") InstanceMarketOptions instanceMarketOptions,
        @JsonProperty("CreditSpecification") CreditSpecification creditSpecification,
        @Schema(description = "At most one entry, ResourceType volume: extra tags for the launched volumes "
                + "(default: the instance's tags).")
        @JsonProperty("TagSpecifications") List<VolumeTags> tagSpecifications,
        @Schema(description = "Instance tags, besides the spec's.") @JsonProperty("Tags") Map<String, String> tags,
        @JsonProperty("Attachment") AttachmentOptions attachment) implements Ec2Launch {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    static final Pattern DEVICE = Pattern.compile("/dev/(sd|xvd)[a-z]{1,2}");

    public Ec2Properties {
        require("ImageId", imageId);
        require("InstanceType", instanceType);
        prefix("ImageId", imageId, "ami-");
        if (InstanceType.fromValue(instanceType) == InstanceType.UNKNOWN_TO_SDK_VERSION) {
            throw new StrictProperties.Problem("InstanceType", "unknown instance type " + quote(instanceType));
        }
        prefix("SubnetId", subnetId, "subnet-");
        securityGroupIds = StrictProperties.listOf("SecurityGroupIds", securityGroupIds);
        for (int i = 0; i < securityGroupIds.size(); i++) {
            prefix("SecurityGroupIds[" + i + "]", securityGroupIds.get(i), "sg-");
        }
        blockDeviceMappings = StrictProperties.listOf("BlockDeviceMappings", blockDeviceMappings);
        Set<String> devices = new HashSet<>();
        for (int i = 0; i < blockDeviceMappings.size(); i++) {
            if (!devices.add(blockDeviceMappings.get(i).deviceName())) {
                throw new StrictProperties.Problem("BlockDeviceMappings[" + i + "].DeviceName", "device "
                        + quote(blockDeviceMappings.get(i).deviceName()) + " is mapped twice");
            }
        }
        if (privateIpAddress != null && !IPV4.matcher(privateIpAddress).matches()) {
            throw new StrictProperties.Problem("PrivateIpAddress", "must be an IPv4 address, got " + quote(privateIpAddress));
        }
        tagSpecifications = StrictProperties.listOf("TagSpecifications", tagSpecifications);
        if (tagSpecifications.size() > 1) {
            throw new StrictProperties.Problem("TagSpecifications[1]", "only one entry (ResourceType \"volume\") is accepted");
        }
        if (tags != null && tags.containsValue(null)) {
            throw new StrictProperties.Problem("Tags", "tag values must be strings, not null");
        }
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        for (Map.Entry<String, String> e : tags.entrySet()) {
            try {
                Ec2Tags.checkKey(e.getKey());
                Ec2Tags.checkValue(e.getKey(), e.getValue());
            } catch (IllegalArgumentException bad) {
                throw new StrictProperties.Problem("Tags", bad.getMessage());
            }
        }
        attachment = attachment == null ? AttachmentOptions.DEFAULT : attachment;
    }

    @Override
    public Optional<String> userData() {
        return Optional.empty();
    }

    @Override
    public List<TagSpecification> volumeTags(Map<String, String> instanceTags) {
        if (tagSpecifications.isEmpty()) {
            return List.of(TagSpecification.builder().resourceType("volume").tags(Ec2Tags.toSdk(instanceTags)).build());
        }
        return tagSpecifications.stream().map(v -> v.toSdk(instanceTags)).toList();
    }

    @Override
    public List<String> volumeIds() {
        return List.of();
    }

    @Override
    public List<String> deviceNames() {
        return attachment.deviceNames();
    }

    /** The RunInstances request these Properties describe (without count, tags, UserData or token). */
    @Override
    public RunInstancesRequest.Builder toRequest() {
        RunInstancesRequest.Builder b = RunInstancesRequest.builder().imageId(imageId).instanceType(instanceType)
                .keyName(keyName).subnetId(subnetId).ebsOptimized(ebsOptimized).privateIpAddress(privateIpAddress);
        if (!securityGroupIds.isEmpty()) {
            b.securityGroupIds(securityGroupIds);
        }
        if (iamInstanceProfile != null) {
            b.iamInstanceProfile(p -> p.arn(iamInstanceProfile.arn()).name(iamInstanceProfile.name()));
        }
        if (!blockDeviceMappings.isEmpty()) {
            b.blockDeviceMappings(blockDeviceMappings.stream().map(DeviceMapping::toSdk).toList());
        }
        if (monitoring != null) {
            b.monitoring(m -> m.enabled(monitoring.enabled()));
        }
        if (placement != null) {
            b.placement(p -> p.availabilityZone(placement.availabilityZone()).groupName(placement.groupName())
                    .tenancy(placement.tenancy()).hostId(placement.hostId())
                    .partitionNumber(placement.partitionNumber()));
        }
        if (metadataOptions != null) {
            b.metadataOptions(metadataOptions.toSdk());
        }
        if (instanceMarketOptions != null) {
            b.instanceMarketOptions(instanceMarketOptions.toSdk());
        }
        if (creditSpecification != null) {
            b.creditSpecification(c -> c.cpuCredits(creditSpecification.cpuCredits()));
        }
        return b;
    }

    /** {@code IamInstanceProfile}: by ARN or by name. */
    public record IamInstanceProfile(@JsonProperty("Arn") String arn, @JsonProperty("Name") String name) {
        public IamInstanceProfile {
            if ((arn == null) == (name == null)) {
                throw new StrictProperties.Problem("", "give exactly one of Arn and Name");
            }
        }
    }

    /** One of {@code BlockDeviceMappings}. */
    public record DeviceMapping(@Schema(required = true) @JsonProperty("DeviceName") String deviceName,
                                @JsonProperty("VirtualName") String virtualName,
                                @JsonProperty("NoDevice") String noDevice,
                                @JsonProperty("Ebs") Ebs ebs) {
        public DeviceMapping {
            require("DeviceName", deviceName);
        }

        BlockDeviceMapping toSdk() {
            return BlockDeviceMapping.builder().deviceName(deviceName).virtualName(virtualName).noDevice(noDevice)
                    .ebs(ebs == null ? null : ebs.toSdk()).build();
        }
    }

    /** {@code Ebs} of a block device mapping. */
    public record Ebs(@JsonProperty("DeleteOnTermination") Boolean deleteOnTermination,
                      @JsonProperty("Iops") Integer iops,
                      @Schema(pattern = "^snap-.") @JsonProperty("SnapshotId") String snapshotId,
                      @Schema(minimum = 1, maximum = 65536, description = "GiB.")
                      @JsonProperty("VolumeSize") Integer volumeSize,
                      @Schema(description = "A volume type the AWS SDK knows, e.g. gp3.")
                      @JsonProperty("VolumeType") String volumeType,
                      @JsonProperty("KmsKeyId") String kmsKeyId,
                      @JsonProperty("Throughput") Integer throughput,
                      @JsonProperty("Encrypted") Boolean encrypted) {
        public Ebs {
            if (volumeSize != null && (volumeSize < 1 || volumeSize > 65536)) {
                throw new StrictProperties.Problem("VolumeSize", "must be 1 to 65536 (GiB), got " + volumeSize);
            }
            oneOf("VolumeType", volumeType, VolumeType::fromValue, VolumeType.UNKNOWN_TO_SDK_VERSION);
            prefix("SnapshotId", snapshotId, "snap-");
        }

        EbsBlockDevice toSdk() {
            return EbsBlockDevice.builder().deleteOnTermination(deleteOnTermination).iops(iops).snapshotId(snapshotId)
                    .volumeSize(volumeSize).volumeType(volumeType).kmsKeyId(kmsKeyId).throughput(throughput)
                    .encrypted(encrypted).build();
        }
    }

    /** {@code Monitoring}: detailed CloudWatch monitoring. */
    public record Monitoring(@Schema(required = true) @JsonProperty("Enabled") Boolean enabled) {
        public Monitoring {
            require("Enabled", enabled);
        }
    }

    /** {@code Placement}. */
    public record Placement(@JsonProperty("AvailabilityZone") String availabilityZone,
                            @JsonProperty("GroupName") String groupName,
                            @Schema(values = {"default", "dedicated", "host"}) @JsonProperty("Tenancy") String tenancy,
                            @JsonProperty("HostId") String hostId,
                            @JsonProperty("PartitionNumber") Integer partitionNumber) {
        public Placement {
            oneOf("Tenancy", tenancy, Set.of("default", "dedicated", "host"));
        }

        Placement withAvailabilityZone(String zone) {
            return new Placement(zone, groupName, tenancy, hostId, partitionNumber);
        }
    }

    /** {@code MetadataOptions}: the instance metadata service (IMDS). */
    public record MetadataOptions(@Schema(values = {"optional", "required"}) @JsonProperty("HttpTokens")
                                  String httpTokens,
                                  @Schema(minimum = 1, maximum = 64) @JsonProperty("HttpPutResponseHopLimit")
                                  Integer httpPutResponseHopLimit,
                                  @Schema(values = {"enabled", "disabled"}) @JsonProperty("HttpEndpoint")
                                  String httpEndpoint,
                                  @Schema(values = {"enabled", "disabled"}) @JsonProperty("HttpProtocolIpv6")
                                  String httpProtocolIpv6,
                                  @Schema(values = {"enabled", "disabled"}) @JsonProperty("InstanceMetadataTags")
                                  String instanceMetadataTags) {
        public MetadataOptions {
            oneOf("HttpTokens", httpTokens, Set.of("optional", "required"));
            oneOf("HttpEndpoint", httpEndpoint, Set.of("enabled", "disabled"));
            oneOf("HttpProtocolIpv6", httpProtocolIpv6, Set.of("enabled", "disabled"));
            oneOf("InstanceMetadataTags", instanceMetadataTags, Set.of("enabled", "disabled"));
            if (httpPutResponseHopLimit != null && (httpPutResponseHopLimit < 1 || httpPutResponseHopLimit > 64)) {
                throw new StrictProperties.Problem("HttpPutResponseHopLimit", "must be 1 to 64, got " + httpPutResponseHopLimit);
            }
        }

        InstanceMetadataOptionsRequest toSdk() {
            return InstanceMetadataOptionsRequest.builder().httpTokens(httpTokens)
                    .httpPutResponseHopLimit(httpPutResponseHopLimit).httpEndpoint(httpEndpoint)
                    .httpProtocolIpv6(httpProtocolIpv6).instanceMetadataTags(instanceMetadataTags).build();
        }
    }

    /** {@code InstanceMarketOptions}: spot instances launched by RunInstances itself. */
    public record InstanceMarketOptions(@Schema(required = true, values = "spot") @JsonProperty("MarketType")
                                        String marketType,
                                        @JsonProperty("SpotOptions") SpotOptions spotOptions) {
        public InstanceMarketOptions {
            require("MarketType", marketType);
            oneOf("MarketType", marketType, Set.of("spot"));
        }

        InstanceMarketOptionsRequest toSdk() {
            return InstanceMarketOptionsRequest.builder().marketType(marketType)
                    .spotOptions(spotOptions == null ? null : spotOptions.toSdk()).build();
        }
    }

    /** {@code SpotOptions}. Only one-time requests: the group replaces lost instances itself. */
    public record SpotOptions(@Schema(description = "A positive decimal price, e.g. \"0.05\".")
                              @JsonProperty("MaxPrice") String maxPrice,
                              @Schema(values = "one-time") @JsonProperty("SpotInstanceType") String spotInstanceType,
                              @Schema(values = "terminate") @JsonProperty("InstanceInterruptionBehavior")
                              String instanceInterruptionBehavior,
                              @Schema(description = "An ISO-8601 instant, e.g. \"2030-01-01T00:00:00Z\".")
                              @JsonProperty("ValidUntil") String validUntil) {
        public SpotOptions {
            if (maxPrice != null) {
                try {
                    if (new BigDecimal(maxPrice).signum() <= 0) {
                        throw new StrictProperties.Problem("MaxPrice", "must be a positive price, got " + quote(maxPrice));
                    }
                } catch (NumberFormatException e) {
                    throw new StrictProperties.Problem("MaxPrice", "must be a decimal price such as \"0.05\", got "
                            + quote(maxPrice));
                }
            }
            if ("persistent".equals(spotInstanceType)) {
                // A persistent request relaunches once Destroy terminates its instance: an orphan the group never sees.
                throw new StrictProperties.Problem("SpotInstanceType", "persistent spot requests are not supported (a "
                        + "destroyed instance would be relaunched); use one-time");
            }
            oneOf("SpotInstanceType", spotInstanceType, Set.of("one-time"));
            oneOf("InstanceInterruptionBehavior", instanceInterruptionBehavior, Set.of("terminate"));
            if (validUntil != null) {
                try {
                    Instant.parse(validUntil);
                } catch (DateTimeParseException e) {
                    throw new StrictProperties.Problem("ValidUntil", "must be an ISO-8601 instant such as "
                            + "\"2030-01-01T00:00:00Z\", got " + quote(validUntil));
                }
            }
        }

        SpotMarketOptions toSdk() {
            return SpotMarketOptions.builder().maxPrice(maxPrice).spotInstanceType(spotInstanceType)
                    .instanceInterruptionBehavior(instanceInterruptionBehavior)
                    .validUntil(validUntil == null ? null : Instant.parse(validUntil)).build();
        }
    }

    /** {@code CreditSpecification} of burstable (T) instances. */
    public record CreditSpecification(@Schema(required = true, values = {"standard", "unlimited"})
                                      @JsonProperty("CpuCredits") String cpuCredits) {
        public CreditSpecification {
            require("CpuCredits", cpuCredits);
            oneOf("CpuCredits", cpuCredits, Set.of("standard", "unlimited"));
        }
    }

    /** One of {@code TagSpecifications}: extra tags for the volumes launched with the instance. */
    public record VolumeTags(@Schema(required = true, values = "volume") @JsonProperty("ResourceType")
                             String resourceType,
                             @JsonProperty("Tags") List<Tag> tags) {
        public VolumeTags {
            require("ResourceType", resourceType);
            if (!resourceType.equals("volume")) {
                throw new StrictProperties.Problem("ResourceType", "only \"volume\" is accepted here; instance tags go in Tags "
                        + "or the spec's tags, got " + quote(resourceType));
            }
            tags = StrictProperties.listOf("Tags", tags);
            for (int i = 0; i < tags.size(); i++) {
                try {
                    Ec2Tags.checkKey(tags.get(i).key());
                    Ec2Tags.checkValue(tags.get(i).key(), tags.get(i).value());
                } catch (IllegalArgumentException e) {
                    throw new StrictProperties.Problem("Tags[" + i + "]", e.getMessage());
                }
            }
        }

        TagSpecification toSdk(Map<String, String> instanceTags) {
            Map<String, String> merged = new java.util.TreeMap<>(instanceTags);
            tags.forEach(t -> merged.put(t.key(), t.value()));
            return TagSpecification.builder().resourceType(resourceType).tags(Ec2Tags.toSdk(merged)).build();
        }
    }

    /** A tag in EC2's list form. */
    public record Tag(@Schema(required = true) @JsonProperty("Key") String key,
                      @JsonProperty("Value") String value) {
        public Tag {
            require("Key", key);
            value = value == null ? "" : value;
        }
    }

    /**
     * {@code Attachment}: how spec Attachments of type {@code ebs} are attached. Each volume gets the first of
     * {@code DeviceNames} that the instance does not use yet.
     */
    public record AttachmentOptions(@Schema(pattern = "^/dev/(sd|xvd)[a-z]{1,2}$", description = "Devices to attach "
            + "spec Attachments of type ebs at, each volume at the first free one (default /dev/sdf to /dev/sdp).")
                                    @JsonProperty("DeviceNames") List<String> deviceNames) {
        static final List<String> DEFAULT_DEVICES = List.of("/dev/sdf", "/dev/sdg", "/dev/sdh", "/dev/sdi",
                "/dev/sdj", "/dev/sdk", "/dev/sdl", "/dev/sdm", "/dev/sdn", "/dev/sdo", "/dev/sdp");
        static final AttachmentOptions DEFAULT = new AttachmentOptions(null);

        public AttachmentOptions {
            deviceNames = deviceNames == null || deviceNames.isEmpty() ? DEFAULT_DEVICES
                    : StrictProperties.listOf("DeviceNames", deviceNames);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < deviceNames.size(); i++) {
                String d = deviceNames.get(i);
                if (!DEVICE.matcher(d).matches()) {
                    throw new StrictProperties.Problem("DeviceNames[" + i + "]", "must be a device name such as /dev/sdf or "
                            + "/dev/xvdf, got " + quote(d));
                }
                if (!seen.add(d)) {
                    throw new StrictProperties.Problem("DeviceNames[" + i + "]", quote(d) + " is listed twice");
                }
            }
        }
    }

    // --- checks shared by the records ---

    private static void require(String field, Object value) {
        if (value == null) {
            throw new StrictProperties.Problem(field, "is required");
        }
    }

    private static void prefix(String field, String value, String prefix) {
        if (value != null && (!value.startsWith(prefix) || value.length() == prefix.length())) {
            throw new StrictProperties.Problem(field, "must be an id starting with " + prefix + ", got " + quote(value));
        }
    }

    private static void oneOf(String field, String value, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw new StrictProperties.Problem(field, "must be one of " + new java.util.TreeSet<>(allowed) + ", got "
                    + quote(value));
        }
    }

    private static <E> void oneOf(String field, String value, Function<String, E> parse, E unknown) {
        if (value != null && parse.apply(value) == unknown) {
            throw new StrictProperties.Problem(field, "unknown value " + quote(value));
        }
    }

    private static String quote(String value) {
        return org.infrakit4j.rpc.GoQuote.quote(value);
    }
}
