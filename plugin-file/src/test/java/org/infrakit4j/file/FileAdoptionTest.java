package org.infrakit4j.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.GroupLoop;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --adopt}: instance files InfraKit's Go file plugin left in a directory, written here byte for byte as that
 * plugin writes them ({@link #referenceFile}), are taken over under their own IDs; a group of 3 switched to this
 * plugin keeps its 3 instances and then rolls them to a new config with nothing left behind.
 */
class FileAdoptionTest {
    private Path home;
    private Path dir;
    private PluginProcess processes;

    @BeforeEach
    void home() throws IOException {
        processes = PluginProcess.inNewHome(FileMain.class, "ik4ja-", Map.of());
        home = processes.home();
        dir = home.resolve("instances");
        Files.createDirectories(dir);
    }

    @AfterEach
    void cleanup() throws Exception {
        processes.close();
    }

    /**
     * An instance file as InfraKit's Go file plugin writes it at Provision: named by its ID, mode 0644, the
     * Description's members then the whole Spec, from Go's {@code json.MarshalIndent(v, "", "")} — every member
     * on its own line, no indentation, map keys sorted, a nil LogicalID and nil Attachments as null.
     */
    static Path referenceFile(Path dir, String id, String logicalId, Map<String, String> tags, String properties,
                              String init) throws IOException {
        String tagJson = goMap(tags);
        String lid = logicalId == null ? "null" : quote(logicalId);
        String json = "{\n\"ID\": " + quote(id) + ",\n\"LogicalID\": " + lid + ",\n\"Tags\": " + tagJson
                + ",\n\"Spec\": {\n\"Properties\": " + goIndent(properties) + ",\n\"Tags\": " + tagJson
                + ",\n\"Init\": " + quote(init) + ",\n\"LogicalID\": " + lid + ",\n\"Attachments\": null\n}\n}";
        Path file = dir.resolve(id);
        Files.writeString(file, json, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private static String goMap(Map<String, String> map) {
        if (map.isEmpty()) {
            return "{}";
        }
        return new TreeMap<>(map).entrySet().stream().map(e -> quote(e.getKey()) + ": " + quote(e.getValue()))
                .collect(Collectors.joining(",\n", "{\n", "\n}"));
    }

    /** Go re-indents embedded raw JSON too: a compact object becomes one member per line (flat objects only here). */
    private static String goIndent(String compactObject) {
        return compactObject.replace("{", "{\n").replace("}", "\n}").replace(",", ",\n").replace("\":", "\": ");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String goId() {
        return "instance-" + ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
    }

    @Test
    void referenceFilesAreAdoptedUnderTheirIdsAndNeedNoFlagOnTheNextStart() throws Exception {
        String id = goId();
        referenceFile(dir, id, "pet-1", Map.of("infrakit.group", "workers", "role", "db"),
                "{\"exampleString\":\"a_string\",\"exampleBool\":true,\"exampleInt\":1}", "echo hi");
        try (FileInstancePlugin plugin = FileInstancePlugin.adopting(dir, BackendMeter.NONE)) {
            List<Description> all = plugin.describeInstances(Map.of("infrakit.group", "workers"), true);
            assertThat(all).extracting(d -> d.id().value()).containsExactly(id);
            assertThat(all.get(0).logicalId()).contains("pet-1");
            assertThat(all.get(0).tags()).containsEntry("role", "db");
            assertThat(all.get(0).properties().json()).contains("\"exampleInt\"");
            plugin.label(new InstanceId(id), Map.of("role", "primary"));
        }
        assertThat(dir.resolve(id)).as("the Go plugin's file is gone: ours replaced it").doesNotExist();
        assertThat(dir.resolve(id + ".json")).exists();
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir)) {
            Description d = plugin.describeInstances(Map.of(), false).get(0);
            assertThat(d.id().value()).isEqualTo(id);
            assertThat(d.tags()).containsEntry("role", "primary");
            plugin.destroy(new InstanceId(id), DestroyContext.TERMINATE);
            assertThat(plugin.describeInstances(Map.of(), false)).isEmpty();
        }
    }

    @Test
    void withoutAdoptTheReferenceFilesAreNeitherServedNorTouched() throws Exception {
        Path file = referenceFile(dir, goId(), null, Map.of("infrakit.group", "workers"), "{\"a\":1}", "");
        String before = Files.readString(file);
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir)) {
            assertThat(plugin.describeInstances(Map.of(), false)).isEmpty();
        }
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void filesThatAreNotTheReferencePluginsAreLeftAloneAndTheRestAdopted() throws Exception {
        String good = goId();
        referenceFile(dir, good, null, Map.of("g", "1"), "{\"a\":1}", "");
        Map<String, String> bad = new TreeMap<>();
        bad.put(goId(), "{\"ID\":\"%s\",\"Tags\":{},\"Spec\":{},\"Extra\":1}");   // a member it never wrote
        bad.put(goId(), "{\"ID\":\"instance-1\",\"Tags\":{},\"Spec\":{}}");         // ID not its name
        bad.put(goId(), "{\"ID\":\"%s\",\"Tags\":{\"a\":1},\"Spec\":{}}");          // a tag that is a number
        bad.put(goId(), "{\"ID\":\"%s\",\"Tags\":{}}");                             // no Spec
        bad.put(goId(), "{\"ID\":\"%s\",\"Tags\":{},\"Spec\":{}");                   // truncated
        bad.put(goId(), "[1,2]");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue().replace("%s", e.getKey()));
        }
        String linked = goId();
        Path outside = home.resolve("outside");
        referenceFile(home, "instance-7", null, Map.of("g", "1"), "{\"a\":1}", "");
        Files.move(home.resolve("instance-7"), outside);
        Files.createSymbolicLink(dir.resolve(linked), outside);
        try (FileInstancePlugin plugin = FileInstancePlugin.adopting(dir, BackendMeter.NONE)) {
            assertThat(plugin.describeInstances(Map.of(), false)).extracting(d -> d.id().value())
                    .containsExactly(good);
        }
        for (String id : bad.keySet()) {
            assertThat(dir.resolve(id)).as("left in place: " + id).exists();
            assertThat(dir.resolve(id + ".json")).doesNotExist();
        }
        assertThat(dir.resolve(linked)).isSymbolicLink();
        assertThat(outside).exists();
    }

    @Test
    void anAdoptionInterruptedAfterItsJournalWriteKeepsOursAndDropsTheLeftover() throws Exception {
        String id = goId();
        referenceFile(dir, id, null, Map.of("g", "1"), "{\"a\":1}", "");
        try (FileInstancePlugin plugin = FileInstancePlugin.adopting(dir, BackendMeter.NONE)) {
            plugin.label(new InstanceId(id), Map.of("g", "2"));
        }
        // The state a crash between the journal write and the removal leaves: our file and the Go plugin's.
        referenceFile(dir, id, null, Map.of("g", "1"), "{\"a\":1}", "");
        try (FileInstancePlugin plugin = FileInstancePlugin.adopting(dir, BackendMeter.NONE)) {
            assertThat(plugin.describeInstances(Map.of(), false)).singleElement()
                    .satisfies(d -> assertThat(d.tags()).containsEntry("g", "2"));
        }
        assertThat(dir.resolve(id)).doesNotExist();
    }

    @Test
    void aGroupOfThreeSwitchedToThisPluginKeepsItsInstancesThenRollsThemToANewConfig() throws Exception {
        RawJson config = new RawJson("{\"instance_type\":\"m1.small\"}");
        // The tags InfraKit's group plugin gave the members it provisioned through the Go plugin.
        Map<String, String> memberTags = GroupLoop.cattle(null, "workers", config, 3).tags();
        List<String> goIds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = goId();
            goIds.add(id);
            referenceFile(dir, id, null, memberTags, config.json(), "apt-get update -y");
        }
        Process p = processes.start("--dir", dir.toString(), "--adopt");
        Path socket = home.resolve("plugins/instance-file");
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(30));
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(10))) {
            GroupLoop group = GroupLoop.cattle(client, "workers", config, 3);
            for (int i = 0; i < 3; i++) {
                GroupLoop.Poll poll = group.poll();
                assertThat(poll.errors()).isEmpty();
                assertThat(poll.provisioned()).as("nothing provisioned: the group has its 3").isEmpty();
                assertThat(poll.destroyed()).isEmpty();
                assertThat(poll.describedIds()).extracting(InstanceId::value)
                        .containsExactlyInAnyOrderElementsOf(goIds);
            }
            GroupLoop rolled = group.withProperties(new RawJson("{\"instance_type\":\"m1.large\"}"));
            List<InstanceId> destroyed = new ArrayList<>();
            GroupLoop.Poll last = null;
            for (int i = 0; i < 20; i++) {
                last = rolled.poll();
                assertThat(last.errors()).isEmpty();
                assertThat(last.destroyed().size()).as("one member at a time").isLessThanOrEqualTo(1);
                destroyed.addAll(last.destroyed());
                if (last.described().size() == 3 && last.described().stream().allMatch(rolled::isCurrent)) {
                    break;
                }
            }
            assertThat(destroyed).extracting(InstanceId::value).containsExactlyInAnyOrderElementsOf(goIds);
            assertThat(last.described()).hasSize(3).allMatch(rolled::isCurrent);
            assertThat(client.describeInstances(Map.of(), false)).as("nothing else in the directory").hasSize(3);
        }
        PluginProcess.term(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("instance-"))
                    .toList();
            assertThat(names).as("3 files of ours, none of the Go plugin's").hasSize(3)
                    .allMatch(n -> n.endsWith(".json"));
        }
        String log = processes.output(0);
        assertThat(log).contains("adopted=3");
    }
}
