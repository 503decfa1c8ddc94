package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.SelfHealingContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Self-healing on the real libvirtd (qemu:///system): groups of diskless 32 MiB TCG domains kept by the testkit's
 * group loop over the socket of the plugin running as its own process; a member is killed with {@code virsh destroy}
 * (shut off, reason destroyed). The members have a serial console logged to a per-test directory
 * ({@code --console-log-dir}), so a reaped domain's last state names its console log.
 */
class LibvirtSelfHealingTest extends SelfHealingContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String prefix = "ik4j-h" + UUID.randomUUID().toString().substring(0, 6);
    private Path home;
    private PluginProcess processes;

    @BeforeEach
    void home() throws Exception {
        processes = PluginProcess.inNewHome(LibvirtMain.class, "ik4jlh-", Map.of());
        home = processes.home();
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            processes.close();
        } finally {
            LibvirtTestEnv.removeAll(prefix);
        }
    }

    @Override
    protected Path startPlugin(List<String> flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--uri", LibvirtTestEnv.uri(), "--storage-pool",
                LibvirtTestEnv.pool(), "--namespace", "ik4j.test=" + prefix, "--console-log-dir",
                home.resolve("consoles").toString()));
        args.addAll(flags);
        Process p = processes.start(args.toArray(String[]::new));
        Path socket = processes.socket(LibvirtMain.DEFAULT_NAME);
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        return socket;
    }

    @Override
    protected RawJson memberProperties() {
        return new RawJson("{\"NamePrefix\":\"" + prefix + "\",\"Type\":\"qemu\",\"MemoryMiB\":32,\"Console\":true}");
    }

    @Override
    protected void killFromOutside(InstanceId id) throws Exception {
        // Provision answers while the TCG start may go on: a destroy before the domain runs would fail.
        awaitState(id, "running");
        LibvirtTestEnv.virsh("destroy", id.value());
        awaitState(id, "shut off");
    }

    private static void awaitState(InstanceId id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!LibvirtTestEnv.virsh("domstate", id.value()).strip().equals(state)) {
            assertThat(System.nanoTime()).as("%s %s within 60 s", id, state).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Override
    protected boolean existsInBackend(InstanceId id) {
        return LibvirtTestEnv.domains(prefix).contains(id.value());
    }

    @Override
    protected String stateOf(Description described) {
        try {
            return JSON.readTree(described.properties().json()).path("State").asText();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Set<String> deadStates() {
        return LibvirtDomainState.DEAD;
    }
}
