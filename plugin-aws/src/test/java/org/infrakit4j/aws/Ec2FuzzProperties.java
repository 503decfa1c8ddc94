package org.infrakit4j.aws;

import java.util.List;
import org.infrakit4j.testkit.PropertiesFuzz;

/** The EC2 plugin's vocabulary for fuzzing Validate (the shapes come from {@link PropertiesFuzz}). */
final class Ec2FuzzProperties {
    /** Valid Properties: every member the plugin knows, the documented example, the least there can be. */
    static final List<String> VALID = List.of(
            "{\"ImageId\":\"ami-0abcdef1234567890\",\"InstanceType\":\"t3.micro\",\"KeyName\":\"ops\","
                    + "\"SubnetId\":\"subnet-0abc1234\",\"SecurityGroupIds\":[\"sg-0abc1234\",\"sg-1\"],"
                    + "\"IamInstanceProfile\":{\"Name\":\"web\"},"
                    + "\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\","
                    + "\"Ebs\":{\"DeleteOnTermination\":true,\"VolumeSize\":8,\"VolumeType\":\"gp3\",\"Iops\":3000,"
                    + "\"Throughput\":125,\"Encrypted\":true}}],\"EbsOptimized\":true,"
                    + "\"Monitoring\":{\"Enabled\":true},"
                    + "\"Placement\":{\"AvailabilityZone\":\"us-east-1a\",\"Tenancy\":\"default\"},"
                    + "\"PrivateIpAddress\":\"172.31.0.9\",\"MetadataOptions\":{\"HttpTokens\":\"required\","
                    + "\"HttpPutResponseHopLimit\":2,\"HttpEndpoint\":\"enabled\"},\"InstanceMarketOptions\":"
                    + "{\"MarketType\":\"spot\",\"SpotOptions\":{\"MaxPrice\":\"0.05\",\"SpotInstanceType\":"
                    + "\"one-time\"}},\"CreditSpecification\":{\"CpuCredits\":\"unlimited\"},\"TagSpecifications\":"
                    + "[{\"ResourceType\":\"volume\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}],"
                    + "\"Tags\":{\"project\":\"demo\"},\"Attachment\":{\"DeviceNames\":[\"/dev/sdf\",\"/dev/sdg\"]}}",
            Ec2InstancePlugin.EXAMPLE.json(),
            "{\"ImageId\":\"ami-12c6146b\",\"InstanceType\":\"t2.micro\"}");

    private static final List<String> NAMES = List.of("ImageId", "InstanceType", "KeyName", "SubnetId",
            "SecurityGroupIds", "IamInstanceProfile", "Arn", "Name", "BlockDeviceMappings", "DeviceName", "VirtualName",
            "NoDevice", "Ebs", "DeleteOnTermination", "Iops", "SnapshotId", "VolumeSize", "VolumeType", "KmsKeyId",
            "Throughput", "Encrypted", "EbsOptimized", "Monitoring", "Enabled", "Placement", "AvailabilityZone",
            "GroupName", "Tenancy", "HostId", "PartitionNumber", "PrivateIpAddress", "MetadataOptions", "HttpTokens",
            "HttpPutResponseHopLimit", "HttpEndpoint", "HttpProtocolIpv6", "InstanceMetadataTags",
            "InstanceMarketOptions", "MarketType", "SpotOptions", "MaxPrice", "SpotInstanceType",
            "InstanceInterruptionBehavior", "ValidUntil", "CreditSpecification", "CpuCredits", "TagSpecifications",
            "ResourceType", "Tags", "Key", "Value", "Attachment", "DeviceNames", "UserData", "MinCount", "DryRun");

    private static final List<String> TEXTS = List.of("ami-12c6146b", "t3.micro", "subnet-1", "sg-1", "/dev/sdf",
            "/dev/xvdb", "us-east-1a", "spot", "one-time", "persistent", "gp3", "io2", "required", "enabled", "volume",
            "instance", "10.0.0.7", "2030-01-01T00:00:00Z", "0.05", "", " ", "ami-", "t3.MICRO", "yes");

    static final PropertiesFuzz FUZZ = new PropertiesFuzz(VALID, NAMES, TEXTS, List.of("ami-\u0000", "Action=TerminateInstances&InstanceId.1=i-1"),
            List.of(), "ImageId");

    private Ec2FuzzProperties() {
    }
}
