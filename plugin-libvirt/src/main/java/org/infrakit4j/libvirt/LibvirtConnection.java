package org.infrakit4j.libvirt;

import java.util.Set;
import java.util.concurrent.Semaphore;
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
 * on a fresh one; a call that creates something is not, and fails as {@code backend unavailable}.
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
     * the limit keeps the connection flowing; starting TCG domains is CPU-bound anyway.
     */
    static final int MAX_IN_FLIGHT = 4;

    private final String uri;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT, true);
    private Connect current;
    private boolean closed;

    LibvirtConnection(String uri) {
        this.uri = uri;
    }

    String uri() {
        return uri;
    }

    /** Runs a call that is safe to repeat; retried once on a fresh connection if the connection was lost. */
    <T> T retrying(String what, Call<T> call) {
        Connect c = connect();
        try {
            return run(call, c);
        } catch (LibvirtException e) {
            if (!isLost(e)) {
                throw failure(what, e);
            }
            drop(c, e);
            Connect fresh = connect();
            try {
                return run(call, fresh);
            } catch (LibvirtException again) {
                if (isLost(again)) {
                    drop(fresh, again);
                }
                throw failure(what, again);
            }
        }
    }

    /** Runs a call that must not run twice (it creates something): never retried. */
    <T> T once(String what, Call<T> call) {
        Connect c = connect();
        try {
            return run(call, c);
        } catch (LibvirtException e) {
            if (isLost(e)) {
                drop(c, e);
            }
            throw failure(what, e);
        }
    }

    private <T> T run(Call<T> call, Connect c) throws LibvirtException {
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.INTERNAL, "interrupted while waiting for the libvirt connection");
        }
        try {
            return call.run(c);
        } finally {
            inFlight.release();
        }
    }

    private synchronized Connect connect() {
        if (closed) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is shutting down");
        }
        if (current == null) {
            try {
                current = new Connect(uri);
                LOG.atInfo().addKeyValue("uri", uri).log("connected to libvirt");
            } catch (LibvirtException e) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "cannot connect to libvirt at " + uri
                        + ": " + message(e), e);
            }
        }
        return current;
    }

    /** Forgets a broken connection; other calls may still hold it, so libvirt-java frees it when unreachable. */
    private synchronized void drop(Connect broken, LibvirtException why) {
        if (current == broken) {
            current = null;
            LOG.atWarn().addKeyValue("uri", uri).addKeyValue("error", message(why))
                    .log("libvirt connection lost; reconnecting on next use");
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
    InstanceException failure(String what, LibvirtException e) {
        if (isLost(e)) {
            return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, what + ": lost the connection to libvirt at "
                    + uri + ": " + message(e), e);
        }
        return new InstanceException(ErrorCode.BACKEND_ERROR, what + ": " + message(e), e);
    }

    static String message(LibvirtException e) {
        Error err = e.getError();
        return err == null || err.getMessage() == null ? String.valueOf(e.getMessage()) : err.getMessage().strip();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (current != null) {
            try {
                current.close();
            } catch (LibvirtException e) {
                LOG.atDebug().log("closing the libvirt connection: " + message(e));
            }
            current = null;
        }
    }
}
