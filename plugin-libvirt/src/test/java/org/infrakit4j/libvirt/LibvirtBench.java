package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PluginHarness;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 20 Provisions then 20 Destroys of diskless 32 MiB TCG domains, one after another, through the socket, beside
 * the same work done by virsh define/start and destroy/undefine (same domain XML, one virsh process per step)
 * in the same run. Provision answers before the TCG start ends (at most 0.5 s), so the plugin's figures are
 * given twice: when the calls return, and when libvirt reports every domain running (or gone).
 * Run: {@code mvn test -Dbench.excludedGroups= -Dgroups=bench -Dtest=LibvirtBench} with IK4J_LIBVIRT_* set.
 */
@Tag("bench")
class LibvirtBench {
    private static final int N = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void provisionAndDestroyTwentyDomains() throws Exception {
        String prefix = "ik4j-b" + UUID.randomUUID().toString().substring(0, 6);
        RawJson props = new RawJson("{\"NamePrefix\":\"" + prefix + "\",\"Type\":\"qemu\",\"MemoryMiB\":32,"
                + "\"Console\":false}");
        Map<String, String> tags = Map.of("bench", prefix);
        List<String> lines = new ArrayList<>();
        try (LibvirtInstancePlugin backend = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(),
                LibvirtTestEnv.pool()); PluginHarness harness = PluginHarness.serve(backend, Duration.ofSeconds(60))) {
            InstancePlugin plugin = harness.client();
            plugin.describeInstances(tags, false); // connect before timing

            long t0 = System.nanoTime();
            List<InstanceId> ids = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                ids.add(plugin.provision(Spec.of(props, tags)));
            }
            long calls = System.nanoTime() - t0;
            awaitDescribed(plugin, tags, N, true);
            long running = System.nanoTime() - t0;
            lines.add(row("plugin Provision x" + N + ", calls returned", calls));
            lines.add(row("plugin Provision x" + N + ", all running", running));

            // Describe's cost: two listings whatever the number of domains, plus one state call per domain that
            // may be dead (shut off, or in another state than running and paused).
            lines.add(row("plugin Describe x" + N + ", " + N + " running", describeTimes(plugin, tags)));
            for (int i = 0; i < N / 2; i++) {
                LibvirtTestEnv.virsh("destroy", ids.get(i).value());
            }
            assertThat(plugin.describeInstances(tags, false)).hasSize(N / 2);
            lines.add(row("plugin Describe x" + N + ", " + N / 2 + " running, " + N / 2 + " dead",
                    describeTimes(plugin, tags)));

            t0 = System.nanoTime();
            for (InstanceId id : ids) {
                plugin.destroy(id, DestroyContext.TERMINATE);
            }
            calls = System.nanoTime() - t0;
            awaitGone(prefix);
            long gone = System.nanoTime() - t0;
            lines.add(row("plugin Destroy x" + N + ", calls returned", calls));
            lines.add(row("plugin Destroy x" + N + ", all undefined", gone));
        }

        LibvirtMetadata meta = new LibvirtMetadata(Optional.empty(), tags, List.of(), 0);
        LibvirtProperties p = LibvirtPropertiesDecoder.decode(props);
        List<String> names = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            String name = prefix + "-virsh" + i;
            names.add(name);
            Path xml = dir.resolve(name + ".xml");
            Files.writeString(xml, LibvirtDomainXml.build(p, "qemu", name, meta, List.of(), List.of()));
            files.add(xml);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            LibvirtTestEnv.virsh("define", files.get(i).toString());
            LibvirtTestEnv.virsh("start", names.get(i));
        }
        lines.add(row("virsh define+start x" + N, System.nanoTime() - t0));
        t0 = System.nanoTime();
        for (String name : names) {
            LibvirtTestEnv.virsh("destroy", name);
            LibvirtTestEnv.virsh("undefine", name);
        }
        lines.add(row("virsh destroy+undefine x" + N, System.nanoTime() - t0));
        awaitGone(prefix);

        System.out.printf("%nlibvirt bench: %s, %d diskless 32 MiB TCG domains, one call at a time%n%-42s %9s %12s%n",
                LibvirtTestEnv.uri(), N, "", "total ms", "per domain");
        lines.forEach(System.out::println);
    }

    /** N Describes (no Properties) one after another; the total time. */
    private static long describeTimes(InstancePlugin plugin, Map<String, String> tags) {
        long t0 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            plugin.describeInstances(tags, false);
        }
        return System.nanoTime() - t0;
    }

    private static String row(String what, long nanos) {
        return String.format("%-42s %9.0f %12.0f", what, nanos / 1e6, nanos / 1e6 / N);
    }

    private static void awaitDescribed(InstancePlugin plugin, Map<String, String> tags, int n, boolean running)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<Description> all = plugin.describeInstances(tags, true);
            long ok = 0;
            for (Description d : all) {
                if (!running || JSON.readTree(d.properties().json()).path("State").asText().equals("running")) {
                    ok++;
                }
            }
            if (ok == n) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("domains not running after 5 minutes");
    }

    private static void awaitGone(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (LibvirtTestEnv.virsh("list", "--all", "--name").contains(prefix)) {
            assertThat(System.nanoTime()).as("domains gone within 5 minutes").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
