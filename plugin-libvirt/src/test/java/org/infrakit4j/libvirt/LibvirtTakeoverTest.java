package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.GroupLoop;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A group switched from InfraKit's Go libvirt plugin to ours, on the real libvirtd (qemu:///system, TCG): 3
 * running domains laid out as the Go plugin made them ({@link LibvirtReferenceLayout}: transient, its metadata,
 * a metadata ISO each), our plugin as its own process through its socket. Without --adopt it sees none; with it
 * the group keeps the 3 (no Provision, no Destroy), then rolls them one by one to a changed config in the same
 * reference shape, and afterwards libvirt holds exactly the 3 new domains and none of the old ones' volumes.
 */
class LibvirtTakeoverTest {
    private final String prefix = "ik4j-to" + UUID.randomUUID().toString().substring(0, 6);
    private final List<String> reference = new ArrayList<>();
    private PluginProcess processes;

    /** The group's config as it ran under the Go plugin (its reference shape), and the rolled-to one. */
    private RawJson properties(int memoryMiB, String name) {
        return new RawJson("{\"MetadataStoragePool\":\"" + LibvirtTestEnv.pool() + "\",\"Domain\":{\"Type\":\"qemu\","
                + (name == null ? "" : "\"Name\":\"" + name + "\",")
                + "\"Memory\":{\"Value\":" + memoryMiB + ",\"Unit\":\"MiB\"},\"VCPU\":{\"Value\":1},"
                + "\"OS\":{\"Type\":{\"Type\":\"hvm\"}},\"OnPoweroff\":\"destroy\",\"OnReboot\":\"restart\","
                + "\"OnCrash\":\"destroy\"}}");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (processes != null) {
                processes.close();
            }
        } finally {
            LibvirtTestEnv.removeAll(prefix);
            for (String id : reference) { // transient: destroyed is gone
                if (LibvirtTestEnv.domains(id).contains(id)) {
                    LibvirtTestEnv.virsh("destroy", id);
                }
                for (String v : LibvirtTestEnv.volumes(id)) {
                    LibvirtTestEnv.virsh("vol-delete", "--pool", LibvirtTestEnv.pool(), v);
                }
            }
        }
    }

    private Process last;

    private InstancePluginClient start(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--uri", LibvirtTestEnv.uri(), "--storage-pool",
                LibvirtTestEnv.pool()));
        args.addAll(List.of(more));
        last = processes.start(args.toArray(String[]::new));
        Path socket = processes.socket(LibvirtMain.DEFAULT_NAME);
        PluginProcess.awaitSocket(socket, last, Duration.ofSeconds(60));
        return InstancePluginClient.connect(socket, "", Duration.ofSeconds(60));
    }

    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within 2 min", what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    void aGroupOfThreeIsKeptThenRolledWithNothingOrphaned() throws Exception {
        processes = PluginProcess.inNewHome(LibvirtMain.class, "ik4jto-", Map.of());
        GroupLoop before = GroupLoop.cattle(null, prefix, properties(32, null), 3);
        Connect libvirt = new Connect(LibvirtTestEnv.uri());
        try {
            for (int i = 0; i < 3; i++) {
                String id = LibvirtReferenceLayout.newId();
                reference.add(id);
                Domain d = LibvirtReferenceLayout.provision(libvirt, "qemu", id, id, before.tags(),
                        LibvirtTestEnv.pool());
                d.free();
            }
        } finally {
            libvirt.close();
        }
        for (String id : reference) {
            assertThat(LibvirtTestEnv.virsh("domstate", id).strip()).isEqualTo("running");
            assertThat(LibvirtTestEnv.volumes(id)).containsExactly(id + "-metadata");
        }

        try (InstancePluginClient client = start()) {
            assertThat(client.describeInstances(before.filter(), false)).as("without --adopt").isEmpty();
        }
        PluginProcess.term(last);
        assertThat(last.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("stopped").isTrue();
        try (InstancePluginClient client = start("--adopt")) {
            GroupLoop group = GroupLoop.cattle(client, prefix, properties(32, null), 3);
            for (int i = 0; i < 2; i++) {
                GroupLoop.Poll poll = group.poll();
                assertThat(poll.errors()).isEmpty();
                assertThat(poll.describedIds()).extracting(x -> x.value())
                        .containsExactlyInAnyOrderElementsOf(reference);
                assertThat(poll.provisioned()).as("nothing provisioned").isEmpty();
                assertThat(poll.destroyed()).as("nothing destroyed").isEmpty();
            }

            GroupLoop rolled = GroupLoop.cattle(client, prefix, properties(48, prefix), 3);
            String oldSha = group.tags().get(GroupLoop.CONFIG_SHA_TAG);
            for (int i = 0; i < 3; i++) {
                // InfraKit's group rolls one instance at a time: destroy one of the old config, then the
                // next poll provisions its replacement.
                Description old = client.describeInstances(rolled.filter(), false).stream()
                        .filter(d -> oldSha.equals(d.tags().get(GroupLoop.CONFIG_SHA_TAG))).findFirst()
                        .orElseThrow(() -> new AssertionError("no instance of the old config left to roll"));
                client.destroy(old.id(), DestroyContext.ROLLING_UPDATE);
                GroupLoop.Poll poll = rolled.poll();
                assertThat(poll.errors()).isEmpty();
                assertThat(poll.provisioned()).hasSize(1);
                assertThat(poll.destroyed()).isEmpty();
            }
            // Provision answers once the domain is defined; its start (and with it the full Properties) may finish
            // in the background on a busy machine.
            await("the 3 new domains running", () -> client.describeInstances(rolled.filter(), true).stream()
                    .filter(d -> d.properties().json().contains("\"State\":\"running\"")).count() == 3);
            List<Description> after = client.describeInstances(rolled.filter(), true);
            assertThat(after).hasSize(3).allSatisfy(d -> {
                assertThat(d.id().value()).startsWith(prefix + "-");
                assertThat(d.tags()).isEqualTo(rolled.tags());
                assertThat(d.properties().json()).contains("\"MemoryMiB\":48");
            });
            assertThat(rolled.poll().provisioned()).as("a further poll is at rest").isEmpty();

            // Counted on libvirt itself: the 3 new domains, nothing left of the old ones (a removal may still be
            // finishing in the plugin's background when Destroy has answered).
            await("the old domains and their metadata ISOs removed", () -> reference.stream().allMatch(id ->
                    LibvirtTestEnv.domains(id).isEmpty() && LibvirtTestEnv.volumes(id).isEmpty()));
            assertThat(LibvirtTestEnv.domains(prefix)).hasSize(3);

            for (Description d : after) {
                client.destroy(d.id(), DestroyContext.TERMINATE);
            }
            await("the new domains removed", () -> LibvirtTestEnv.domains(prefix).isEmpty());
        }
    }
}
