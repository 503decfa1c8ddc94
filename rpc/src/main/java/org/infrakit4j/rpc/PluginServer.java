package org.infrakit4j.rpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.infrakit4j.spi.InstancePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves instance plugins on a unix socket as InfraKit's Go server does (wire-protocol.md §1.2): JSON-RPC on
 * {@code POST /}, the info documents, Go's plain-text 404/405/415 replies, HTTP 200 for every RPC reply, a body
 * limit answered in JSON-RPC, socket mode 0600, a pid file, and a graceful stop that removes both files.
 */
public final class PluginServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginServer.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    /** /healthz answers within about a second even when a backend hangs. */
    private static final Duration HEALTH_WAIT = Duration.ofMillis(900);
    /** The warm-up is only a head start: a slow machine publishes the socket without waiting it out. */
    private static final Duration WARM_UP_WAIT = Duration.ofSeconds(2);

    /**
     * Server settings.
     *
     * @param maxThreads server threads; instance calls may use all but {@value #RESERVED_THREADS} of them, so
     *     /healthz and /metrics still answer while a hung backend holds every call
     * @param maxConnections connections open at once; one more is closed as soon as it is accepted
     * @param idleTimeout how long a connection may stay silent (idle between calls, or stalled half-way through
     *     a request or its reply) before it is closed
     */
    public record Config(Path socket, long maxBodyBytes, Duration stopTimeout, int maxThreads, int maxConnections,
            Duration idleTimeout) {
        public static final long DEFAULT_MAX_BODY = 4L * 1024 * 1024;
        public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
        /** Longer than a Go client's pause between polls on a kept-alive connection, short enough to free fds. */
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

        public Config {
            Objects.requireNonNull(socket, "socket");
            if (maxBodyBytes <= 0) {
                throw new IllegalArgumentException("maxBodyBytes must be positive");
            }
            Objects.requireNonNull(stopTimeout, "stopTimeout");
            if (stopTimeout.isNegative()) {
                throw new IllegalArgumentException("stopTimeout must not be negative");
            }
            if (maxThreads < RESERVED_THREADS + 1) {
                throw new IllegalArgumentException("maxThreads must be at least " + (RESERVED_THREADS + 1));
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive");
            }
        }

        public static Config of(Path socket) {
            return new Config(socket, DEFAULT_MAX_BODY, Duration.ofSeconds(10), 64, DEFAULT_MAX_CONNECTIONS,
                    DEFAULT_IDLE_TIMEOUT);
        }

        public Config withMaxBody(long bytes) {
            return new Config(socket, bytes, stopTimeout, maxThreads, maxConnections, idleTimeout);
        }

        public Config withStopTimeout(Duration timeout) {
            return new Config(socket, maxBodyBytes, timeout, maxThreads, maxConnections, idleTimeout);
        }

        public Config withMaxConnections(int connections) {
            return new Config(socket, maxBodyBytes, stopTimeout, maxThreads, connections, idleTimeout);
        }

        public Config withIdleTimeout(Duration timeout) {
            return new Config(socket, maxBodyBytes, stopTimeout, maxThreads, maxConnections, timeout);
        }

        Config withSocket(Path path) {
            return new Config(path, maxBodyBytes, stopTimeout, maxThreads, maxConnections, idleTimeout);
        }
    }

    /** Server threads kept from instance calls: the acceptor, the selector, and /healthz and /metrics requests. */
    public static final int RESERVED_THREADS = 8;

    private final Config config;
    private final Server server;
    private final Path pidFile;
    private final PluginMetrics metrics;
    private final PluginHealth health;

    private PluginServer(Config config, Server server, PluginMetrics metrics, PluginHealth health) {
        this.config = config;
        this.server = server;
        this.pidFile = PluginDirectory.pidFileOf(config.socket);
        this.metrics = metrics;
        this.health = health;
    }

    /** Binds the socket and starts serving, with metrics of its own (named after the socket). */
    public static PluginServer start(Config config, Map<String, InstancePlugin> plugins) throws IOException {
        return start(config, plugins, new PluginMetrics(config.socket.getFileName().toString()));
    }

    /**
     * Binds the socket and starts serving.
     *
     * @param metrics where calls are counted; the plugins' backend meter when they were built with it
     * @throws IOException when the socket cannot be bound: path too long, a live plugin already there, ...
     */
    public static PluginServer start(Config config, Map<String, InstancePlugin> plugins, PluginMetrics metrics)
            throws IOException {
        return start(config, plugins, List.of(), metrics);
    }

    /**
     * Binds the socket and serves other SPIs ({@link RpcService}, e.g. Group) beside the instance plugins, or
     * alone when {@code plugins} is empty; the handshake, {@code /info/api.json} and {@code /healthz} cover them.
     */
    public static PluginServer start(Config config, Map<String, InstancePlugin> plugins, List<RpcService> services,
            PluginMetrics metrics) throws IOException {
        Path socket = config.socket.toAbsolutePath();
        PluginDirectory.prepareToBind(socket);
        // Threads a burst started (thousands of connections opening at once) all end after 5 idle seconds,
        // not one per idle period as Jetty's default would have it.
        QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads, 2, 5_000);
        threads.setMaxEvictCount(config.maxThreads);
        threads.setName("ik4j-rpc");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1,
                new HttpConnectionFactory(http));
        // Bound under a temporary name, made owner-only, then renamed: the socket appears only when it is ready.
        Path bound = socket.resolveSibling("." + socket.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        PluginDirectory.checkLength(bound);
        Files.deleteIfExists(bound);
        connector.setUnixDomainPath(bound);
        connector.setAcceptQueueSize(128);
        connector.setIdleTimeout(config.idleTimeout.toMillis());
        connector.addEventListener(new ConnectionLimit(config.maxConnections, metrics));
        server.addConnector(connector);
        PluginHealth health = new PluginHealth(plugins, services, HEALTH_WAIT);
        RpcDispatcher dispatcher = new RpcDispatcher(plugins, services, metrics, config.maxThreads - RESERVED_THREADS, true);
        GracefulHandler graceful = new GracefulHandler(new RpcHandler(dispatcher, plugins, List.copyOf(services),
                config.maxBodyBytes, metrics, health));
        server.setHandler(graceful);
        server.setStopTimeout(config.stopTimeout.toMillis());
        server.setStopAtShutdown(false);
        PluginServer ps = new PluginServer(config.withSocket(socket), server, metrics, health);
        // On the other core while Jetty starts; done before the socket appears, so a client's first call finds
        // the call path loaded.
        Thread warmUp = DispatchWarmUp.start();
        try {
            server.start();
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(ps.pidFile, Long.toString(ProcessHandle.current().pid()));
            warmUp.join(WARM_UP_WAIT.toMillis());
            publish(bound, socket);
        } catch (Exception e) {
            ps.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("could not start serving " + socket + ": " + e.getMessage(), e);
        }
        LOG.atInfo().addKeyValue("socket", socket).addKeyValue("types", dispatcher.served())
                .addKeyValue("maxConnections", config.maxConnections).log("serving");
        return ps;
    }

    /** A hard link never replaces: of two plugins starting at once under one name, exactly one gets it. */
    private static void publish(Path bound, Path socket) throws IOException {
        try {
            Files.createLink(socket, bound);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("another plugin is already serving " + socket + " (it started at the same time)");
        } finally {
            Files.deleteIfExists(bound);
        }
    }

    public Path socket() {
        return config.socket;
    }

    public PluginMetrics metrics() {
        return metrics;
    }

    /** Stops accepting, lets calls in flight finish (bounded by the stop timeout), removes socket and pid file. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.atWarn().setCause(e).log("error while stopping the server");
        }
        health.close();
        try {
            Files.deleteIfExists(config.socket);
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            LOG.atWarn().setCause(e).log("could not remove the socket or pid file");
        }
    }

    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Closes a connection as soon as it is accepted when {@code max} are already open: the excess is refused at
     * once (the client sees the connection closed) instead of waiting in the accept queue, and the plugin's file
     * descriptors stay bounded.
     */
    private static final class ConnectionLimit implements Connection.Listener {
        private final int max;
        private final PluginMetrics metrics;
        private final AtomicLong refused = new AtomicLong();

        ConnectionLimit(int max, PluginMetrics metrics) {
            this.max = max;
            this.metrics = metrics;
        }

        @Override
        public void onOpened(Connection connection) {
            if (metrics.connectionOpened() > max) {
                metrics.connectionRefused();
                long n = refused.incrementAndGet();
                if (n == 1 || n % 1000 == 0) { // a flood must not flood the log too
                    LOG.atWarn().addKeyValue("maxConnections", max).addKeyValue("refused", n)
                            .log("connection refused: too many open connections");
                }
                connection.getEndPoint().close();
            }
        }

        @Override
        public void onClosed(Connection connection) {
            metrics.connectionClosed();
        }
    }

    /**
     * The HTTP layer: routes, method and Content-Type checks, the body limit. Bodies are read without holding a
     * thread ({@link RequestBody}); a thread is taken only once the whole request is there.
     */
    private static final class RpcHandler extends Handler.Abstract {
        private final RpcDispatcher dispatcher;
        private final Map<String, InstancePlugin> plugins;
        private final List<RpcService> services;
        private final long maxBody;
        private final PluginMetrics metrics;
        private final PluginHealth health;

        RpcHandler(RpcDispatcher dispatcher, Map<String, InstancePlugin> plugins, List<RpcService> services,
                long maxBody, PluginMetrics metrics, PluginHealth health) {
            super(InvocationType.BLOCKING);
            this.dispatcher = dispatcher;
            this.plugins = plugins;
            this.services = services;
            this.maxBody = maxBody;
            this.metrics = metrics;
            this.health = health;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            RequestBody.read(request, declared, maxBody, new RequestBody.Outcome() {
                @Override
                public void read(byte[] body, boolean closeConnection) {
                    if (closeConnection) {
                        response.getHeaders().put(HttpHeader.CONNECTION, "close");
                    }
                    try {
                        route(path == null ? "" : path, request, body, response, callback);
                    } catch (RuntimeException | Error e) {
                        LOG.atError().setCause(e).log("could not answer a request");
                        callback.failed(e);
                    }
                }

                @Override
                public void failed(Throwable failure) {
                    callback.failed(failure); // the client went away or stalled past the idle timeout
                }
            });
            return true;
        }

        /** Answers a request whose body has been read ({@code body} null when it was over the limit). */
        private void route(String path, Request request, byte[] body, Response response, Callback callback) {
            switch (path) {
                case "/info/api.json" -> reply(response, callback, 200, plugins.isEmpty()
                        ? PluginInfo.api(services.get(0), System.currentTimeMillis() / 1000)
                        : PluginInfo.api(plugins, System.currentTimeMillis() / 1000));
                case "/info/functions.json" -> reply(response, callback, 200, PluginInfo.functions());
                case "/metrics" -> reply(response, callback, 200, PluginMetrics.CONTENT_TYPE, metricsText());
                case "/healthz" -> healthz(response, callback);
                case "/" -> rpc(request, body, response, callback);
                default -> reply(response, callback, 404, text("404 page not found\n"));
            }
        }

        /** The server's metrics, then each service's own lines. */
        private byte[] metricsText() {
            byte[] common = metrics.render();
            if (services.isEmpty()) {
                return common;
            }
            StringBuilder more = new StringBuilder();
            services.forEach(s -> more.append(s.metricsText()));
            byte[] extra = text(more.toString());
            byte[] all = java.util.Arrays.copyOf(common, common.length + extra.length);
            System.arraycopy(extra, 0, all, common.length, extra.length);
            return all;
        }

        private void rpc(Request request, byte[] body, Response response, Callback callback) {
            if (!"POST".equals(request.getMethod())) {
                reply(response, callback, 405, text("rpc: POST method required, received " + request.getMethod()));
                return;
            }
            String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (contentType != null) {
                int semi = contentType.indexOf(';');
                String media = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
                if (!media.toLowerCase(Locale.ROOT).equals("application/json")) {
                    reply(response, callback, 415, text("rpc: unrecognized Content-Type: " + contentType));
                    return;
                }
            }
            if (body == null) {
                reply(response, callback, 200, RpcDispatcher.tooLarge(maxBody));
                return;
            }
            reply(response, callback, 200, dispatcher.handle(body));
        }

        /** 200 "ok", or 503 with one line per problem: what is wrong, never a stack trace. */
        private void healthz(Response response, Callback callback) {
            List<String> problems = health.check();
            if (problems.isEmpty()) {
                reply(response, callback, 200, text("ok\n"));
            } else {
                reply(response, callback, 503, text(String.join("\n", problems) + "\n"));
            }
        }

        private static byte[] text(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        /** Every reply is text/plain, as the Go server's recorder sends it (wire-protocol.md §1.2). */
        private static void reply(Response response, Callback callback, int status, byte[] body) {
            reply(response, callback, status, TEXT, body);
        }

        private static void reply(Response response, Callback callback, int status, String type, byte[] body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
