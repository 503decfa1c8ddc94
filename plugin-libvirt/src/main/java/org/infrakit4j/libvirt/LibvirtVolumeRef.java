package org.infrakit4j.libvirt;

import java.util.Objects;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.InstanceException;

/**
 * A storage volume named as {@code pool/volume}, or {@code volume} alone (pool null: the plugin's storage pool).
 * Names are plain (no path separators), so a reference can never point outside its pool.
 */
record LibvirtVolumeRef(String pool, String name) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}");

    LibvirtVolumeRef {
        Objects.requireNonNull(name, "name");
        if (pool != null && !NAME.matcher(pool).matches()) {
            throw new IllegalArgumentException("invalid storage pool name " + GoQuote.quote(pool));
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid volume name " + GoQuote.quote(name)
                    + ": want pool/volume or volume, made of letters, digits, '_', '.', '+' or '-'");
        }
    }

    static LibvirtVolumeRef parse(String ref) {
        int slash = ref.indexOf('/');
        return slash < 0 ? new LibvirtVolumeRef(null, ref)
                : new LibvirtVolumeRef(ref.substring(0, slash), ref.substring(slash + 1));
    }

    /** This reference with its pool filled in from {@code defaultPool} when it names none. */
    LibvirtVolumeRef inPool(String defaultPool) {
        return pool != null || defaultPool == null ? this : new LibvirtVolumeRef(defaultPool, name);
    }

    @Override
    public String toString() {
        return pool == null ? name : pool + "/" + name;
    }
}
