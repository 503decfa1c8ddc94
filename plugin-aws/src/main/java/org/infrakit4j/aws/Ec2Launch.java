package org.infrakit4j.aws;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * What one Provision launches, whichever Properties shape described it: our own ({@link Ec2Properties}) or InfraKit's
 * Go plugins' ({@link Ec2ReferenceProperties}). Both end in the same RunInstances built by {@link Ec2LaunchRequest}.
 */
sealed interface Ec2Launch permits Ec2Properties, Ec2ReferenceProperties {
    /** The instance tags the Properties give (the spec's and the namespace win over them). */
    Map<String, String> tags();

    /** The RunInstances request the Properties describe, without count, tags, token, or user data. */
    RunInstancesRequest.Builder toRequest();

    /** Plain-text user data from the Properties, used when the spec has no Init (which replaces it). */
    Optional<String> userData();

    /** The TagSpecifications of the volumes launched with the instance, given the instance's tags. */
    List<TagSpecification> volumeTags(Map<String, String> instanceTags);

    /** Volumes the Properties attach after launch, in order, before the spec's Attachments. */
    List<String> volumeIds();

    /** The devices attachments may take, in order of preference (each volume gets the first free one). */
    List<String> deviceNames();
}
