package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginLookupTest {

    @Test
    void vanillaIsBuiltInAndInfraKitsNameFallsBackToItWhenNoSuchPluginRuns(@TempDir Path dir) throws IOException {
        try (PluginLookup lookup = new PluginLookup(new PluginDirectory(dir), Duration.ofSeconds(5))) {
            Flavor builtIn = lookup.flavor("vanilla");
            assertThat(builtIn).isInstanceOf(VanillaFlavor.class);
            assertThat(lookup.flavor("flavor-vanilla")).isSameAs(builtIn);
            assertThatThrownBy(() -> lookup.flavor("flavor-other")).isInstanceOf(IOException.class);
        }
    }

    @Test
    void infraKitsVanillaPluginServesItsNameWhenItRuns(@TempDir Path home) throws Exception {
        PluginDirectory dir = new PluginDirectory(home.resolve("p"));
        dir.ensureExists();
        // A flavor plugin of that name (here one of ours over the real socket) is used, not the built-in one.
        try (PluginServer served = PluginServer.start(PluginServer.Config.of(dir.socketOf("flavor-vanilla")),
                Map.of(), List.of(new FlavorService(Map.of("", new VanillaFlavor()))), new PluginMetrics("flavor-vanilla"));
             PluginLookup lookup = new PluginLookup(dir, Duration.ofSeconds(5))) {
            Flavor remote = lookup.flavor("flavor-vanilla");
            assertThat(remote).isInstanceOf(FlavorPluginClient.class);
            remote.validate(RawJson.of("{\"Init\":[\"echo hi\"]}"), new Allocation(1, List.of()));
        }
    }
}
