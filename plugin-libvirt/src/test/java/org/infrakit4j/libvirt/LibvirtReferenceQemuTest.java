package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Go plugin's Properties shape with Init on the real libvirtd (qemu:///system, TCG; one boot): the seed goes
 * to its MetadataStoragePool, even with no --storage-pool, holds the Init as the Go plugin's {@code config} file
 * too, and goes with the domain.
 */
class LibvirtReferenceQemuTest {
    private final String prefix = "ik4j-rq" + java.util.UUID.randomUUID().toString().substring(0, 6);
    private final LibvirtInstancePlugin plugin = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(), null);

    @AfterEach
    void cleanUp() {
        plugin.close();
        LibvirtTestEnv.removeAll(prefix);
    }

    @Test
    void initGoesToMetadataStoragePoolAsConfigAndUserData(@TempDir Path dir) throws Exception {
        RawJson props = new RawJson("{\"MetadataStoragePool\":\"" + LibvirtTestEnv.pool() + "\",\"Domain\":{"
                + "\"Type\":\"qemu\",\"Name\":\"" + prefix + "\",\"Memory\":{\"Value\":32,\"Unit\":\"MiB\"},"
                + "\"VCPU\":{\"Value\":1},\"OS\":{\"Type\":{\"Type\":\"hvm\"}}}}");
        // the Init of cmd/instance/libvirt/libvirt.yml's flavor
        InstanceId id = plugin.provision(Spec.of(props, Map.of("run", prefix)).withInit("test1\ntest2"));
        assertThat(LibvirtTestEnv.volumes(prefix)).containsExactly(id.value() + "-seed.iso");
        Path iso = dir.resolve("seed.iso");
        LibvirtTestEnv.virsh("vol-download", "--pool", LibvirtTestEnv.pool(), id.value() + "-seed.iso",
                iso.toString());
        Map<String, String> files = LibvirtSeedIsoTest.read(Files.readAllBytes(iso));
        assertThat(files.get("CONFIG.;1")).isEqualTo("test1\ntest2");
        assertThat(files.get("USER-DATA.;1")).isEqualTo("test1\ntest2");
        assertThat(LibvirtTestEnv.virsh("dumpxml", id.value())).contains("<source pool='" + LibvirtTestEnv.pool()
                + "' volume='" + id.value() + "-seed.iso'");
        plugin.destroy(id, DestroyContext.TERMINATE);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!LibvirtTestEnv.domains(prefix).isEmpty() || !LibvirtTestEnv.volumes(prefix).isEmpty()) {
            assertThat(System.nanoTime()).as("domain and seed removed within 2 min").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
