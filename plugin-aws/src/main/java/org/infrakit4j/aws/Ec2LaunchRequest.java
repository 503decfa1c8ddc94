package org.infrakit4j.aws;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.Spec;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The single RunInstances call of a Provision: count 1, every tag in TagSpecifications (instance, volumes and a
 * spot request), Init as base64 UserData, an IP LogicalID as the private IP, and the ClientToken.
 */
final class Ec2LaunchRequest {
    /** EC2 takes at most 16 KB of user data before base64. */
    static final int MAX_USER_DATA = 16 * 1024;
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    private Ec2LaunchRequest() {
    }

    static boolean isIpv4(String text) {
        return IPV4.matcher(text).matches();
    }

    /**
     * @param tags all instance tags (users' and the plugin's)
     * @param volumeZone the zone of the volumes to attach, pinned when neither subnet nor zone is given
     */
    static RunInstancesRequest build(Ec2Properties props, Spec spec, Map<String, String> tags,
                                     Optional<String> volumeZone, Ec2ClientToken token) {
        RunInstancesRequest.Builder b = props.toRequest().minCount(1).maxCount(1).clientToken(token.value());
        Optional<String> ip = spec.logicalId().filter(Ec2LaunchRequest::isIpv4);
        if (ip.isPresent()) {
            if (props.fixedPrivateIp().isPresent() && !props.fixedPrivateIp().equals(ip)) {
                throw InstanceException.invalid("PrivateIpAddress", "is " + props.fixedPrivateIp().get()
                        + " but the LogicalID asks for " + ip.get());
            }
            b.privateIpAddress(ip.get());
        }
        if (volumeZone.isPresent() && props.subnetId() == null
                && (props.placement() == null || props.placement().availabilityZone() == null)) {
            Ec2Properties.Placement p = props.placement() == null
                    ? new Ec2Properties.Placement(null, null, null, null, null) : props.placement();
            Ec2Properties.Placement pinned = p.withAvailabilityZone(volumeZone.get());
            b.placement(x -> x.availabilityZone(pinned.availabilityZone()).groupName(pinned.groupName())
                    .tenancy(pinned.tenancy()).hostId(pinned.hostId()).partitionNumber(pinned.partitionNumber()));
        }
        if (!spec.init().isEmpty()) {
            byte[] raw = spec.init().getBytes(StandardCharsets.UTF_8);
            if (raw.length > MAX_USER_DATA) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Init: " + raw.length
                        + " bytes; EC2 takes at most " + MAX_USER_DATA + " bytes of user data");
            }
            b.userData(Base64.getEncoder().encodeToString(raw));
        }
        List<TagSpecification> specs = new ArrayList<>();
        specs.add(TagSpecification.builder().resourceType("instance").tags(Ec2Tags.toSdk(tags)).build());
        if (props.tagSpecifications().isEmpty()) {
            specs.add(TagSpecification.builder().resourceType("volume").tags(Ec2Tags.toSdk(tags)).build());
        } else {
            props.tagSpecifications().forEach(v -> specs.add(v.toSdk(tags)));
        }
        if (props.spot()) {
            specs.add(TagSpecification.builder().resourceType("spot-instances-request").tags(Ec2Tags.toSdk(tags))
                    .build());
        }
        return b.tagSpecifications(specs).build();
    }
}
