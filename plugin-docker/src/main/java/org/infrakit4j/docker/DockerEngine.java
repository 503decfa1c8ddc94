package org.infrakit4j.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * The Docker Engine connection (docker-java over httpclient5) and the one place where its failures become
 * {@link InstanceException}s naming the engine address. Every call has a deadline (the configured timeout; a stop
 * adds its grace period, a pull allows ten timeouts); a dead engine fails at connect, at once. A broken pooled
 * connection is dropped, so the plugin works again as soon as the engine is back, without restart.
 */
final class DockerEngine implements AutoCloseable {

    /** Where the engine is and how to reach it. */
    record Config(String host, boolean tlsVerify, Path certPath, Duration timeout) {
        Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            URI uri = URI.create(host);
            if (!"unix".equals(uri.getScheme()) && !"tcp".equals(uri.getScheme())) {
                throw new IllegalArgumentException("docker host must be unix:///path or tcp://host:port, got " + host);
            }
            if (tlsVerify && certPath == null) {
                throw new IllegalArgumentException("TLS verification needs a certificate directory (--cert-path)");
            }
        }

        static Config of(String host) {
            return new Config(host, false, null, Duration.ofSeconds(30));
        }
    }

    /**
     * The engine API operations the plugin calls, named as the Engine API's operation IDs: the metrics' fixed label
     * set (a call's description carries IDs and image names, its operation never does).
     */
    enum Operation {
        CONTAINER_CREATE("ContainerCreate"), CONTAINER_INSPECT("ContainerInspect"),
        CONTAINER_START("ContainerStart"), CONTAINER_STOP("ContainerStop"), CONTAINER_DELETE("ContainerDelete"),
        CONTAINER_LIST("ContainerList"), CONTAINER_LOGS("ContainerLogs"), PUT_CONTAINER_ARCHIVE("PutContainerArchive"),
        NETWORK_CONNECT("NetworkConnect"), NETWORK_INSPECT("NetworkInspect"), IMAGE_INSPECT("ImageInspect"), IMAGE_CREATE("ImageCreate"),
        SYSTEM_PING("SystemPing");

        private final String apiName;

        Operation(String apiName) {
            this.apiName = apiName;
        }

        String apiName() {
            return apiName;
        }
    }

    private final Config config;
    private final DockerClient client;
    private final BackendMeter meter;
    /**
     * Engine calls in flight at once. Each call runs on its own worker, which a hung engine holds until the call's
     * deadline (unix socket: the interrupt closes it) or the response timeout (tcp: a blocked read ignores the
     * interrupt). Callers are the RPC threads and the set-up pool, so 32 is more than the plugin ever needs while the
     * engine answers; once they are all held, a further call is refused at once instead of stranding one more thread.
     */
    static final int MAX_CALLS = 32;
    /**
     * What the response timeout allows beyond the call timeout: a stop keeps the engine silent for the container's
     * grace period. A tcp:// read that hangs longer than this ends with a timeout and frees its worker.
     */
    private static final Duration SILENCE_ALLOWANCE = Duration.ofSeconds(60);
    private final ThreadPoolExecutor workers;
    private final int maxCalls;
    private final boolean ownsClient;
    private static final AtomicInteger WORKER_IDS = new AtomicInteger();

    private DockerEngine(Config config, DockerClient client, BackendMeter meter, int maxCalls, String threadName,
                         boolean ownsClient) {
        this.config = config;
        this.client = client;
        this.meter = meter;
        this.maxCalls = maxCalls;
        this.ownsClient = ownsClient;
        // No queue: a call either gets a worker now or is refused; idle workers end after a minute.
        this.workers = new ThreadPoolExecutor(maxCalls, maxCalls, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, threadName + WORKER_IDS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.workers.allowCoreThreadTimeOut(true);
    }

    /**
     * The same engine, client and meter for the dead-container sweeps, with workers of its own: a sweep on a hung
     * engine never holds one of the {@link #MAX_CALLS} workers the plugin's calls share. The sweeps make one call at
     * a time, but a worker is back for the next call only a moment after its call's answer was handed over: with a
     * single worker, back-to-back calls were refused now and then. Closing it leaves the client open.
     */
    DockerEngine forSweeps() {
        return new DockerEngine(config, client, meter, 2, "ik4j-docker-sweep-", false);
    }

    static DockerEngine connect(Config config, BackendMeter meter) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(config.host())
                .withDockerTlsVerify(config.tlsVerify());
        if (config.certPath() != null) {
            b.withDockerCertPath(config.certPath().toString());
        }
        DockerClientConfig clientConfig = b.build();
        URI host = clientConfig.getDockerHost();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(host)
                .sslConfig(config.tlsVerify() ? clientConfig.getSSLConfig()
                        : DockerNoTls.isLocalSocket(host) ? DockerNoTls::context : null)
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(Math.min(5, config.timeout().toSeconds() + 1)))
                .responseTimeout(responseTimeout(config))
                .build();
        return new DockerEngine(config, DockerClientImpl.getInstance(clientConfig, http), meter, MAX_CALLS,
                "docker-engine-", true);
    }

    /** The socket read timeout of a tcp:// engine: the longest the engine may stay silent in a call. */
    static Duration responseTimeout(Config config) {
        return config.timeout().plus(SILENCE_ALLOWANCE);
    }

    /** Engine calls holding a worker now (running, or stranded on a hung engine). */
    int callsInFlight() {
        return workers.getActiveCount();
    }

    DockerClient client() {
        return client;
    }

    String host() {
        return config.host();
    }

    Duration timeout() {
        return config.timeout();
    }

    /**
     * Runs one engine call, metered as {@code operation}; {@code what} names it in the error ("create container
     * from busybox", "pull busybox:latest").
     */
    <T> T call(Operation operation, String what, Supplier<T> action) {
        return call(operation, what, config.timeout(), action);
    }

    /**
     * Runs one engine call with a deadline. The call runs on a worker thread that is interrupted at the deadline:
     * docker-java's unix socket ignores read timeouts, and interrupting a blocked channel read closes the socket.
     */
    <T> T call(Operation operation, String what, Duration deadline, Supplier<T> action) {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T value = await(what, deadline, action);
            failed = false;
            return value;
        } finally {
            meter.record(operation.apiName(), System.nanoTime() - start, failed);
        }
    }

    private <T> T await(String what, Duration deadline, Supplier<T> action) {
        Future<T> result;
        try {
            result = workers.submit(action::get);
        } catch (RejectedExecutionException e) {
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + host() + ": "
                    + maxCalls + " calls already waiting for it, not starting another (" + what + "); retry later");
        }
        try {
            return result.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + host()
                    + " no answer within " + seconds(deadline) + " s during " + what, e);
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.INTERNAL, "interrupted during " + what, e);
        } catch (ExecutionException e) {
            throw translate(what, e.getCause());
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : String.format("%.1f", d.toMillis() / 1e3);
    }

    private RuntimeException translate(String what, Throwable e) {
        if (e instanceof InstanceException ie) {
            return ie;
        }
        if (e instanceof DockerException de) {
            return new InstanceException(ErrorCode.BACKEND_ERROR, "docker engine at " + host() + ": " + what + ": "
                    + engineMessage(de), e);
        }
        if (e instanceof DockerClientException) {
            return new InstanceException(ErrorCode.BACKEND_ERROR, "docker engine at " + host() + ": " + what + ": "
                    + e.getMessage(), e);
        }
        IOException io = ioCause(e);
        if (io != null) {
            String why = io instanceof InterruptedIOException
                    ? "no answer within " + seconds(config.timeout()) + " s (" + io.getMessage() + ")"
                    : "unreachable (" + inWords(io) + ")";
            return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + host() + " " + why
                    + " during " + what, e);
        }
        if (e instanceof RuntimeException re) {
            return re;
        }
        return new InstanceException(ErrorCode.INTERNAL, what + ": " + e, e);
    }

    /** Why a connection failed, in words rather than an exception class name. */
    String inWords(IOException e) {
        String detail = e.getMessage() == null ? "" : e.getMessage();
        String socket = host().startsWith("unix://") ? URI.create(host()).getPath() : null;
        if (e instanceof NoSuchFileException || detail.contains("No such file or directory")) {
            return socket != null ? "no socket at " + socket : "no such file: " + detail;
        }
        if (e instanceof AccessDeniedException || detail.contains("Permission denied")) {
            return "permission denied" + (socket != null ? " on " + socket : "");
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + detail;
        }
        if (e instanceof ConnectException || detail.contains("Connection refused")) {
            return "connection refused";
        }
        if (e instanceof SSLException) {
            return "TLS handshake failed: " + detail;
        }
        if (detail.contains("Connection reset") || detail.contains("Broken pipe")) {
            return "connection closed by the engine";
        }
        return detail.isEmpty() ? "connection failed" : detail;
    }

    void run(Operation operation, String what, Runnable action) {
        call(operation, what, () -> {
            action.run();
            return null;
        });
    }

    /** The container with exactly this ID (a name or an ID prefix does not count), if it exists. */
    Optional<InspectContainerResponse> inspectContainer(String id) {
        return call(Operation.CONTAINER_INSPECT, "inspect container " + id, () -> {
            try {
                InspectContainerResponse c = client.inspectContainerCmd(id).exec();
                return id.equals(c.getId()) ? Optional.of(c) : Optional.empty();
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    /** The IDs of every container the engine has, in any state; {@code what} names the call in an error. */
    Set<String> containerIds(String what) {
        return call(Operation.CONTAINER_LIST, what, () -> client.listContainersCmd().withShowAll(true).exec())
                .stream().map(Container::getId).collect(Collectors.toSet());
    }

    /**
     * The container with exactly this ID, from the engine's list: unlike an inspect, a list never waits for the
     * container's lock, which the engine holds while it starts or stops the container (seconds on a busy machine).
     */
    Optional<Container> findContainer(String id) {
        return call(Operation.CONTAINER_LIST, "find container " + id, () -> client.listContainersCmd()
                .withShowAll(true).withIdFilter(List.of(id)).exec())
                .stream().filter(c -> id.equals(c.getId())).findFirst();
    }

    /**
     * Stops the container, giving it {@code grace} seconds to exit, and removes it with its anonymous volumes; one
     * already gone is fine. A removal already under way (one whose call timed out, or another client's) counts only
     * once the container is gone, since that removal may still fail.
     */
    void stopAndRemove(String id, int grace) {
        call(Operation.CONTAINER_STOP, "stop container " + id, config.timeout().plusSeconds(grace), () -> {
            try {
                client.stopContainerCmd(id).withTimeout(grace).exec();
            } catch (NotModifiedException | NotFoundException e) {
                // already stopped or already gone
            }
            return null;
        });
        boolean removing = call(Operation.CONTAINER_DELETE, "remove container " + id, () -> {
            try {
                client.removeContainerCmd(id).withRemoveVolumes(true).withForce(true).exec();
            } catch (NotFoundException e) {
                // removed meanwhile
            } catch (ConflictException e) {
                if (!engineMessage(e).contains("already in progress")) {
                    throw e;
                }
                return true;
            }
            return false;
        });
        long deadline = System.nanoTime() + config.timeout().toNanos();
        while (removing && findContainer(id).isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new InstanceException(ErrorCode.BACKEND_ERROR, "docker engine at " + host() + ": removal of "
                        + "container " + id + " already in progress and not done within " + seconds(config.timeout())
                        + " s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstanceException(ErrorCode.INTERNAL, "interrupted waiting for the removal of " + id, e);
            }
        }
    }

    /** Throws BACKEND_UNAVAILABLE unless the engine answers /_ping within {@code deadline}. */
    void checkPing(Duration deadline) {
        call(Operation.SYSTEM_PING, "ping", deadline, () -> client.pingCmd().exec());
    }


    /** The engine's own message from a docker-java error ("Status 404: {\"message\":\"...\"}"). */
    static String engineMessage(DockerException e) {
        String text = e.getMessage();
        int brace = text.indexOf('{');
        if (brace >= 0) {
            try {
                JsonNode body = DockerJson.MAPPER.readTree(text.substring(brace));
                if (body.hasNonNull("message")) {
                    return body.get("message").asText() + " (HTTP " + e.getHttpStatus() + ")";
                }
            } catch (IOException | RuntimeException ignored) {
                // not JSON: keep the text as it is
            }
        }
        return text.strip();
    }

    private static IOException ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        workers.shutdownNow();
        if (ownsClient) {
            client.close();
        }
    }
}
