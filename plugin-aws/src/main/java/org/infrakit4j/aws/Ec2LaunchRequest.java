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
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.Placement;
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
    static RunInstancesRequest build(Ec2Launch props, Spec spec, Map<String, String> tags,
                                     Optional<String> volumeZone, Ec2ClientToken token) {
        RunInstancesRequest base = props.toRequest().build();
        RunInstancesRequest.Builder b = base.toBuilder().minCount(1).maxCount(1).clientToken(token.value());
        List<InstanceNetworkInterfaceSpecification> interfaces = base.hasNetworkInterfaces()
                ? base.networkInterfaces() : List.of();
        Optional<String> ip = spec.logicalId().filter(Ec2LaunchRequest::isIpv4);
        if (ip.isPresent()) {
            // InfraKit's rule (reference-providers.md §1.3): an IP LogicalID is the private IP, on the first network
            // interface when interfaces are given.
            String field = interfaces.isEmpty() ? "PrivateIpAddress" : "NetworkInterfaces[0].PrivateIpAddress";
            String fixed = interfaces.isEmpty() ? base.privateIpAddress() : interfaces.get(0).privateIpAddress();
            if (fixed != null && !fixed.equals(ip.get())) {
                throw InstanceException.invalid(field, "is " + fixed + " but the LogicalID asks for " + ip.get());
            }
            if (interfaces.isEmpty()) {
                b.privateIpAddress(ip.get());
            } else {
                List<InstanceNetworkInterfaceSpecification> withIp = new ArrayList<>(interfaces);
                withIp.set(0, interfaces.get(0).toBuilder().privateIpAddress(ip.get()).build());
                b.networkInterfaces(withIp);
            }
        }
        boolean pinned = base.subnetId() != null || interfaces.stream().anyMatch(n -> n.subnetId() != null)
                || (base.placement() != null && base.placement().availabilityZone() != null);
        if (volumeZone.isPresent() && !pinned) {
            Placement p = base.placement() == null ? Placement.builder().build() : base.placement();
            b.placement(p.toBuilder().availabilityZone(volumeZone.get()).build());
        }
        Optional<String> userData = spec.init().isEmpty() ? props.userData() : Optional.of(spec.init());
        if (userData.isPresent()) {
            byte[] raw = userData.get().getBytes(StandardCharsets.UTF_8);
            if (raw.length > MAX_USER_DATA) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, (spec.init().isEmpty() ? "UserData" : "Init")
                        + ": " + raw.length + " bytes; EC2 takes at most " + MAX_USER_DATA + " bytes of user data");
            }
            b.userData(Base64.getEncoder().encodeToString(raw));
        }
        List<TagSpecification> specs = new ArrayList<>();
        specs.add(TagSpecification.builder().resourceType("instance").tags(Ec2Tags.toSdk(tags)).build());
        specs.addAll(props.volumeTags(tags));
        if (base.instanceMarketOptions() != null) {
            specs.add(TagSpecification.builder().resourceType("spot-instances-request").tags(Ec2Tags.toSdk(tags))
                    .build());
        }
        return b.tagSpecifications(specs).build();
    }
}
