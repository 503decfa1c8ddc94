package org.infrakit4j.rpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
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
    /** Bodies this many times over the limit are not read to the end; the connection is closed instead. */
    private static final int DISCARD_FACTOR = 16;
    /** /healthz answers within about a second even when a backend hangs. */
    private static final Duration HEALTH_WAIT = Duration.ofMillis(900);

    /** Server settings. */
    public record Config(Path socket, long maxBodyBytes, Duration stopTimeout, int maxThreads) {
        public static final long DEFAULT_MAX_BODY = 4L * 1024 * 1024;

        public Config {
            Objects.requireNonNull(socket, "socket");
            if (maxBodyBytes <= 0) {
                throw new IllegalArgumentException("maxBodyBytes must be positive");
            }
            Objects.requireNonNull(stopTimeout, "stopTimeout");
        }

        public static Config of(Path socket) {
            return new Config(socket, DEFAULT_MAX_BODY, Duration.ofSeconds(10), 64);
        }

        public Config withMaxBody(long bytes) {
            return new Config(socket, bytes, stopTimeout, maxThreads);
        }

        public Config withStopTimeout(Duration timeout) {
            return new Config(socket, maxBodyBytes, timeout, maxThreads);
        }
    }

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
        Path socket = config.socket.toAbsolutePath();
        PluginDirectory.prepareToBind(socket);
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(config.maxThreads, 4), 2);
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
        connector.setIdleTimeout(30_000);
        server.addConnector(connector);
        PluginHealth health = new PluginHealth(plugins, HEALTH_WAIT);
        GracefulHandler graceful = new GracefulHandler(new RpcHandler(new RpcDispatcher(plugins, metrics), plugins,
                config.maxBodyBytes, metrics, health));
        server.setHandler(graceful);
        server.setStopTimeout(config.stopTimeout.toMillis());
        server.setStopAtShutdown(false);
        PluginServer ps = new PluginServer(new Config(socket, config.maxBodyBytes, config.stopTimeout,
                config.maxThreads), server, metrics, health);
        try {
            server.start();
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(ps.pidFile, Long.toString(ProcessHandle.current().pid()));
            publish(bound, socket);
        } catch (Exception e) {
            ps.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("could not start serving " + socket + ": " + e.getMessage(), e);
        }
        LOG.atInfo().addKeyValue("socket", socket).addKeyValue("types", new RpcDispatcher(plugins).objectNames())
                .log("serving");
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

    /** The HTTP layer: routes, method and Content-Type checks, the body limit. */
    private static final class RpcHandler extends Handler.Abstract {
        private final RpcDispatcher dispatcher;
        private final Map<String, InstancePlugin> plugins;
        private final long maxBody;
        private final PluginMetrics metrics;
        private final PluginHealth health;

        RpcHandler(RpcDispatcher dispatcher, Map<String, InstancePlugin> plugins, long maxBody,
                PluginMetrics metrics, PluginHealth health) {
            super(InvocationType.BLOCKING);
            this.dispatcher = dispatcher;
            this.plugins = plugins;
            this.maxBody = maxBody;
            this.metrics = metrics;
            this.health = health;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = request.getHttpURI().getPath();
            if (!"/".equals(path)) {
                drain(request);
            }
            switch (path == null ? "" : path) {
                case "/info/api.json" -> reply(response, callback, 200,
                        PluginInfo.api(plugins, System.currentTimeMillis() / 1000));
                case "/info/functions.json" -> reply(response, callback, 200, PluginInfo.functions());
                case "/metrics" -> reply(response, callback, 200, PluginMetrics.CONTENT_TYPE, metrics.render());
                case "/healthz" -> healthz(response, callback);
                case "/" -> rpc(request, response, callback);
                default -> reply(response, callback, 404, text("404 page not found\n"));
            }
            return true;
        }

        private void rpc(Request request, Response response, Callback callback) throws IOException {
            if (!"POST".equals(request.getMethod())) {
                drain(request);
                reply(response, callback, 405, text("rpc: POST method required, received " + request.getMethod()));
                return;
            }
            String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (contentType != null) {
                int semi = contentType.indexOf(';');
                String media = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
                if (!media.toLowerCase(Locale.ROOT).equals("application/json")) {
                    drain(request);
                    reply(response, callback, 415, text("rpc: unrecognized Content-Type: " + contentType));
                    return;
                }
            }
            long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            byte[] body = readBody(Content.Source.asInputStream(request), declared);
            if (body == null) {
                if (declared > maxBody * DISCARD_FACTOR) {
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
                reply(response, callback, 200, RpcDispatcher.tooLarge(maxBody));
                return;
            }
            byte[] reply = dispatcher.handle(body);
            reply(response, callback, 200, reply);
        }

        /** The body, or null when it is over the limit (the rest is read and dropped so the connection lives). */
        private byte[] readBody(InputStream in, long declared) throws IOException {
            if (declared > maxBody * DISCARD_FACTOR) {
                return null;
            }
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(
                    (int) Math.min(Math.max(declared, 256), maxBody + 1));
            byte[] chunk = new byte[8192];
            long total = 0;
            int n;
            while ((n = in.read(chunk)) >= 0) {
                total += n;
                if (total <= maxBody) {
                    buffer.write(chunk, 0, n);
                } else if (total > maxBody * DISCARD_FACTOR) {
                    return null;
                }
            }
            return total > maxBody ? null : buffer.toByteArray();
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

        /** Reads and drops a body this handler does not use, so the connection stays usable for the next request. */
        private void drain(Request request) throws IOException {
            readBody(Content.Source.asInputStream(request), request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH));
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
