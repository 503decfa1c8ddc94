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

    /**
     * Hard stop (if still running), delete the volumes, undefine. The definition goes last: it is the record of
     * which volumes are the instance's, so a crash part-way leaves a described domain for another Destroy.
     *
     * @param d the domain, or null when there is none
     */
    static Void remove(Connect c, Domain d, List<LibvirtVolumeRef> volumes) throws LibvirtException {
        if (d != null && d.isActive() == 1) {
            tolerant(d::destroy);
        }
        for (LibvirtVolumeRef v : volumes) {
            LibvirtStorage.delete(c, v);
        }
        if (d != null) {
            tolerant(() -> {
                if (d.isPersistent() == 1) {
                    undefine(d);
                }
            });
        }
        return null;
    }

    /** A step on a domain. */
    @FunctionalInterface
    private interface Step {
        void run() throws LibvirtException;
    }

    /** Runs a step on a domain that may stop or go away under us (guest powered off, a concurrent Destroy). */
    private static void tolerant(Step step) throws LibvirtException {
        try {
            step.run();
        } catch (LibvirtException e) {
            if (!LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_NO_DOMAIN)
                    && !LibvirtConnection.is(e, Error.ErrorNumber.VIR_ERR_OPERATION_INVALID)) {
                throw e;
            }
        }
    }

    /**
     * After a failed step: the domain (if defined) and every volume made for it go. Volumes are made only once the
     * domain is defined, so if this fails too, the domain remains, described, naming its volumes for a Destroy.
     */
    static void discard(LibvirtConnection libvirt, String name, boolean defined, List<LibvirtVolumeRef> made,
                        RuntimeException cause) {
        try {
            libvirt.retrying(LibvirtOperation.PROVISION_ROLLBACK, name,
                    c -> remove(c, defined ? lookup(c, name) : null, made));
            LOG.atWarn().addKeyValue("instance", name).addKeyValue("error", cause.getMessage())
                    .log("provision failed; removed what it had made");
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.atError().addKeyValue("instance", name).addKeyValue("error", e.getMessage())
                    .log("provision failed and its clean-up failed too; the domain stays, described, for a Destroy");
        }
    }

    /** Waits up to the timeout for a graceful shutdown, holding no connection slot while it sleeps. */
    static void awaitStop(LibvirtConnection libvirt, String name, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline && libvirt.retrying(LibvirtOperation.DOMAIN_IS_ACTIVE, name, c -> {
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
