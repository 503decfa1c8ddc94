package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.runtime.Reaper;
import org.infrakit4j.spi.Attachment;
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
 * libvirt-specific behaviour on the test driver. Its fake host lives as long as any connection (or domain handle)
 * to it in this process, so each test names its domains with its own prefix and tags them with its own run tag.
 */
class LibvirtTestDriverTest {
    private final String prefix = "t" + java.util.UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> run = Map.of("run", prefix);
    private final RawJson props = new RawJson("{\"MemoryMiB\":32,\"NamePrefix\":\"" + prefix + "\"}");
    private final LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(),
            LibvirtTestDriverContractTest.POOL);

    @AfterEach
    void close() {
        plugin.close();
    }

    /** This test's domains, active or not. */
    private List<String> definedDomains(LibvirtInstancePlugin p) {
        String[] all = p.connection().retrying(LibvirtOperation.LIST_DOMAINS, "", c -> {
            List<String> names = new java.util.ArrayList<>();
            for (org.libvirt.Domain d : c.listAllDomains(0)) {
                names.add(d.getName());
            }
            return names.toArray(new String[0]);
        });
        return java.util.Arrays.stream(all).filter(n -> n.startsWith(prefix)).toList();
    }

    private Map<String, String> tags(String... pairs) {
        Map<String, String> t = new java.util.HashMap<>(run);
        for (int i = 0; i < pairs.length; i += 2) {
            t.put(pairs[i], pairs[i + 1]);
        }
        return t;
    }

    private String domainXml(InstanceId id, int flags) {
        return plugin.connection().retrying(LibvirtOperation.DOMAIN_LOOKUP, id.value(),
                c -> c.domainLookupByName(id.value()).getXMLDesc(flags));
    }

    @Test
    void tagsLogicalIdAndMarkerAreWrittenWithTheDefinition() {
        InstanceId id = plugin.provision(Spec.of(props, tags("infrakit.group", "g")).withLogicalId("mgr-1"));
        assertThat(id.value()).matches(prefix + "-[0-9a-f]{12}");
        assertThat(domainXml(id, 2)).contains("<ik4j:instance xmlns:ik4j=\"" + LibvirtMetadata.NAMESPACE + "\">")
                .contains("<logical-id>mgr-1</logical-id>").contains("<key>infrakit.group</key>");
        int persistent = plugin.connection().retrying(LibvirtOperation.DOMAIN_LOOKUP, id.value(),
                c -> c.domainLookupByName(id.value()).isPersistent());
        assertThat(persistent).isEqualTo(1);
    }

    @Test
    void labelReplacesOurOneMetadataElementInBothDefinitions() {
        InstanceId id = plugin.provision(Spec.of(props, tags("a", "1")));
        plugin.label(id, Map.of("b", "2"));
        plugin.label(id, Map.of("a", "3"));
        assertThat(plugin.describeInstances(run, false)).singleElement()
                .extracting(Description::tags).isEqualTo(tags("a", "3", "b", "2"));
        for (int flags : new int[] {0, 2}) { // live and persistent definitions
            String xml = domainXml(id, flags);
            assertThat(xml.split("<ik4j:instance ", -1)).hasSize(2);
            assertThat(xml).containsPattern("<(ik4j:)?key>b</(ik4j:)?key>");
        }
    }

    @Test
    void xmlInTagsIsStoredLiterally() {
        Map<String, String> hostile = new java.util.HashMap<>(LibvirtMetadataTest.HOSTILE);
        hostile.putAll(run);
        InstanceId id = plugin.provision(Spec.of(props, hostile));
        plugin.label(id, Map.of("</tag><tag><key>x</key><value>", "<inject/>"));
        Description d = plugin.describeInstances(Map.of("a&b", LibvirtMetadataTest.HOSTILE.get("a&b"),
                "run", prefix), false).get(0);
        assertThat(d.tags()).hasSize(hostile.size() + 1).containsAllEntriesOf(hostile)
                .containsEntry("</tag><tag><key>x</key><value>", "<inject/>");
        assertThat(domainXml(id, 0)).doesNotContain("<key>evil</key>").doesNotContain("<inject/>");
    }

    /** Stops a domain from outside the plugin's own calls, as {@code virsh destroy} does. */
    private void kill(InstanceId id) {
        plugin.connection().once(LibvirtOperation.DOMAIN_SHUTDOWN, id.value(), c -> {
            c.domainLookupByName(id.value()).destroy();
            return null;
        });
    }

    private String state(InstanceId id) {
        return plugin.connection().retrying(LibvirtOperation.DOMAIN_LOOKUP, id.value(),
                c -> LibvirtDomainState.of(c.domainLookupByName(id.value())).state());
    }

    private static final ReapPolicy REPORT_DEAD = new ReapPolicy(true, Optional.empty(), false);

    @Test
    void deadDomainsAreLeftOutOfDescribeUnlessReportedAndPausedOnesAreAlive() throws Exception {
        InstanceId dead = plugin.provision(Spec.of(props, run));
        InstanceId paused = plugin.provision(Spec.of(props, run));
        InstanceId alive = plugin.provision(Spec.of(props, run));
        kill(dead);
        plugin.connection().once(LibvirtOperation.DOMAIN_SHUTDOWN, paused.value(), c -> {
            c.domainLookupByName(paused.value()).suspend();
            return null;
        });
        assertThat(plugin.describeInstances(run, false)).extracting(Description::id)
                .containsExactlyInAnyOrder(paused, alive);
        assertThat(plugin.describeInstances(run, true)).extracting(Description::id)
                .containsExactlyInAnyOrder(paused, alive);
        try (LibvirtInstancePlugin reporting = new LibvirtInstancePlugin("test:///default", Map.of(),
                LibvirtTestDriverContractTest.POOL, org.infrakit4j.spi.BackendMeter.NONE, Duration.ofMillis(500),
                REPORT_DEAD)) {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            Map<InstanceId, String> states = new java.util.HashMap<>();
            for (Description d : reporting.describeInstances(run, true)) {
                states.put(d.id(), json.readTree(d.properties().json()).path("State").asText());
            }
            assertThat(states).isEqualTo(Map.of(dead, "shutoff", paused, "paused", alive, "running"));
            assertThat(reporting.describeInstances(run, false)).hasSize(3);
        }
    }

    @Test
    void theProvisionOfADeadPetsLogicalIdStartsTheSameDomainAgain() {
        Spec spec = Spec.of(props, tags("infrakit.group", "pets")).withLogicalId("pet-" + prefix);
        InstanceId pet = plugin.provision(spec);
        kill(pet);
        assertThat(plugin.describeInstances(run, false)).isEmpty();
        assertThat(plugin.provision(spec)).isEqualTo(pet);
        assertThat(state(pet)).isEqualTo("running");
        assertThat(plugin.describeInstances(run, false)).extracting(Description::id).containsExactly(pet);
        assertThat(definedDomains(plugin)).containsExactly(pet.value());
        kill(pet);
        Spec otherTags = Spec.of(props, tags("infrakit.group", "other")).withLogicalId("pet-" + prefix);
        assertThatThrownBy(() -> plugin.provision(otherTags)).isInstanceOfSatisfying(InstanceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(state(pet)).as("a dead pet claimed with other tags is left as it is").isEqualTo("shutoff");
    }

    @Test
    void theReaperListsOnlyDeadDomainsOfOursInItsNamespaceAndReapsOnlyThoseStillDead() {
        try (LibvirtInstancePlugin scoped = new LibvirtInstancePlugin("test:///default", Map.of("cluster", prefix),
                null)) {
            InstanceId mine = scoped.provision(Spec.of(props, Map.of("k", "v")));
            InstanceId myPet = scoped.provision(Spec.of(props, Map.of("k", "v")).withLogicalId("p-" + prefix));
            InstanceId mineAlive = scoped.provision(Spec.of(props, Map.of("k", "v")));
            InstanceId outside = plugin.provision(Spec.of(props, run));
            String foreign = prefix + "-foreign";
            plugin.connection().once(LibvirtOperation.DOMAIN_DEFINE_XML, foreign, c -> c.domainDefineXML(
                    "<domain type='test'><name>" + foreign + "</name><memory>32768</memory><os><type>hvm</type>"
                            + "</os></domain>"));
            kill(mine);
            kill(myPet);
            kill(outside);
            assertThat(scoped.reaping().listDead()).as("dead, ours, in the namespace").containsExactlyInAnyOrder(
                    new Reaper.DeadInstance(mine, Optional.empty(), "shutoff"),
                    new Reaper.DeadInstance(myPet, Optional.of("p-" + prefix), "shutoff"));
            assertThat(scoped.reaping().lastState(new Reaper.DeadInstance(mine, Optional.empty(), "shutoff")))
                    .containsEntry("stateReason", "destroyed").containsKey("consoleLogMissing");

            // Started again by hand before the reaper came to it: not reaped.
            plugin.connection().once(LibvirtOperation.DOMAIN_CREATE, myPet.value(),
                    c -> c.domainLookupByName(myPet.value()).create());
            assertThat(scoped.reaping().reapIfStillDead(new Reaper.DeadInstance(myPet, Optional.of("p-" + prefix),
                    "shutoff"))).isFalse();
            assertThat(scoped.reaping().reapIfStillDead(new Reaper.DeadInstance(mineAlive, Optional.empty(),
                    "shutoff"))).isFalse();
            assertThat(scoped.reaping().reapIfStillDead(new Reaper.DeadInstance(new InstanceId(foreign),
                    Optional.empty(), "shutoff"))).as("not ours").isFalse();
            assertThat(scoped.reaping().reapIfStillDead(new Reaper.DeadInstance(outside, Optional.empty(),
                    "shutoff"))).as("outside the namespace").isFalse();
            assertThat(scoped.reaping().reapIfStillDead(new Reaper.DeadInstance(mine, Optional.empty(),
                    "shutoff"))).isTrue();
            assertThat(scoped.reaping().reapIfStillDead(new Reaper.DeadInstance(mine, Optional.empty(),
                    "shutoff"))).as("gone already").isFalse();
            assertThat(definedDomains(plugin)).containsExactlyInAnyOrder(myPet.value(), mineAlive.value(),
                    outside.value(), foreign);
            plugin.connection().once(LibvirtOperation.DOMAIN_UNDEFINE, foreign, c -> {
                c.domainLookupByName(foreign).undefine();
                return null;
            });
            for (InstanceId id : List.of(myPet, mineAlive, outside)) {
                scoped.destroy(id, DestroyContext.TERMINATE);
            }
        }
    }

    @Test
    void inactiveDomainsAreDescribedWithStateAndReasonWhenDeadOnesAreReported() throws Exception {
        LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(),
                LibvirtTestDriverContractTest.POOL, org.infrakit4j.spi.BackendMeter.NONE, Duration.ofMillis(500),
                REPORT_DEAD);
        try (plugin) {
            inactiveDomainsAreDescribedWithStateAndReason(plugin);
        }
    }

    private void inactiveDomainsAreDescribedWithStateAndReason(LibvirtInstancePlugin plugin) throws Exception {
        InstanceId id = plugin.provision(Spec.of(props, run));
        kill(id);
        Description d = plugin.describeInstances(run, true).get(0);
        var props = new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.properties().json());
        assertThat(props.path("State").asText()).isEqualTo("shutoff");
        assertThat(props.path("Reason").asText()).isEqualTo("destroyed");
        assertThat(props.path("MemoryMiB").asLong()).isEqualTo(32);
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(plugin.describeInstances(run, false)).isEmpty();
        assertThat(definedDomains(plugin)).isEmpty();
    }

    @Test
    void foreignDomainsAreNeitherDescribedNorDestroyed() {
        // The test driver's own running domain "test" carries no metadata of ours.
        assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id)
                .doesNotContain(new InstanceId("test"));
        plugin.destroy(new InstanceId("test"), DestroyContext.TERMINATE);
        assertThatThrownBy(() -> plugin.label(new InstanceId("test"), Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        int active = plugin.connection().retrying(LibvirtOperation.DOMAIN_LOOKUP, "test",
                c -> c.domainLookupByName("test").isActive());
        assertThat(active).isEqualTo(1);
    }

    @Test
    void aDomainWithUnreadableMetadataIsSkippedNotFatal() {
        InstanceId good = plugin.provision(Spec.of(props, run));
        InstanceId bad = plugin.provision(Spec.of(props, run));
        plugin.connection().once(LibvirtOperation.DOMAIN_SET_METADATA, bad.value(), c -> {
            c.domainLookupByName(bad.value()).setMetadata(org.libvirt.Domain.MetadataType.ELEMENT,
                    "<instance><tag><key>only a key</key></tag></instance>", "ik4j", LibvirtMetadata.NAMESPACE, 0);
            return null;
        });
        assertThat(plugin.describeInstances(run, false)).extracting(Description::id).containsExactly(good);
    }

    @Test
    void namespaceTagsAreAddedScopeDescribeAndResistLabel() {
        try (LibvirtInstancePlugin scoped = new LibvirtInstancePlugin("test:///default", Map.of("cluster", prefix),
                null)) {
            InstanceId id = scoped.provision(Spec.of(props, Map.of("cluster", "spec-loses", "k", "v")));
            assertThat(scoped.describeInstances(Map.of(), false)).singleElement()
                    .extracting(Description::tags).isEqualTo(Map.of("cluster", prefix, "k", "v"));
            assertThat(plugin.describeInstances(Map.of("cluster", prefix), false)).hasSize(1);
            scoped.label(id, Map.of("cluster", "b", "k", "w"));
            assertThat(scoped.describeInstances(Map.of(), false)).singleElement()
                    .extracting(Description::tags).isEqualTo(Map.of("cluster", prefix, "k", "w"));
        }
    }

    @Test
    void initNeedsAStoragePoolAndFailsBeforeAnythingIsDefined() {
        try (LibvirtInstancePlugin poolless = new LibvirtInstancePlugin("test:///default", Map.of(), null)) {
            assertThatThrownBy(() -> poolless.provision(Spec.of(props, Map.of()).withInit("#cloud-config\n")))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo(
                            "backend error: Init (the cloud-init seed disk) needs a storage pool: start the plugin "
                                    + "with --storage-pool or name one (Pool, pool/volume)"));
            assertThat(definedDomains(poolless)).isEmpty();
        }
    }

    @Test
    void aFailedSeedUploadLeavesNoDomainAndNoVolume() {
        // The test driver cannot upload (virStorageVolUpload unsupported): the seed step fails after the
        // volume was created, and both must be gone.
        assertThatThrownBy(() -> plugin.provision(Spec.of(props, Map.of()).withInit("#cloud-config\n")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e))
                        .startsWith("backend error: create volumes for " + prefix + "-")
                        .endsWith("this function is not supported by the connection driver: virStorageVolUpload"));
        assertThat(definedDomains(plugin)).isEmpty();
        String[] volumes = plugin.connection().retrying(LibvirtOperation.STORAGE_LOOKUP, "",
                c -> c.storagePoolLookupByName(LibvirtTestDriverContractTest.POOL).listVolumes());
        assertThat(volumes).noneMatch(v -> v.startsWith(prefix));
    }

    @Test
    void unknownAttachmentTypesAndBadVolumeNamesAreRefused() {
        assertThatThrownBy(() -> plugin.provision(new Spec(props, Map.of(), "", Optional.empty(),
                List.of(new Attachment("vol-1", "ebs")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Attachments[0]: Type \"ebs\" is not supported: want volume or "
                        + "network"));
        assertThatThrownBy(() -> plugin.provision(new Spec(props, Map.of(), "", Optional.empty(),
                List.of(new Attachment("p/../x", "volume")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("invalid properties: Attachments[0]: invalid volume name \"../x\""));
        assertThatThrownBy(() -> plugin.provision(new Spec(props, Map.of(), "", Optional.empty(),
                List.of(new Attachment("nosuch.img", "volume")))))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("backend error: Attachments[0]: volume default-pool/nosuch.img does not exist"));
        assertThat(definedDomains(plugin)).isEmpty();
    }
}
