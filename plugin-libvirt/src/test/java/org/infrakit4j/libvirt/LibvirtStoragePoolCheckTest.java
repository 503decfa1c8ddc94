package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.Test;

/**
 * An unusable --storage-pool is reported when the plugin starts and by /healthz, not first by a Provision that
 * needs it; on libvirt's test driver, whose only pool is "default-pool".
 */
class LibvirtStoragePoolCheckTest {
    private static final String MISSING = "no-such-pool";

    @Test
    void aMissingPoolFailsTheHealthCheckWhileAUsableOneOrNoneDoesNot() {
        try (LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(), MISSING)) {
            assertThat(plugin.storagePoolProblem()).contains("storage pool \"" + MISSING + "\" does not exist");
            assertThatThrownBy(plugin::checkHealth).isInstanceOf(InstanceException.class)
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("backend error: --storage-pool"))
                    .hasMessageContaining("storage pool \"" + MISSING + "\" does not exist");
        }
        try (LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(),
                LibvirtTestDriverContractTest.POOL)) {
            assertThat(plugin.storagePoolProblem()).isNull();
            plugin.checkHealth();
        }
        try (LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(), null)) {
            assertThat(plugin.storagePoolProblem()).isNull();
            plugin.checkHealth();
        }
    }

    @Test
    void thePluginStartsWarningOfAMissingPoolAndHealthzSaysWhatIsWrong() throws Exception {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ik4jsp-");
        PluginProcess processes = new PluginProcess(LibvirtMain.class, home, Map.of());
        try {
            Process p = processes.start("--uri", "test:///default", "--storage-pool", MISSING);
            Path socket = processes.socket(LibvirtMain.DEFAULT_NAME);
            PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
            assertThat(processes.output(0)).as("start-up log").contains("--storage-pool " + MISSING
                    + " is not usable now (").contains("does not exist");
            try (RawHttp http = new RawHttp(socket)) {
                RawHttp.Reply health = http.send("GET", "/healthz", null, null);
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.text()).startsWith("backend error: --storage-pool")
                        .contains("storage pool \"" + MISSING + "\" does not exist");
            }
            assertThat(p.isAlive()).as("a warning, not an exit").isTrue();
        } finally {
            processes.close();
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
