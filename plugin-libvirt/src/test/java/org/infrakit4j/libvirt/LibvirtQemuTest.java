package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * libvirt-specific behaviour against a real libvirtd (qemu:///system, TCG), checked with virsh, blkid and
 * isoinfo rather than through the plugin. Each test names its domains and volumes with its own prefix.
 */
class LibvirtQemuTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String prefix = "ik4j-q" + UUID.randomUUID().toString().substring(0, 6);
    private final Map<String, String> run = Map.of("run", prefix);
    /**
     * Waits for starts and removals, so each call's outcome is final when it returns; lists dead (shut-off) domains
     * too and never reaps them, so a test sees every domain it made (LibvirtSelfHealingTest covers the default).
     */
    private final LibvirtInstancePlugin plugin = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(),
            LibvirtTestEnv.pool(), BackendMeter.NONE, Duration.ofMinutes(2),
            new ReapPolicy(true, Optional.empty(), false));

    @AfterEach
    void cleanUp() {
        try {
            for (Description d : plugin.describeInstances(run, false)) {
                plugin.destroy(d.id(), DestroyContext.TERMINATE);
            }
            for (String v : volumes()) {
                LibvirtTestEnv.virsh("vol-delete", "--pool", LibvirtTestEnv.pool(), v);
            }
            assertThat(domains()).as("domains left by the test").isEmpty();
        } finally {
            plugin.close();
        }
    }

    private RawJson props(String more) {
        return new RawJson("{\"NamePrefix\":\"" + prefix + "\",\"Type\":\"qemu\",\"MemoryMiB\":32,"
                + "\"Console\":false" + more + "}");
    }

    private Map<String, String> tags(String... pairs) {
        Map<String, String> t = new HashMap<>(run);
        for (int i = 0; i < pairs.length; i += 2) {
            t.put(pairs[i], pairs[i + 1]);
        }
        return t;
    }

    private List<String> domains() {
        return LibvirtTestEnv.domains(prefix);
    }

    private List<String> volumes() {
        return LibvirtTestEnv.volumes(prefix);
    }

    private JsonNode properties(InstanceId id) throws Exception {
        Description d = plugin.describeInstances(run, true).stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow();
        return JSON.readTree(d.properties().json());
    }

    @Test
    void tagsAndLogicalIdAreInTheRealDomainsMetadataUnderOurNamespace() {
        InstanceId id = plugin.provision(Spec.of(props(""), tags("infrakit.group", "g")).withLogicalId("10.0.0.7"));
        for (String flags : List.of("--live", "--config")) {
            String meta = LibvirtTestEnv.virsh("metadata", id.value(), LibvirtMetadata.NAMESPACE, flags);
            assertThat(meta).contains("<logical-id>10.0.0.7</logical-id>").contains("<key>infrakit.group</key>")
                    .contains("<value>" + prefix + "</value>");
        }
        assertThat(LibvirtTestEnv.virsh("domstate", id.value()).strip()).isEqualTo("running");
        assertThat(LibvirtTestEnv.virsh("dominfo", id.value())).containsPattern("Persistent:\\s+yes");
    }

    @Test
    void labelIsVisibleInDescribeAndInTheLiveAndPersistentDefinitions() {
        InstanceId id = plugin.provision(Spec.of(props(""), tags("keep", "1", "change", "old")));
        plugin.label(id, Map.of("change", "new", "added", "yes"));
        assertThat(plugin.describeInstances(run, false)).singleElement().extracting(Description::tags)
                .isEqualTo(tags("keep", "1", "change", "new", "added", "yes"));
        for (String flags : List.of("--live", "--config")) {
            assertThat(LibvirtTestEnv.virsh("metadata", id.value(), LibvirtMetadata.NAMESPACE, flags))
                    .contains("<key>added</key>").contains("<value>new</value>").doesNotContain("<value>old</value>");
        }
        String inactive = LibvirtTestEnv.virsh("dumpxml", "--inactive", id.value());
        assertThat(inactive.split("<ik4j:instance ", -1)).as("one metadata element of ours").hasSize(2);
    }

    @Test
    void xmlInjectionAttemptsInTagsAreStoredLiterally() {
        Map<String, String> hostile = new HashMap<>(LibvirtMetadataTest.HOSTILE);
        hostile.putAll(run);
        InstanceId id = plugin.provision(Spec.of(props(""), hostile));
        plugin.label(id, Map.of("</key></tag><tag><key>injected", "<value>x</value>"));
        hostile.put("</key></tag><tag><key>injected", "<value>x</value>");
        assertThat(plugin.describeInstances(run, false)).singleElement().extracting(Description::tags)
                .isEqualTo(hostile);
        String meta = LibvirtTestEnv.virsh("metadata", id.value(), LibvirtMetadata.NAMESPACE, "--config");
        assertThat(meta).doesNotContain("<key>evil</key>").doesNotContain("<key>injected</key>")
                .contains("&lt;/value&gt;&lt;/tag&gt;&lt;tag&gt;&lt;key&gt;evil");
    }

    @Test
    void domainsTagsAndLabelsSurviveALibvirtdRestartAndThePluginReconnects() throws Exception {
        InstanceId running = plugin.provision(Spec.of(props(""), tags("which", "running")));
        InstanceId stopped = plugin.provision(Spec.of(props(""), tags("which", "stopped")));
        plugin.label(running, Map.of("labelled", "before restart"));
        LibvirtTestEnv.virsh("destroy", stopped.value());
        plugin.describeInstances(run, false); // the plugin's connection is open before the restart

        LibvirtDaemon.restart();

        assertThat(plugin.describeInstances(run, false)).extracting(Description::id, Description::tags)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(running, tags("which", "running", "labelled",
                                "before restart")),
                        org.assertj.core.groups.Tuple.tuple(stopped, tags("which", "stopped")));
        assertThat(properties(running).path("State").asText()).isEqualTo("running");
        assertThat(properties(stopped).path("State").asText()).isEqualTo("shutoff");
        plugin.destroy(running, DestroyContext.TERMINATE);
        plugin.destroy(stopped, DestroyContext.TERMINATE);
        assertThat(domains()).isEmpty();
    }

    @Test
    void initBecomesASeedDiskLabelledCidataWithUserDataAndMetaData() {
        String init = "#cloud-config\nruncmd:\n  - [sh, -c, 'echo \"<&>\" > /tmp/ok']\n";
        InstanceId id = plugin.provision(Spec.of(props(""), tags()).withInit(init));
        String seed = id.value() + "-seed.iso";
        String path = LibvirtTestEnv.virsh("vol-path", "--pool", LibvirtTestEnv.pool(), seed).strip();
        assertThat(LibvirtTestEnv.run(List.of("blkid", "-p", "-o", "export", path)))
                .contains("LABEL=cidata").contains("TYPE=iso9660");
        assertThat(LibvirtTestEnv.run(List.of("isoinfo", "-i", path, "-x", "/USER-DATA.;1"))).isEqualTo(init);
        assertThat(LibvirtTestEnv.run(List.of("isoinfo", "-i", path, "-x", "/META-DATA.;1")))
                .isEqualTo("instance-id: " + id + "\nlocal-hostname: " + id + "\n");
        assertThat(LibvirtTestEnv.virsh("dumpxml", id.value()))
                .containsPattern("<disk type='volume' device='cdrom'>\\s*<driver name='qemu' type='raw'/>\\s*"
                        + "<source pool='" + LibvirtTestEnv.pool() + "' volume='" + seed + "'")
                .contains("<readonly/>");
    }

    @Test
    void destroyDeletesTheVolumesMadeForTheDomainAndKeepsTheOthers() throws Exception {
        String base = prefix + "-base.qcow2";
        String kept = prefix + "-kept.img";
        LibvirtTestEnv.virsh("vol-create-as", LibvirtTestEnv.pool(), base, "8M", "--format", "qcow2");
        LibvirtTestEnv.virsh("vol-create-as", LibvirtTestEnv.pool(), kept, "1M", "--format", "raw");
        InstanceId id = plugin.provision(Spec.of(props(",\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":4},"
                + "{\"Kind\":\"overlay\",\"Base\":\"" + base + "\"},{\"Kind\":\"existing\",\"Volume\":\"" + kept
                + "\",\"ReadOnly\":true}]"), tags()).withInit("#cloud-config\n"));
        assertThat(volumes()).containsExactlyInAnyOrder(base, kept, id + "-disk0.qcow2", id + "-disk1.qcow2",
                id + "-seed.iso");
        assertThat(LibvirtTestEnv.virsh("vol-dumpxml", "--pool", LibvirtTestEnv.pool(), id + "-disk1.qcow2"))
                .contains("<backingStore>").contains(base);
        JsonNode disks = properties(id).path("Disks");
        assertThat(disks.findValuesAsText("Volume")).containsExactly(id + "-disk0.qcow2", id + "-disk1.qcow2", kept,
                id + "-seed.iso");
        assertThat(disks.findValuesAsText("Owned")).containsExactly("true", "true", "false", "true");

        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(domains()).isEmpty();
        assertThat(volumes()).containsExactlyInAnyOrder(base, kept);
    }

    @Test
    void aDestroyThatOverlapsAnotherReturnsOnlyOnceTheDomainIsGone() throws Exception {
        // No guest OS answers the ACPI shutdown, so each removal waits out the 2 s stop timeout first.
        InstanceId id = plugin.provision(Spec.of(props(",\"StopTimeoutSeconds\":2,\"Disks\":[{\"Kind\":\"new\","
                + "\"SizeMiB\":1}]"), tags()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<List<String>>> destroys = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                destroys.add(pool.submit(() -> {
                    plugin.destroy(id, DestroyContext.TERMINATE);
                    return domains(); // what is left the moment this Destroy returned
                }));
                Thread.sleep(300);
            }
            for (java.util.concurrent.Future<List<String>> d : destroys) {
                assertThat(d.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("domains when a Destroy returned")
                        .isEmpty();
            }
            assertThat(volumes()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void inactiveDomainsAreDescribedWithStateAndReasonAndCanBeDestroyed() throws Exception {
        InstanceId id = plugin.provision(Spec.of(props(""), tags()));
        assertThat(properties(id).path("Reason").asText()).isEqualTo("booted");
        LibvirtTestEnv.virsh("destroy", id.value());
        JsonNode p = properties(id);
        assertThat(p.path("State").asText()).isEqualTo("shutoff");
        assertThat(p.path("Reason").asText()).isEqualTo("destroyed");
        assertThat(p.path("Persistent").asBoolean()).isTrue();
        assertThat(p.path("MemoryMiB").asInt()).isEqualTo(32);
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(domains()).isEmpty();
    }

    @Test
    void theProvisionOfADeadPetsLogicalIdStartsTheSameDomainWithItsDisksKept() throws Exception {
        Spec spec = Spec.of(props(",\"Disks\":[{\"Kind\":\"new\",\"SizeMiB\":1}]"), tags("infrakit.group", "pets"))
                .withLogicalId("pet-" + prefix).withInit("#cloud-config\n");
        InstanceId pet = plugin.provision(spec);
        List<String> volumes = volumes();
        assertThat(volumes).containsExactlyInAnyOrder(pet + "-disk0.qcow2", pet + "-seed.iso");
        String uuid = LibvirtTestEnv.virsh("domuuid", pet.value()).strip();
        LibvirtTestEnv.virsh("destroy", pet.value());

        assertThat(plugin.provision(spec)).isEqualTo(pet);
        assertThat(LibvirtTestEnv.virsh("domstate", pet.value()).strip()).isEqualTo("running");
        assertThat(LibvirtTestEnv.virsh("domuuid", pet.value()).strip()).isEqualTo(uuid);
        assertThat(domains()).containsExactly(pet.value());
        assertThat(volumes()).as("the same volumes, not new ones").containsExactlyInAnyOrderElementsOf(volumes);
        assertThat(properties(pet).path("State").asText()).isEqualTo("running");
    }

    @Test
    void aFailingStartRemovesTheDomainAndItsVolumesAndSaysWhy() {
        RawJson badKernel = props(",\"OS\":{\"Kernel\":\"/nonexistent/vmlinuz\"}");
        assertThatThrownBy(() -> plugin.provision(Spec.of(badKernel, tags()).withInit("#cloud-config\n")))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_ERROR);
                    assertThat(WireErrors.text(e)).startsWith("backend error: start domain " + prefix + "-")
                            .contains("/nonexistent/vmlinuz");
                });
        assertThat(domains()).isEmpty();
        assertThat(volumes()).isEmpty();
    }

    @Test
    void aStartFailingAfterProvisionReturnedIsCleanedUpInTheBackground() throws Exception {
        try (LibvirtInstancePlugin impatient = new LibvirtInstancePlugin(LibvirtTestEnv.uri(), Map.of(),
                LibvirtTestEnv.pool(), BackendMeter.NONE, Duration.ZERO)) {
            InstanceId id = impatient.provision(Spec.of(props(",\"OS\":{\"Kernel\":\"/nonexistent/vmlinuz\"}"),
                    tags()).withInit("#cloud-config\n"));
            assertThat(id.value()).startsWith(prefix);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((!domains().isEmpty() || !volumes().isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(domains()).isEmpty();
            assertThat(volumes()).isEmpty();
        }
    }

    @Test
    void aGracefulStopWaitsItsTimeoutThenForces() {
        // SeaBIOS with nothing to boot ignores the ACPI power button: the wait runs out, then a hard stop.
        InstanceId id = plugin.provision(Spec.of(props(",\"StopTimeoutSeconds\":1"), tags()));
        long start = System.nanoTime();
        plugin.destroy(id, DestroyContext.ROLLING_UPDATE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(domains()).isEmpty();
    }
}
