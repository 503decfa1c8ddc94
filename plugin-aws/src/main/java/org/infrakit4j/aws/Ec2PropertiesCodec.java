package org.infrakit4j.aws;

import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.RawJson;

/**
 * Decodes Properties strictly: unknown fields, wrong JSON types and missing required fields are errors naming the
 * field path ({@code BlockDeviceMappings[0].Ebs.VolumeSize}); names match case-insensitively as in Go, nothing is
 * coerced, so a typo never vanishes silently (reference-providers.md §1.12).
 */
final class Ec2PropertiesCodec {
    private Ec2PropertiesCodec() {
    }

    /** Decodes Properties or throws an invalid-properties error naming the field path. */
    static Ec2Properties decode(RawJson properties) {
        return StrictProperties.decode(properties, Ec2Properties.class, null, "at least ImageId and InstanceType");
    }
}
