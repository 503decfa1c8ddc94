package org.infrakit4j.spi;

import java.util.Objects;

/** Who made a plugin (served as {@code Vendor} in /info/api.json). */
public record VendorInfo(String name, String version, String url) {
    public VendorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(url, "url");
    }

    /** Optional: a plugin that names its vendor. */
    public interface Source {
        VendorInfo vendorInfo();
    }
}
