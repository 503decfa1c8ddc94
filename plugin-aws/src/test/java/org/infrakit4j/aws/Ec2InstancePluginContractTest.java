package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.Capabilities;
import org.infrakit4j.testkit.ExpectedError;
import org.infrakit4j.testkit.InstancePluginContract;
import org.junit.jupiter.api.AfterEach;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** The conformance suite against plugin-aws on the EC2 emulator, reset before each test. */
class Ec2InstancePluginContractTest extends InstancePluginContract {
    private Ec2Client admin;

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) throws Exception {
        Ec2Emulator.reset();
        admin = Ec2Emulator.client();
        return Ec2Emulator.plugin(Ec2Emulator.config(), meter);
    }

    @AfterEach
    void closeAdmin() {
        if (admin != null) {
            admin.close();
        }
    }

    /**
     * moto runs every request under one Python interpreter lock: the contract's 16 callers already queue on it, and
     * 40 instances exercise the same races as 100 in well under half the time on a busy two-core machine.
     * Attachments are EBS volumes ({@code ebs} or {@code block-device}), any other type refused before launch. An IP
     * LogicalID becomes the private IP, which must lie in the subnet (the default VPC's 172.31.0.0/16).
     */
    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(40)
                .attachments(Set.of("ebs", "block-device"), "volume", ExpectedError.exactly(
                        ErrorCode.INVALID_PROPERTIES, "invalid properties: Attachments[0].Type: \"volume\" is not "
                                + "supported; use \"ebs\" with a volume id"))
                .logicalIds(suggested -> Ec2LaunchRequest.isIpv4(suggested)
                        ? suggested.replaceFirst("^\\d+\\.\\d+", "172.31") : suggested)
                .build();
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\"}");
    }

    @Override
    protected List<BadProperties> badProperties() {
        String ami = Ec2Emulator.imageId();
        return List.of(
                new BadProperties("[1,2]", ""),
                new BadProperties("{\"InstanceType\":\"t2.micro\"}", "ImageId"),
                new BadProperties("{\"ImageId\":\"" + ami + "\"}", "InstanceType"),
                new BadProperties("{\"ImageId\":5,\"InstanceType\":\"t2.micro\"}", "ImageId"),
                new BadProperties("{\"ImageId\":\"" + ami + "\",\"InstanceType\":\"t2.micro\",\"ImageIds\":\"x\"}",
                        "ImageIds"),
                new BadProperties("{\"ImageId\":\"" + ami + "\",\"InstanceType\":\"t2.micro\","
                        + "\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/sdb\",\"Ebs\":{\"VolumeSize\":\"8\"}}]}",
                        "BlockDeviceMappings[0].Ebs.VolumeSize"),
                new BadProperties("{\"ImageId\":\"" + ami + "\",\"InstanceType\":\"t2.micro\","
                        + "\"Monitoring\":{\"Enabled\":\"yes\"}}", "Monitoring.Enabled"));
    }

    @Override
    protected Spec specWithInitAndAttachments() {
        String a = Ec2Emulator.createVolume(admin, "us-east-1a");
        String b = Ec2Emulator.createVolume(admin, "us-east-1a");
        return new Spec(validProperties(), Map.of(), "#!/bin/sh\necho hello <&>", Optional.empty(),
                List.of(new Attachment(a, "ebs"), new Attachment(b, "block-device")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) throws Exception {
        String userData = admin.describeInstanceAttribute(r -> r.instanceId(id.value()).attribute("userData"))
                .userData().value();
        assertThat(new String(Base64.getDecoder().decode(userData), StandardCharsets.UTF_8)).isEqualTo(spec.init());
        JsonNode attachments = awaitAttached(id, spec.attachments().size(), Duration.ofSeconds(30));
        assertThat(attachments.findValuesAsText("VolumeId"))
                .containsExactlyElementsOf(spec.attachments().stream().map(Attachment::id).toList());
        assertThat(attachments.findValuesAsText("Device")).doesNotHaveDuplicates()
                .allSatisfy(d -> assertThat(d).matches("/dev/sd[f-p]"));
    }

    /** Polls Describe until every attachment is attached (or failed), then returns them. */
    JsonNode awaitAttached(InstanceId id, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode attachments = null;
        while (System.nanoTime() < deadline) {
            JsonNode props = JSON.readTree(plugin.describeInstances(runTag, true).stream()
                    .filter(d -> d.id().equals(id)).findFirst().orElseThrow().properties().json());
            attachments = props.path("Attachments");
            if (attachments.size() == count && attachments.findValuesAsText("State").stream()
                    .allMatch(s -> s.equals("attached") || s.equals("failed"))) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(attachments.findValuesAsText("State")).as(String.valueOf(attachments)).containsOnly("attached");
        return attachments;
    }
}
