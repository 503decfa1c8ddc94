package org.infrakit4j.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.spi.InstancePlugin;

/** Plugins served in-process on a real socket in a fresh 0700 directory, with a real client on it. */
public final class PluginHarness implements AutoCloseable {
    public static final String NAME = "instance-under-test";

    private final Path dir;
    private final PluginServer server;
    private final InstancePluginClient client;

    private PluginHarness(Path dir, PluginServer server, InstancePluginClient client) {
        this.dir = dir;
        this.server = server;
        this.client = client;
    }

    public static PluginHarness serve(InstancePlugin plugin, Duration timeout) throws IOException {
        return serve(Map.of("", plugin), PluginServer.Config.DEFAULT_MAX_BODY, timeout);
    }

    public static PluginHarness serve(Map<String, InstancePlugin> plugins, long maxBody, Duration timeout)
            throws IOException {
        return serve(plugins, maxBody, timeout, new PluginMetrics(NAME));
    }

    /** @param metrics the server's metrics, which the plugins may also use as their backend meter */
    public static PluginHarness serve(Map<String, InstancePlugin> plugins, long maxBody, Duration timeout,
            PluginMetrics metrics) throws IOException {
        return serve(plugins, timeout, metrics, c -> c.withMaxBody(maxBody));
    }

    /** @param settings adjusts the server's settings (connection limit, idle timeout, ...) */
    public static PluginHarness serve(Map<String, InstancePlugin> plugins, Duration timeout, PluginMetrics metrics,
            UnaryOperator<PluginServer.Config> settings) throws IOException {
        // Short paths: a unix socket path must fit in 107 bytes.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "ik4j-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        new PluginDirectory(dir).ensureExists();
        PluginServer server = PluginServer.start(settings.apply(PluginServer.Config.of(dir.resolve(NAME))), plugins,
                metrics);
        return new PluginHarness(dir, server, InstancePluginClient.connect(server.socket(), "", timeout));
    }

    public InstancePluginClient client() {
        return client;
    }

    public Path socket() {
        return server.socket();
    }

    public PluginMetrics metrics() {
        return server.metrics();
    }

    public Path directory() {
        return dir;
    }

    /** Stops the server as SIGTERM would (graceful), leaving clients open. */
    public void stopServer() {
        server.close();
    }

    public RawHttp raw() throws IOException {
        return new RawHttp(server.socket());
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
