package org.infrakit4j.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.RawJson;

/**
 * Decodes Properties strictly: unknown fields, wrong JSON types and missing required fields are errors naming the
 * field path ({@code BlockDeviceMappings[0].Ebs.VolumeSize}); names match case-insensitively as in Go, nothing is
 * coerced, so a typo never vanishes silently (reference-providers.md §1.12). Either shape: our own flat one, or
 * InfraKit's Go plugins' ({@link Ec2ReferenceProperties}), recognised by its top-level members.
 */
final class Ec2PropertiesDecoder {
    private Ec2PropertiesDecoder() {
    }

    /** Decodes our own shape only, or throws an invalid-properties error naming the field path. */
    static Ec2Properties ours(RawJson properties) {
        return StrictProperties.decode(properties, Ec2Properties.class, null, "at least ImageId and InstanceType");
    }

    /**
     * Decodes either shape: what Validate and Provision use.
     *
     * @param spot the {@code ec2-spot-instance} type: its reference shape has {@code RequestSpotInstancesInput}
     */
    static Ec2Launch decode(RawJson properties, boolean spot) {
        if (!properties.isNull()) {
            JsonNode tree;
            try {
                tree = Ec2Json.MAPPER.readTree(properties.json());
            } catch (JsonProcessingException e) {
                tree = null; // the strict decoder below reports it with its own words
            }
            if (tree != null && tree.isObject() && Ec2ReferenceProperties.recognises(tree)) {
                return Ec2ReferenceProperties.decode(tree, spot);
            }
        } else if (spot) {
            throw InstanceException.invalid("", "is required: RequestSpotInstancesInput, or at least ImageId, "
                    + "InstanceType and InstanceMarketOptions");
        }
        Ec2Properties ours = ours(properties);
        if (spot && ours.instanceMarketOptions() == null) {
            throw InstanceException.invalid("InstanceMarketOptions", "is required by the ec2-spot-instance type "
                    + "(or give InfraKit's RequestSpotInstancesInput)");
        }
        return ours;
    }
}
