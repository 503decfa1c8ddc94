package org.infrakit4j.group;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.spi.InstancePlugin;

/**
 * Finds the plugins a group config names, as InfraKit's group plugin does through discovery: instance plugins
 * and flavor plugins by {@code lookup[/type]} in the plugin directory, {@code vanilla} built in. A config written
 * for InfraKit names {@code flavor-vanilla}: InfraKit's vanilla plugin serves it when its socket is there, else the
 * built-in one does, which behaves the same, so such a config needs no other process. Clients are kept
 * per name and dropped when their plugin stops answering, so a restarted plugin is found again.
 */
class PluginLookup implements AutoCloseable {
    private final PluginDirectory dir;
    private final Duration timeout;
    private final Map<String, InstancePluginClient> instances = new ConcurrentHashMap<>();
    private final Map<String, FlavorPluginClient> flavors = new ConcurrentHashMap<>();
    private final Flavor vanilla = new VanillaFlavor();

    PluginLookup(PluginDirectory dir, Duration timeout) {
        this.dir = dir;
        this.timeout = timeout;
    }

    InstancePlugin instance(String name) throws IOException {
        InstancePluginClient c = instances.get(name);
        if (c == null) {
            c = InstancePluginClient.forName(dir, name, timeout);
            InstancePluginClient raced = instances.putIfAbsent(name, c);
            if (raced != null) {
                c.close();
                c = raced;
            }
        }
        return c;
    }

    Flavor flavor(String name) throws IOException {
        if (name.equals(VanillaFlavor.NAME)
                || name.equals(VanillaFlavor.GO_NAME) && !Files.exists(dir.socketOf(VanillaFlavor.GO_NAME))) {
            return vanilla;
        }
        FlavorPluginClient c = flavors.get(name);
        if (c == null) {
            c = new FlavorPluginClient(InstancePluginClient.forName(dir, name, timeout), PluginDirectory.typeOf(name));
            FlavorPluginClient raced = flavors.putIfAbsent(name, c);
            if (raced != null) {
                c.close();
                c = raced;
            }
        }
        return c;
    }

    /** Forgets the clients of a plugin that did not answer: the next lookup discovers it again. */
    void forget(String instanceName, String flavorName) {
        InstancePluginClient i = instances.remove(instanceName);
        if (i != null) {
            i.close();
        }
        FlavorPluginClient f = flavors.remove(flavorName);
        if (f != null) {
            f.close();
        }
    }

    @Override
    public void close() {
        instances.values().forEach(InstancePluginClient::close);
        flavors.values().forEach(FlavorPluginClient::close);
    }
}
