package org.infrakit4j.group;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.infrakit4j.file.FileInstancePlugin;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.rpc.RpcService;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;

/**
 * A plugins directory with the real file instance plugin served on its socket ({@code instance-file}), our group
 * plugin started as its main starts it (socket {@code group}, state file in the home), and clients of both over
 * their unix sockets.
 */
final class GroupFixture implements AutoCloseable {
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final Path home;
    final PluginDirectory dir;
    final Path state;
    private final List<AutoCloseable> open = new ArrayList<>();
    private PluginServer fileServer;
    private FileInstancePlugin filePlugin;
    GroupMain.Running group;
    final InstancePluginClient instances;
    InstancePluginClient groupClient;

    GroupFixture(Path home) throws Exception {
        this.home = home;
        this.dir = new PluginDirectory(home.resolve("plugins"));
        this.state = home.resolve("group").resolve("groups.json");
        dir.ensureExists();
        startFilePlugin();
        instances = InstancePluginClient.connect(dir.socketOf("instance-file"), "", TIMEOUT);
    }

    void startFilePlugin() throws IOException {
        filePlugin = FileInstancePlugin.open(home.resolve("instances"));
        fileServer = PluginServer.start(PluginServer.Config.of(dir.socketOf("instance-file")),
                Map.of("", filePlugin));
    }

    void stopFilePlugin() throws Exception {
        fileServer.close();
        filePlugin.close();
    }

    /** Serves other services (e.g. a test flavor) on another socket of the directory. */
    void serve(String name, RpcService service) throws IOException {
        open.add(PluginServer.start(PluginServer.Config.of(dir.socketOf(name)), Map.of(), List.of(service),
                new org.infrakit4j.rpc.PluginMetrics(name)));
    }

    GroupFixture startGroup() throws Exception {
        group = GroupMain.start(dir, state, POLL, 4, TIMEOUT);
        groupClient = InstancePluginClient.connect(dir.socketOf("group"), "", TIMEOUT);
        return this;
    }

    void stopGroup() {
        groupClient.close();
        group.close();
        group = null;
    }

    InstancePlugin instancePlugin() {
        return instances;
    }

    /** Calls {@code Group.<method>} with params written by {@code params}; returns the result. */
    JsonNode call(String method, GoJson.Writer params) throws Exception {
        return GoFields.parse(groupClient.callMethod("Group." + method, params).json());
    }

    JsonNode commit(String id, String properties, boolean pretend) throws Exception {
        return commit(groupClient, id, properties, pretend);
    }

    /** {@code Group.CommitGroup} through any client of a group plugin. */
    static JsonNode commit(InstancePluginClient client, String id, String properties, boolean pretend)
            throws Exception {
        return GoFields.parse(client.callMethod("Group.CommitGroup", out -> {
            out.writeStartObject();
            out.writeObjectFieldStart("Spec");
            out.writeStringField("ID", id);
            out.writeFieldName("Properties");
            GoJson.writeRaw(out, new RawJson(properties));
            out.writeEndObject();
            out.writeBooleanField("Pretend", pretend);
            out.writeEndObject();
        }).json());
    }

    JsonNode byId(String method, String id) throws Exception {
        return call(method, GroupService.idResult(id));
    }

    static String cattle(int size, String flavorProperties) {
        return "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{\"note\":\"test\"}},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":" + flavorProperties + "},"
                + "\"Allocation\":{\"Size\":" + size + "}}";
    }

    /** Polls until {@code done}; fails naming {@code what} after 60 s. */
    static void await(String what, BooleanSupplier done) throws InterruptedException {
        Duration patience = Duration.ofSeconds(60);
        long deadline = System.nanoTime() + patience.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + patience.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws Exception {
        if (group != null) {
            stopGroup();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        instances.close();
        stopFilePlugin();
        Files.deleteIfExists(dir.socketOf("group"));
    }
}
