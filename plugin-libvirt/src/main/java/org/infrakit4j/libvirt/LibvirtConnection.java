package org.infrakit4j.libvirt;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.libvirt.Connect;
import org.libvirt.Error;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One libvirt connection, shared by all calls (libvirt connections are thread-safe), opened on first use and
 * reopened after it breaks (libvirtd restarted): an idempotent call that finds the connection lost is retried once
 * on a fresh one; a call that creates something is not, and fails as {@code backend unavailable}. Every call is
 * reported to the {@link BackendMeter} under its {@link LibvirtOperation}'s name.
 */
final class LibvirtConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtConnection.class);
    private static final Set<Error.ErrorNumber> LOST = Set.of(Error.ErrorNumber.VIR_ERR_INVALID_CONN,
            Error.ErrorNumber.VIR_ERR_NO_CONNECT, Error.ErrorNumber.VIR_ERR_RPC);

    static {
        try {
            // libvirt's default handler prints every error to stderr, expected ones (no such domain) included.
            Connect.setErrorCallback(new ErrorCallback());
        } catch (LibvirtException e) {
            LOG.atWarn().log("cannot silence libvirt's default error printer: " + e.getMessage());
        }
    }

    /** Work on the connection. */
    @FunctionalInterface
    interface Call<T> {
        T run(Connect connect) throws LibvirtException;
    }

    /**
     * libvirtd serves at most 5 requests of one client at once (max_client_requests) and stops reading its socket
     * beyond that; with 16 concurrent Provisions on one connection, calls then hung for minutes. Staying under
     * the limit keeps the connection flowing; starting TCG domains is CPU-bound anyway. The fifth request is the
     * health probe's, so a probe never queues behind domain starts that take seconds.
     */
    static final int MAX_IN_FLIGHT = 4;

    private final String uri;
    private final BackendMeter meter;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT, true);
    private final Semaphore probeSlot = new Semaphore(1);
    /** Guards {@link #current} and {@link #closed}; a probe waits for it only until its deadline. */
    private final ReentrantLock lock = new ReentrantLock();
    private Connect current;
    private boolean closed;

    LibvirtConnection(String uri, BackendMeter meter) {
        this.uri = uri;
        this.meter = meter;
    }

    String uri() {
        return uri;
    }

    /** Runs a call that is safe to repeat; retried once on a fresh connection if the connection was lost. */
    <T> T retrying(LibvirtOperation op, String subject, Call<T> call) {
        return reconnecting(op, subject, Long.MAX_VALUE, c -> run(op, call, c));
    }

    /** Runs a call that must not run twice (it creates something): never retried. */
    <T> T once(LibvirtOperation op, String subject, Call<T> call) {
        Connect c = connect(Long.MAX_VALUE);
        try {
            return run(op, call, c);
        } catch (LibvirtException e) {
            if (isLost(e)) {
                drop(c, e);
            }
            throw failure(op, subject, e);
        }
    }

    /**
     * One cheap round trip (libvirt's version) on the probe's own request slot, reconnecting once if the
     * connection was lost. Waits at most {@code wait} for the slot and for a connection attempt of another call:
     * a libvirtd that hangs pins at most one probe, and later ones say so instead of queueing behind it.
     */
    void checkHealth(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        if (!acquire(probeSlot, deadline)) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "libvirt at " + uri
                    + " has not answered the previous health check");
        }
        try {
            LibvirtOperation op = LibvirtOperation.CONNECT_GET_LIB_VERSION;
            reconnecting(op, "", deadline, c -> measured(op, Connect::getLibVersion, c));
        } finally {
            probeSlot.release();
        }
    }

    /** Runs the attempt; if it finds the connection lost, once more on a fresh one. */
    private <T> T reconnecting(LibvirtOperation op, String subject, long deadline, Call<T> attempt) {
        Connect c = connect(deadline);
        try {
            return attempt.run(c);
        } catch (LibvirtException e) {
            if (!isLost(e)) {
                throw failure(op, subject, e);
            }
            drop(c, e);
            Connect fresh = connect(deadline);
            try {
                return attempt.run(fresh);
            } catch (LibvirtException again) {
                if (isLost(again)) {
                    drop(fresh, again);
                }
                throw failure(op, subject, again);
            }
        }
    }

    private <T> T run(LibvirtOperation op, Call<T> call, Connect c) throws LibvirtException {
        if (!acquire(inFlight, Long.MAX_VALUE)) {
            throw new InstanceException(ErrorCode.INTERNAL, "interrupted while waiting for the libvirt connection");
        }
        try {
            return measured(op, call, c);
        } finally {
            inFlight.release();
        }
    }

    private <T> T measured(LibvirtOperation op, Call<T> call, Connect c) throws LibvirtException {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = call.run(c);
            failed = false;
            return result;
        } finally {
            meter.record(op.metricName(), System.nanoTime() - start, failed);
        }
    }

    /** Acquires a permit, waiting until the deadline ({@code Long.MAX_VALUE}: for ever); false if not in time. */
    private static boolean acquire(Semaphore s, long deadline) {
        try {
            if (deadline == Long.MAX_VALUE) {
                s.acquire();
                return true;
            }
            return s.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The open connection, opening one if needed; waits for another thread's attempt until the deadline. */
    private Connect connect(long deadline) {
        if (!lockUntil(deadline)) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "connect to libvirt at " + uri
                    + ": another connection attempt has had no answer yet");
        }
        try {
            if (closed) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is shutting down");
            }
            if (current == null) {
                current = open();
            }
            return current;
        } finally {
            lock.unlock();
        }
    }

    private boolean lockUntil(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            lock.lock();
            return true;
        }
        try {
            return lock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Connect open() {
        long start = System.nanoTime();
        try {
            Connect c = new Connect(uri);
            meter.record(LibvirtOperation.CONNECT_OPEN.metricName(), System.nanoTime() - start, false);
            LOG.atInfo().addKeyValue("uri", uri).log("connected to libvirt");
            return c;
        } catch (LibvirtException e) {
            meter.record(LibvirtOperation.CONNECT_OPEN.metricName(), System.nanoTime() - start, true);
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "cannot connect to libvirt at " + uri
                    + ": " + message(e), e);
        }
    }

    /** Forgets a broken connection; other calls may still hold it, so libvirt-java frees it when unreachable. */
    private void drop(Connect broken, LibvirtException why) {
        lock.lock();
        try {
            if (current == broken) {
                current = null;
                LOG.atWarn().addKeyValue("uri", uri).addKeyValue("error", message(why))
                        .log("libvirt connection lost; reconnecting on next use");
            }
        } finally {
            lock.unlock();
        }
    }

    static boolean isLost(LibvirtException e) {
        Error err = e.getError();
        return err != null && (LOST.contains(err.getCode()) || err.getDomain() == Error.ErrorDomain.VIR_FROM_RPC);
    }

    static boolean is(LibvirtException e, Error.ErrorNumber code) {
        return e.getError() != null && e.getError().getCode() == code;
    }

    /** The libvirt error as the plugin error a caller sees. */
    InstanceException failure(LibvirtOperation op, String subject, LibvirtException e) {
        if (isLost(e)) {
            return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, op.doing(subject)
                    + ": lost the connection to libvirt at " + uri + ": " + message(e), e);
        }
        return new InstanceException(ErrorCode.BACKEND_ERROR, op.doing(subject) + ": " + message(e), e);
    }

    static String message(LibvirtException e) {
        Error err = e.getError();
        return err == null || err.getMessage() == null ? String.valueOf(e.getMessage()) : err.getMessage().strip();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (current != null) {
                try {
                    current.close();
                } catch (LibvirtException e) {
                    LOG.atDebug().log("closing the libvirt connection: " + message(e));
                }
                current = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
