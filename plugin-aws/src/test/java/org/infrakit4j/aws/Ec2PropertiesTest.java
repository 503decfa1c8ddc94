package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** Properties decoding, the RunInstances request built from them, and the ClientToken: no AWS involved. */
class Ec2PropertiesTest {
    private static final String BASE = "\"ImageId\":\"ami-12c6146b\",\"InstanceType\":\"t3.micro\"";

    private static Ec2Properties decode(String members) {
        return Ec2PropertiesDecoder.ours(new RawJson("{" + BASE + (members.isEmpty() ? "" : "," + members) + "}"));
    }

    private static void assertInvalid(String json, String message) {
        assertThatThrownBy(() -> Ec2PropertiesDecoder.ours(new RawJson(json)))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                    assertThat(WireErrors.text(e)).isEqualTo("invalid properties: " + message);
                });
    }

    private static void assertInvalidMember(String members, String message) {
        assertInvalid("{" + BASE + "," + members + "}", message);
    }

    @Test
    void validateNamesNestedFieldPaths() {
        assertInvalid("null", "Properties: is required: at least ImageId and InstanceType");
        assertInvalid("{\"ImageId\":\"ami-1\"}", "Properties.InstanceType: is required");
        assertInvalid("{\"ImageId\":\"ami-1\",\"InstanceTyp\":\"t3.micro\"}", "Properties.InstanceTyp: unknown "
                + "field (known: Attachment, BlockDeviceMappings, CreditSpecification, EbsOptimized, "
                + "IamInstanceProfile, ImageId, InstanceMarketOptions, InstanceType, KeyName, MetadataOptions, "
                + "Monitoring, Placement, PrivateIpAddress, SecurityGroupIds, SubnetId, TagSpecifications, Tags)");
        assertInvalidMember("\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\",\"Ebs\":{\"Size\":0}}]",
                "Properties.BlockDeviceMappings[0].Ebs.Size: unknown field (known: DeleteOnTermination, "
                        + "Encrypted, Iops, KmsKeyId, SnapshotId, Throughput, VolumeSize, VolumeType)");
        assertInvalidMember("\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\",\"Ebs\":{\"VolumeSize\":0}}]",
                "Properties.BlockDeviceMappings[0].Ebs.VolumeSize: must be 1 to 65536 (GiB), got 0");
        assertInvalidMember("\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\",\"Ebs\":{\"VolumeSize\":8.5}}]",
                "Properties.BlockDeviceMappings[0].Ebs.VolumeSize: must be an integer, got a number");
        assertInvalidMember("\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\"},{\"Ebs\":{}}]",
                "Properties.BlockDeviceMappings[1].DeviceName: is required");
        assertInvalidMember("\"SecurityGroupIds\":[\"sg-1\",\"default\"]",
                "Properties.SecurityGroupIds[1]: must be an id starting with sg-, got \"default\"");
        assertInvalidMember("\"IamInstanceProfile\":{\"Arn\":\"arn:x\",\"Name\":\"n\"}",
                "Properties.IamInstanceProfile: give exactly one of Arn and Name");
        assertInvalidMember("\"Placement\":{\"Zone\":\"us-east-1a\"}", "Properties.Placement.Zone: unknown field "
                + "(known: AvailabilityZone, GroupName, HostId, PartitionNumber, Tenancy)");
        assertInvalidMember("\"Attachment\":{\"DeviceNames\":[\"/dev/sdf\",\"sdg\"]}",
                "Properties.Attachment.DeviceNames[1]: must be a device name such as /dev/sdf or /dev/xvdf, got "
                        + "\"sdg\"");
        assertInvalidMember("\"TagSpecifications\":[{\"ResourceType\":\"volume\",\"Tags\":[{\"Key\":\"aws:x\"}]}]",
                "Properties.TagSpecifications[0].Tags[0]: tag key \"aws:x\": keys starting with aws: are reserved by "
                        + "AWS");
        assertInvalidMember("\"Tags\":{\"infrakit4j.managed-by\":\"me\"}", "Properties.Tags: tag key "
                + "\"infrakit4j.managed-by\": keys starting with infrakit4j. are reserved by the plugin");
        assertInvalidMember("\"EbsOptimized\":\"true\"", "Properties.EbsOptimized: must be a boolean, got a string");
        assertInvalidMember("\"SecurityGroupIds\":\"sg-1\"", "Properties.SecurityGroupIds: must be an array, got a string");
        assertInvalidMember("\"UserData\":\"x\"", "Properties.UserData: unknown field (known: "
                + "Attachment, BlockDeviceMappings, CreditSpecification, EbsOptimized, IamInstanceProfile, ImageId, "
                + "InstanceMarketOptions, InstanceType, KeyName, MetadataOptions, Monitoring, Placement, "
                + "PrivateIpAddress, SecurityGroupIds, SubnetId, TagSpecifications, Tags)");
        assertInvalidMember("\"MetadataOptions\":{\"HttpTokens\":\"always\"}",
                "Properties.MetadataOptions.HttpTokens: must be one of [optional, required], got \"always\"");
        assertInvalid("{" + BASE.replace("t3.micro", "t3.mega") + "}",
                "Properties.InstanceType: unknown instance type \"t3.mega\"");
        assertInvalid("{" + BASE + ",\"ImageId\":\"ami-2\"}", "Properties: is not valid JSON: Duplicate field "
                + "'ImageId'");
        assertInvalid("{" + BASE + "} {}", "Properties: has data after the JSON object");
        assertInvalid("[]", "Properties: must be an object, got an array");
    }

    @Test
    void allDocumentedFieldsDecode() {
        Ec2Properties p = decode("\"KeyName\":\"ops\",\"SubnetId\":\"subnet-1\",\"SecurityGroupIds\":[\"sg-1\"],"
                + "\"IamInstanceProfile\":{\"Name\":\"node\"},\"EbsOptimized\":true,\"Monitoring\":{\"Enabled\":true},"
                + "\"Placement\":{\"AvailabilityZone\":\"us-east-1a\",\"Tenancy\":\"default\"},"
                + "\"PrivateIpAddress\":\"10.0.0.5\",\"MetadataOptions\":{\"HttpTokens\":\"required\","
                + "\"HttpPutResponseHopLimit\":2},\"InstanceMarketOptions\":{\"MarketType\":\"spot\",\"SpotOptions\":"
                + "{\"MaxPrice\":\"0.01\",\"ValidUntil\":\"2030-01-01T00:00:00Z\"}},"
                + "\"CreditSpecification\":{\"CpuCredits\":\"unlimited\"},\"BlockDeviceMappings\":[{\"DeviceName\":"
                + "\"/dev/sdb\",\"Ebs\":{\"VolumeSize\":64,\"VolumeType\":\"gp3\",\"DeleteOnTermination\":true}}],"
                + "\"TagSpecifications\":[{\"ResourceType\":\"volume\",\"Tags\":[{\"Key\":\"backup\","
                + "\"Value\":\"daily\"}]}],"
                + "\"Tags\":{\"Name\":\"w\"},\"Attachment\":{\"DeviceNames\":[\"/dev/xvdh\"]}");
        RunInstancesRequest r = p.toRequest().build();
        assertThat(r.keyName()).isEqualTo("ops");
        assertThat(r.iamInstanceProfile().name()).isEqualTo("node");
        assertThat(r.metadataOptions().httpPutResponseHopLimit()).isEqualTo(2);
        assertThat(r.instanceMarketOptions().spotOptions().maxPrice()).isEqualTo("0.01");
        assertThat(r.blockDeviceMappings().get(0).ebs().volumeTypeAsString()).isEqualTo("gp3");
        assertThat(r.creditSpecification().cpuCredits()).isEqualTo("unlimited");
        assertThat(p.attachment().deviceNames()).containsExactly("/dev/xvdh");
    }

    @Test
    void theLaunchRequestCarriesEveryTagInitAndTheLogicalIdIp() {
        Ec2Properties p = decode("\"TagSpecifications\":[{\"ResourceType\":\"volume\",\"Tags\":[{\"Key\":\"backup\","
                + "\"Value\":\"daily\"}]}],\"InstanceMarketOptions\":{\"MarketType\":\"spot\"}");
        Spec spec = new Spec(RawJson.NULL, Map.of("infrakit.group", "g"), "#!/bin/sh\necho <&>",
                Optional.of("10.1.2.3"), List.of());
        Map<String, String> tags = Ec2Tags.forInstance(Map.of(), spec.tags(), Map.of("ns", "1"), spec.logicalId(),
                List.of());
        RunInstancesRequest r = Ec2LaunchRequest.build(p, spec, tags, Optional.of("us-east-1c"),
                Ec2ClientToken.forPet("10.1.2.3", tags, 0));
        assertThat(r.minCount()).isEqualTo(1);
        assertThat(r.maxCount()).isEqualTo(1);
        assertThat(r.privateIpAddress()).isEqualTo("10.1.2.3");
        assertThat(r.placement().availabilityZone()).isEqualTo("us-east-1c");
        assertThat(new String(Base64.getDecoder().decode(r.userData()), StandardCharsets.UTF_8))
                .isEqualTo("#!/bin/sh\necho <&>");
        assertThat(r.tagSpecifications()).extracting(TagSpecification::resourceTypeAsString)
                .containsExactly("instance", "volume", "spot-instances-request");
        String instanceTags = r.tagSpecifications().get(0).tags().toString();
        assertThat(instanceTags).contains("Key=infrakit.group, Value=g", "Key=ns, Value=1",
                "Key=infrakit4j.managed-by, Value=infrakit4j-instance-aws",
                "Key=infrakit4j.logical-id, Value=10.1.2.3");
        assertThat(r.tagSpecifications().get(1).tags().toString()).contains("Key=backup, Value=daily",
                "Key=infrakit.group, Value=g");
        assertThat(r.clientToken()).isEqualTo(Ec2ClientToken.forPet("10.1.2.3", tags, 0).value()).hasSizeLessThan(65);
    }

    @Test
    void aFixedPrivateIpConflictingWithAnIpLogicalIdIsRefused() {
        Ec2Properties p = decode("\"PrivateIpAddress\":\"10.0.0.9\"");
        Spec spec = Spec.of(RawJson.NULL, Map.of()).withLogicalId("10.0.0.8");
        assertThatThrownBy(() -> Ec2LaunchRequest.build(p, spec, Map.of(), Optional.empty(), Ec2ClientToken.random()))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties.PrivateIpAddress: is 10.0.0.9 but the LogicalID asks for "
                        + "10.0.0.8"));
        assertThat(Ec2LaunchRequest.build(p, Spec.of(RawJson.NULL, Map.of()).withLogicalId("db-1"), Map.of(),
                Optional.empty(), Ec2ClientToken.random()).privateIpAddress()).isEqualTo("10.0.0.9");
    }

    @Test
    void theExamplePropertiesAreValid() {
        Ec2PropertiesDecoder.ours(Ec2InstancePlugin.EXAMPLE);
    }

    @Test
    void aPetsClientTokenDependsOnLogicalIdTagsAndGeneration() {
        Map<String, String> tags = Map.of("a", "1", "b", "2");
        assertThat(Ec2ClientToken.forPet("mgr-1", tags, 0)).isEqualTo(Ec2ClientToken.forPet("mgr-1",
                new java.util.TreeMap<>(tags), 0));
        assertThat(Ec2ClientToken.forPet("mgr-1", tags, 1)).isNotEqualTo(Ec2ClientToken.forPet("mgr-1", tags, 0));
        assertThat(Ec2ClientToken.forPet("mgr-2", tags, 0)).isNotEqualTo(Ec2ClientToken.forPet("mgr-1", tags, 0));
        assertThat(Ec2ClientToken.forPet("mgr-1", Map.of("a", "1"), 0))
                .isNotEqualTo(Ec2ClientToken.forPet("mgr-1", tags, 0));
    }

    @Test
    void describeFiltersCarryTagsNamespaceMarkerAndLiveStates() {
        var filters = Ec2TagFilters.forTags(Map.of("infrakit.group", "w"), Map.of("cluster", "c")).orElseThrow();
        assertThat(filters.toString()).isEqualTo("[Filter(Name=tag:cluster, Values=[c]), Filter(Name=tag:infrakit"
                + ".group, Values=[w]), Filter(Name=tag:infrakit4j.managed-by, Values=[infrakit4j-instance-aws]), "
                + "Filter(Name=instance-state-name, Values=[pending, running, stopping, stopped])]");
        assertThat(Ec2TagFilters.forTags(Map.of("cluster", "other"), Map.of("cluster", "c"))).isEmpty();
    }

    @Test
    void theRequestBudgetSpacesMutatingCallsAfterAOneSecondBurst() {
        // The budget's own clock, moved by the test: exact on a busy machine, where real time jumps.
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Ec2RequestBudget budget = new Ec2RequestBudget(10, now::get);
        for (int i = 0; i < 10; i++) {
            assertThat(budget.reserve()).as("the burst, call %d", i).isZero();
        }
        long eleventh = budget.reserve();
        long twelfth = budget.reserve();
        long thirteenth = budget.reserve();
        assertThat(List.of(twelfth - eleventh, thirteenth - twelfth)).as("then one call per interval")
                .containsOnly(100_000_000L);
        now.addAndGet(10_000_000_000L);
        for (int i = 0; i < 10; i++) {
            assertThat(budget.reserve()).as("an idle while refills the burst, call %d", i).isZero();
        }
        eleventh = budget.reserve();
        assertThat(budget.reserve() - eleventh).as("but no more than the burst").isEqualTo(100_000_000L);
        assertThat(Ec2RequestBudget.mutating("RunInstances")).isTrue();
        assertThat(Ec2RequestBudget.mutating("DescribeInstances")).isFalse();
    }

    @Test
    void backgroundRequestsTakeOnlyWhatTheBudgetLeavesSpare() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Ec2RequestBudget budget = new Ec2RequestBudget(10, now::get);
        for (int i = 0; i < 4; i++) {
            assertThat(budget.trySpare()).as("spare while 6 of the burst of 10 are left, call %d", i).isZero();
        }
        assertThat(budget.trySpare()).as("the fifth: 5 would be left after it").isZero();
        assertThat(budget.trySpare()).as("then it waits for one more permit").isEqualTo(100_000_000L);
        for (int i = 0; i < 5; i++) {
            assertThat(budget.reserve()).as("the plugin's own calls still find half a burst, call %d", i).isZero();
        }
        assertThat(budget.trySpare()).as("nothing spare: waits until 6 are stored again").isEqualTo(600_000_000L);
        assertThat(budget.reserve()).as("a call of the plugin goes first, at once").isZero();
        assertThat(budget.trySpare()).as("and the background waits behind it").isEqualTo(700_000_000L);
        now.addAndGet(700_000_000L);
        assertThat(budget.trySpare()).isZero();
        Ec2RequestBudget single = new Ec2RequestBudget(0.5, now::get);
        assertThat(single.trySpare()).as("a burst of one: spare only when the bucket is full").isZero();
        assertThat(single.trySpare()).as("and then waits until it is full again").isEqualTo(2_000_000_000L);
    }
}
