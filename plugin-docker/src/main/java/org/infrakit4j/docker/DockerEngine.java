package org.infrakit4j.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
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
        CONTAINER_LIST("ContainerList"), PUT_CONTAINER_ARCHIVE("PutContainerArchive"),
        NETWORK_CONNECT("NetworkConnect"), IMAGE_INSPECT("ImageInspect"), IMAGE_CREATE("ImageCreate"),
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
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "docker-engine-" + WORKER_IDS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private static final AtomicInteger WORKER_IDS = new AtomicInteger();

    private DockerEngine(Config config, DockerClient client, BackendMeter meter) {
        this.config = config;
        this.client = client;
        this.meter = meter;
    }

    static DockerEngine connect(Config config, BackendMeter meter) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(config.host())
                .withDockerTlsVerify(config.tlsVerify());
        if (config.certPath() != null) {
            b.withDockerCertPath(config.certPath().toString());
        }
        DockerClientConfig clientConfig = b.build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(clientConfig.getDockerHost())
                .sslConfig(config.tlsVerify() ? clientConfig.getSSLConfig() : null)
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(Math.min(5, config.timeout().toSeconds() + 1)))
                .build();
        return new DockerEngine(config, DockerClientImpl.getInstance(clientConfig, http), meter);
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
        Future<T> result = workers.submit(action::get);
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
                    : "unreachable (" + io.getClass().getSimpleName() + ": " + io.getMessage() + ")";
            return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "docker engine at " + host() + " " + why
                    + " during " + what, e);
        }
        if (e instanceof RuntimeException re) {
            return re;
        }
        return new InstanceException(ErrorCode.INTERNAL, what + ": " + e, e);
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
        while (removing && inspectContainer(id).isPresent()) {
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

    /** Whether the engine answers /_ping now. */
    boolean ping() {
        try {
            call(Operation.SYSTEM_PING, "ping", () -> client.pingCmd().exec());
            return true;
        } catch (InstanceException e) {
            return false;
        }
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
        client.close();
    }
}
