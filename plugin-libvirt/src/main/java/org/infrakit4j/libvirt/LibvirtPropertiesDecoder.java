package org.infrakit4j.libvirt;

import org.infrakit4j.runtime.StrictProperties;
import org.infrakit4j.spi.RawJson;

/**
 * Decodes Properties into {@link LibvirtProperties} strictly: member names match case-insensitively as in Go,
 * but unknown members, wrong JSON types (no coercion of "64" to 64 or 1.5 to 1) and bad values are
 * {@code invalid properties} errors naming the field path, e.g. {@code Properties.Disks[1].SizeMiB}. The
 * reference plugin's shape is decoded as strictly by {@link LibvirtReferenceProperties}.
 */
final class LibvirtPropertiesDecoder {
    private LibvirtPropertiesDecoder() {
    }

    /**
     * The Properties as a record; {@link RawJson#NULL} gives all defaults. InfraKit's Go plugin's shape
     * (Domain, MetadataStoragePool) is recognised and mapped onto the same record.
     */
    static LibvirtProperties decode(RawJson properties) {
        return LibvirtReferenceProperties.recognises(properties)
                ? LibvirtReferenceProperties.decode(properties).properties() : ours(properties);
    }

    /** Our own shape only. */
    static LibvirtProperties ours(RawJson properties) {
        return StrictProperties.decode(properties, LibvirtProperties.class, LibvirtProperties.defaults(), "");
    }
}
