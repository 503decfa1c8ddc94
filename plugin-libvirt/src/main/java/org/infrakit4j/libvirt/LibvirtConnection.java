package org.infrakit4j.libvirt;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.libvirt.Connect;
import org.libvirt.Error;
import org.libvirt.ErrorCallback;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One libvirt connection, shared by all calls (libvirt connections are thread-safe), opened on first use and
 * reopened after it breaks (libvirtd restarted): an idempotent call that finds the connection lost is retried once
 * on a fresh one; a call that creates something is not, and fails as {@code backend unavailable}. Every call is
 * reported to the {@link BackendMeter} under its {@link LibvirtOperation}'s name.
 *
 * <p>Every call is bounded. A libvirt call is a blocking native call that cannot be interrupted, so it runs on one
 * of a few worker threads while the caller waits until its deadline and then answers {@code backend unavailable}.
 * A call left running holds its worker and its request slot until libvirt answers (or, with keepalive on, until
 * libvirt closes the connection of a libvirtd that stopped answering): threads and waiting calls stay bounded, five
 * workers and one connection attempt at most.
 */
final class LibvirtConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtConnection.class);
    private static final Set<Error.ErrorNumber> LOST = Set.of(Error.ErrorNumber.VIR_ERR_INVALID_CONN,
            Error.ErrorNumber.VIR_ERR_NO_CONNECT, Error.ErrorNumber.VIR_ERR_RPC);
    /**
     * libvirt's keepalive, when on: a ping after {@code keepalive} seconds of silence, the connection closed after 3
     * more unanswered. It frees workers stuck in calls to a libvirtd that stopped answering (a remote host gone);
     * the callers have long had their answer. Off by default: with libvirt 9.0 (Debian 12) a connection closed by
     * the client's keepalive while other threads had calls in flight crashed the JVM (SIGSEGV in libvirt's
     * g_main_loop_quit, in virDomainDestroy) in LibvirtFreezeTest; without it, the stuck workers (bounded) resume
     * when libvirtd answers again.
     */
    static final int KEEPALIVE_COUNT = 3;
    /** Work in the background (a domain's start, a stop) may take this long under load, if the call timeout is less. */
    static final Duration BACKGROUND_TIMEOUT = Duration.ofSeconds(60);

    static {
        try {
            // libvirt's default handler prints every error to stderr, expected ones (no such domain) included.
            Connect.setErrorCallback(new ErrorCallback());
        } catch (LibvirtException e) {
            LOG.atWarn().log("cannot silence libvirt's default error printer: " + e.getMessage());
        }
        startEventLoop();
    }

    /** When a caller stops waiting (System.nanoTime), and the bound that set it, for the error. */
    private record Deadline(long at, Duration bound) {
        static Deadline in(Duration bound) {
            return new Deadline(System.nanoTime() + bound.toNanos(), bound);
        }

        long left() {
            return Math.max(0, at - System.nanoTime());
        }

        String seconds() {
            return bound.toMillis() % 1000 == 0 ? Long.toString(bound.toSeconds())
                    : String.format("%.1f", bound.toMillis() / 1e3);
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
    private final Duration timeout;
    private final int keepalive;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT, true);
    private final Semaphore probeSlot = new Semaphore(1);
    /** Runs the calls: one thread per request slot, and never more tasks than slots (each task holds one). */
    private final ThreadPoolExecutor workers;
    /** Opens connections, one attempt at a time: an open to a frozen libvirtd blocks until it thaws. */
    private final ThreadPoolExecutor opener;
    /** The open connection or the attempt to open one; null before first use and after it broke. Guarded by this. */
    private CompletableFuture<Connect> connection;
    private boolean closed;

    LibvirtConnection(String uri, BackendMeter meter) {
        this(uri, meter, Duration.ofSeconds(10), 0);
    }

    /**
     * @param timeout the longest a caller waits for one call (connecting included) before it is told so
     * @param keepalive libvirt keepalive interval in seconds, 0 for none
     */
    LibvirtConnection(String uri, BackendMeter meter, Duration timeout, int keepalive) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (keepalive < 0) {
            throw new IllegalArgumentException("keepalive must not be negative");
        }
        this.keepalive = keepalive;
        this.uri = uri;
        this.meter = meter;
        this.timeout = timeout;
        this.workers = bounded("libvirt-call-", MAX_IN_FLIGHT + 1);
        this.opener = bounded("libvirt-connect-", 1);
    }

    private static ThreadPoolExecutor bounded(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(threads),
                r -> {
                    Thread t = new Thread(r, name + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * libvirt's keepalive needs an event loop registered before the first connection is opened and run on a
     * thread of its own; one per process, shared by every connection.
     */
    private static void startEventLoop() {
        try {
            Library.initEventLoop();
        } catch (LibvirtException e) {
            LOG.atWarn().log("no libvirt event loop, so no keepalive: " + message(e));
            return;
        }
        Thread loop = new Thread(() -> {
            try {
                Library.runEventLoop();
            } catch (LibvirtException e) {
                LOG.atError().log("libvirt event loop stopped; keepalive no longer runs: " + message(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "libvirt-events");
        loop.setDaemon(true);
        loop.start();
    }

    String uri() {
        return uri;
    }

    Duration timeout() {
        return timeout;
    }

    /** Runs a call that is safe to repeat; retried once on a fresh connection if the connection was lost. */
    <T> T retrying(LibvirtOperation op, String subject, Call<T> call) {
        return reconnecting(op, subject, deadline(op), inFlight, call);
    }

    /** Runs a call that must not run twice (it creates something): never retried. */
    <T> T once(LibvirtOperation op, String subject, Call<T> call) {
        Deadline deadline = deadline(op);
        Connect c = connect(op, subject, deadline);
        try {
            return attempt(op, subject, deadline, inFlight, c, call);
        } catch (LibvirtException e) {
            if (isLost(e)) {
                drop(c, e);
            }
            throw failure(op, subject, e);
        }
    }

    private Deadline deadline(LibvirtOperation op) {
        return Deadline.in(op.background() && timeout.compareTo(BACKGROUND_TIMEOUT) < 0 ? BACKGROUND_TIMEOUT
                : timeout);
    }

    /**
     * One cheap round trip (libvirt's version, then {@code more}) on the probe's own request slot, reconnecting
     * once if the connection was lost. Waits at most {@code wait} in all: a libvirtd that hangs pins at most one
     * probe, and later ones say so instead of queueing behind it.
     */
    void checkHealth(Duration wait, Call<?> more) {
        Deadline deadline = Deadline.in(wait);
        if (!acquire(probeSlot, deadline)) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "libvirt at " + uri
                    + " has not answered the previous health check");
        }
        probeSlot.release(); // only a check that the last probe is done; the attempt takes the slot itself
        LibvirtOperation op = LibvirtOperation.CONNECT_GET_LIB_VERSION;
        reconnecting(op, "", deadline, probeSlot, c -> {
            c.getLibVersion();
            return more.run(c);
        });
    }

    /** Runs the call; if it finds the connection lost, once more on a fresh one. */
    private <T> T reconnecting(LibvirtOperation op, String subject, Deadline deadline, Semaphore slot, Call<T> call) {
        Connect c = connect(op, subject, deadline);
        try {
            return attempt(op, subject, deadline, slot, c, call);
        } catch (LibvirtException e) {
            if (!isLost(e)) {
                throw failure(op, subject, e);
            }
            drop(c, e);
            Connect fresh = connect(op, subject, deadline);
            try {
                return attempt(op, subject, deadline, slot, fresh, call);
            } catch (LibvirtException again) {
                if (isLost(again)) {
                    drop(fresh, again);
                }
                throw failure(op, subject, again);
            }
        }
    }

    /**
     * Runs the call on a worker holding a request slot, waiting for it until the deadline. A call still running
     * then is left to finish (its slot is freed when it does) and the caller is told libvirt did not answer.
     */
    private <T> T attempt(LibvirtOperation op, String subject, Deadline deadline, Semaphore slot, Connect c, Call<T> call)
            throws LibvirtException {
        if (!acquire(slot, deadline)) {
            throw unanswered(op, subject, deadline, "every request slot is held by a call libvirt has not answered");
        }
        Future<T> result;
        try {
            result = workers.submit(() -> {
                try {
                    return measured(op, call, c);
                } finally {
                    slot.release();
                }
            });
        } catch (RejectedExecutionException e) {
            slot.release();
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is shutting down");
        }
        try {
            return result.get(deadline.left(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw unanswered(op, subject, deadline, "no answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.INTERNAL, "interrupted during " + op.doing(subject));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LibvirtException le) {
                throw le;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new InstanceException(ErrorCode.INTERNAL, op.doing(subject) + ": " + cause, cause);
        }
    }

    private InstanceException unanswered(LibvirtOperation op, String subject, Deadline deadline, String why) {
        return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "libvirt at " + uri + ": " + why + " within "
                + deadline.seconds() + " s during " + op.doing(subject));
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

    /** Acquires a permit, waiting until the deadline; false if not in time. */
    private static boolean acquire(Semaphore s, Deadline deadline) {
        try {
            return s.tryAcquire(deadline.left(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The open connection, opening one if needed; waits for that attempt (or another call's) until the deadline. */
    private Connect connect(LibvirtOperation op, String subject, Deadline deadline) {
        CompletableFuture<Connect> attempt;
        synchronized (this) {
            if (closed) {
                throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is shutting down");
            }
            if (connection == null || connection.isCompletedExceptionally()) {
                try {
                    connection = CompletableFuture.supplyAsync(this::open, opener);
                } catch (RejectedExecutionException e) {
                    throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the plugin is shutting down");
                }
            }
            attempt = connection;
        }
        try {
            return attempt.get(deadline.left(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw unanswered(op, subject, deadline, "no answer to the connection attempt");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.INTERNAL, "interrupted while connecting to libvirt at " + uri);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new InstanceException(ErrorCode.INTERNAL, "connect to libvirt at " + uri + ": " + e.getCause(),
                    e.getCause());
        }
    }

    private Connect open() {
        long start = System.nanoTime();
        Connect c;
        try {
            c = new Connect(uri);
            meter.record(LibvirtOperation.CONNECT_OPEN.metricName(), System.nanoTime() - start, false);
        } catch (LibvirtException e) {
            meter.record(LibvirtOperation.CONNECT_OPEN.metricName(), System.nanoTime() - start, true);
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "cannot connect to libvirt at " + uri
                    + ": " + message(e), e);
        }
        boolean keepalive = false;
        try {
            keepalive = this.keepalive > 0 && c.setKeepAlive(this.keepalive, KEEPALIVE_COUNT);
        } catch (LibvirtException e) {
            // a driver without a daemon (test:///) has nothing to keep alive
            LOG.atDebug().addKeyValue("uri", uri).log("no keepalive on this connection: " + message(e));
        }
        LOG.atInfo().addKeyValue("uri", uri).addKeyValue("keepalive", keepalive).log("connected to libvirt");
        return c;
    }

    /** The connection an attempt opened; null while it runs, when it failed, or when there is none. */
    private static Connect opened(CompletableFuture<Connect> attempt) {
        return attempt != null && attempt.isDone() && !attempt.isCompletedExceptionally() ? attempt.join() : null;
    }

    /** Forgets a broken connection; other calls may still hold it, so libvirt-java frees it when unreachable. */
    private void drop(Connect broken, LibvirtException why) {
        synchronized (this) {
            if (opened(connection) == broken) {
                connection = null;
                LOG.atWarn().addKeyValue("uri", uri).addKeyValue("error", message(why))
                        .log("libvirt connection lost; reconnecting on next use");
            }
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
        CompletableFuture<Connect> last;
        synchronized (this) {
            closed = true;
            last = connection;
            connection = null;
        }
        workers.shutdown();
        opener.shutdown();
        Connect c = opened(last);
        if (c != null) {
            try {
                c.close();
            } catch (LibvirtException e) {
                LOG.atDebug().log("closing the libvirt connection: " + message(e));
            }
        }
    }
}
