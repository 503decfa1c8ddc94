package org.infrakit4j.libvirt;

import java.util.List;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finding and removing the plugin's domains: tolerant of a domain that is already stopped or gone. */
final class LibvirtTeardown {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtTeardown.class);
    // MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM (libvirt-domain.h; NVRAM has no constant in libvirt-java)
    private static final int UNDEFINE_FLAGS = 1 | 2 | 4;

    private LibvirtTeardown() {
    }

    /** The domain of that name, or null when there is none. */
    static Domain lookup(Connect c, String name) throws LibvirtException {
        try {
            return c.domainLookupByName(name);
        } catch (LibvirtException e) {
            if (LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                return null;
            }
            throw e;
        }
    }

    /** Undefines with its NVRAM and snapshot metadata; drivers without NVRAM (test://) refuse that flag. */
    static void undefine(Domain d) throws LibvirtException {
        try {
            d.undefine(UNDEFINE_FLAGS);
        } catch (LibvirtException e) {
            if (!LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_INVALID_ARG)) {
                throw e;
            }
            d.undefine(UNDEFINE_FLAGS & ~4);
        }
    }

    /** Hard stop (if still running), undefine, delete the volumes made for it. */
    static Void remove(Connect c, String name, LibvirtMetadata meta) throws LibvirtException {
        Domain d = lookup(c, name);
        try {
            if (d != null && d.isActive() == 1) {
                d.destroy();
            }
            if (d != null && d.isPersistent() == 1) {
                undefine(d);
            }
        } catch (LibvirtException e) {
            // It stopped or went away under us (guest powered off, a concurrent Destroy): carry on.
            if (!LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN)
                    && !LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_OPERATION_INVALID)) {
                throw e;
            }
        }
        for (LibvirtVolumeRef v : meta.ownedVolumes()) {
            LibvirtStorage.delete(c, v);
        }
        return null;
    }

    /** After a failed step: the domain (if defined) and every volume made for it go. */
    static void discard(LibvirtConnection libvirt, String name, boolean defined, List<LibvirtVolumeRef> made,
                        RuntimeException cause) {
        try {
            libvirt.retrying("clean up " + name, c -> {
                Domain d = defined ? lookup(c, name) : null;
                if (d != null) {
                    if (d.isActive() == 1) {
                        d.destroy();
                    }
                    undefine(d);
                }
                for (LibvirtVolumeRef v : made) {
                    LibvirtStorage.delete(c, v);
                }
                return null;
            });
            LOG.atWarn().addKeyValue("instance", name).addKeyValue("error", cause.getMessage())
                    .log("provision failed; removed what it had made");
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.atError().addKeyValue("instance", name).addKeyValue("volumes", made)
                    .addKeyValue("error", e.getMessage())
                    .log("provision failed and its clean-up failed too: remove the domain and volumes by hand");
        }
    }

    /** Waits up to the timeout for a graceful shutdown, holding no connection slot while it sleeps. */
    static void awaitStop(LibvirtConnection libvirt, String name, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline && libvirt.retrying("wait for " + name + " to stop", c -> {
            Domain d = lookup(c, name);
            return d != null && d.isActive() == 1;
        })) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstanceException(ErrorCode.INTERNAL, "interrupted while waiting for " + name + " to stop");
            }
        }
    }
}
