package org.infrakit4j.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.PointerType;
import com.sun.jna.ptr.IntByReference;
import java.lang.reflect.Field;
import java.util.List;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A domain's state and the reason for it, as {@code virsh domstate --reason} shows them. libvirt-java 0.5.4 has
 * no virDomainGetState (nor any other call giving the reason) and does not expose a domain's native handle, so
 * virDomainGetState is bound here through JNA and given the handle read from libvirt-java's package-private field
 * {@code Domain.vdp}. That reflection is the one place the plugin depends on libvirt-java's internals:
 * {@link #direct()} says whether it works, and LibvirtDomainStateTest fails loudly when a libvirt-java upgrade
 * breaks it. Should it break in production, the reason is "unknown" and the state comes from virDomainGetInfo.
 */
record LibvirtDomainState(String state, String reason) {
    private static final List<String> STATES = List.of("nostate", "running", "blocked", "paused", "shutdown",
            "shutoff", "crashed", "pmsuspended");
    // Reason names by state, in libvirt's enum order (libvirt-domain.h).
    private static final List<List<String>> REASONS = List.of(
            List.of("unknown"),
            List.of("unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled",
                    "save canceled", "event wakeup", "crashed", "post-copy"),
            List.of("unknown"),
            List.of("unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot",
                    "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed"),
            List.of("unknown", "user"),
            List.of("unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot",
                    "daemon"),
            List.of("unknown", "panicked"),
            List.of("unknown"));

    /**
     * The states of a dead domain: not running, and not coming back by itself. A shut-off domain (stopped from
     * outside, powered off by its guest, failed) stays so until someone starts it; a crashed one (kept after a crash
     * by {@code on_crash=preserve}) too. Paused and suspended domains are alive: they resume where they were.
     */
    static final java.util.Set<String> DEAD = java.util.Set.of("shutoff", "crashed");

    /** Whether the domain is dead (see {@link #DEAD}). */
    boolean dead() {
        return DEAD.contains(state);
    }

    /** virDomainGetState, bound directly. */
    private interface Native0 extends Library {
        int virDomainGetState(PointerType domain, IntByReference state, IntByReference reason, int flags);
    }

    private static final Native0 NATIVE = load();
    private static final Field HANDLE = handle();

    /** True when the state and reason come from virDomainGetState, false when only the GetInfo fallback works. */
    static boolean direct() {
        return NATIVE != null && HANDLE != null;
    }

    static LibvirtDomainState of(Domain domain) throws LibvirtException {
        if (NATIVE != null && HANDLE != null) {
            try {
                IntByReference state = new IntByReference();
                IntByReference reason = new IntByReference();
                if (NATIVE.virDomainGetState((PointerType) HANDLE.get(domain), state, reason, 0) == 0) {
                    return of(state.getValue(), reason.getValue());
                }
            } catch (IllegalAccessException | RuntimeException e) {
                // fall back to GetInfo below
            }
        }
        return of(domain.getInfo().state.ordinal(), 0);
    }

    static LibvirtDomainState of(int state, int reason) {
        if (state < 0 || state >= STATES.size()) {
            return new LibvirtDomainState("state " + state, "reason " + reason);
        }
        List<String> reasons = REASONS.get(state);
        return new LibvirtDomainState(STATES.get(state),
                reason >= 0 && reason < reasons.size() ? reasons.get(reason) : "reason " + reason);
    }

    private static Native0 load() {
        try {
            return Native.load("virt", Native0.class);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    private static Field handle() {
        try {
            Field f = Domain.class.getDeclaredField("vdp");
            f.setAccessible(true);
            return PointerType.class.isAssignableFrom(f.getType()) ? f : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
