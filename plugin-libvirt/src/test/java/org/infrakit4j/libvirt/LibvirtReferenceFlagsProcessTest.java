package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.Test;

/**
 * The plugin started as InfraKit's Go libvirt plugin was (its environment variables, {@code --log N}), as its own
 * process on the test driver: each entry of INFRAKIT_LIBVIRT_URIS answers as a sub-type, the namespace variable
 * tags what it makes, and each old spelling is logged as deprecated.
 */
class LibvirtReferenceFlagsProcessTest {
    @Test
    void theGoPluginsEnvironmentAndLogFlagWorkAndAreLoggedAsDeprecated() throws Exception {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ik4jlvref-");
        PluginProcess processes = new PluginProcess(LibvirtMain.class, home, Map.of(
                LibvirtMain.ENV_URIS, "default=test:///default,other=test:///default",
                LibvirtMain.ENV_NAMESPACE, "team=ref"));
        try {
            Process p = processes.start("--log", "4", "--storage-pool", LibvirtTestDriverContractTest.POOL);
            Path socket = processes.socket(LibvirtMain.DEFAULT_NAME);
            PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
            try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30))) {
                assertThat(client.types().json()).contains("\"default\"").contains("\"other\"");
                try (InstancePluginClient other = client.withType("other")) {
                    InstanceId id = other.provision(Spec.of(new RawJson("{\"Domain\":{\"Type\":\"test\","
                            + "\"Memory\":{\"Value\":32,\"Unit\":\"MiB\"},\"OS\":{\"Type\":{\"Type\":\"hvm\"}}}}"),
                            Map.of("k", "v")));
                    assertThat(other.describeInstances(Map.of("k", "v"), false)).singleElement()
                            .satisfies(d -> assertThat(d.tags()).isEqualTo(Map.of("k", "v", "team", "ref")));
                    other.destroy(id, DestroyContext.TERMINATE);
                }
            }
            PluginProcess.term(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(processes.output(0))
                    .contains("--log 4 is deprecated: use --log-level info")
                    .contains("INFRAKIT_LIBVIRT_URIS is deprecated: use --uri (one connection per plugin); its "
                            + "entries are served as sub-types default, other, and default also without a type")
                    .contains("INFRAKIT_LIBVIRT_NAMESPACE_TAGS is deprecated: use --namespace team=ref");
        } finally {
            processes.close();
            try (var files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
