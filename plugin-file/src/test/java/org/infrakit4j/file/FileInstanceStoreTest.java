package org.infrakit4j.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plugin-file on its own directory: files, index, lock, and IDs that try to escape the directory. */
class FileInstanceStoreTest {
    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("instances");
    }

    private static Spec spec(String... tags) {
        Map<String, String> t = new java.util.HashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            t.put(tags[i], tags[i + 1]);
        }
        return Spec.of(new RawJson("{\"a\":1}"), t);
    }

    @Test
    void instancesSurviveARestartAndTheIndexIsRebuilt() throws Exception {
        InstanceId a;
        InstanceId b;
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            a = plugin.provision(spec("g", "1").withLogicalId("pet-1"));
            b = plugin.provision(spec("g", "2"));
            plugin.label(a, Map.of("g", "1", "x", "y"));
            plugin.destroy(b, DestroyContext.TERMINATE);
        }
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            List<Description> all = plugin.describeInstances(Map.of(), false);
            assertThat(all).extracting(Description::id).containsExactly(a);
            assertThat(all.get(0).tags()).isEqualTo(Map.of("g", "1", "x", "y"));
            assertThat(all.get(0).logicalId()).contains("pet-1");
            assertThat(plugin.provision(spec("g", "1").withLogicalId("pet-1"))).isEqualTo(a);
        }
    }

    @Test
    void describeWithPropertiesGivesTheSameObjectUntilTheInstanceChanges() throws Exception {
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            InstanceId a = plugin.provision(spec("g", "1"));
            InstanceId b = plugin.provision(spec("g", "1"));
            Map<InstanceId, Description> first = byId(plugin.describeInstances(Map.of(), true));
            Map<InstanceId, Description> second = byId(plugin.describeInstances(Map.of(), true));
            assertThat(second.get(a)).isSameAs(first.get(a));
            assertThat(second.get(b)).isSameAs(first.get(b));
            assertThat(first.get(a).properties().json()).startsWith("{\"Properties\":{\"a\":1},");

            plugin.label(a, Map.of("g", "1", "x", "y"));
            Map<InstanceId, Description> third = byId(plugin.describeInstances(Map.of(), true));
            assertThat(third.get(b)).isSameAs(first.get(b));
            assertThat(third.get(a)).isNotSameAs(first.get(a));
            assertThat(third.get(a).tags()).containsEntry("x", "y");
            // Without Properties the Description carries none, whatever was asked before.
            assertThat(byId(plugin.describeInstances(Map.of(), false)).get(a).properties().isNull()).isTrue();
        }
    }

    @Test
    void describeSeesEveryChangeAtOnceThroughTheSnapshotOfTheIndex() throws Exception {
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            InstanceId a = plugin.provision(spec("g", "1"));
            assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id).containsExactly(a);
            InstanceId b = plugin.provision(spec("g", "2"));
            assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id)
                    .containsExactlyInAnyOrder(a, b);
            assertThat(plugin.describeInstances(Map.of("g", "2"), false)).extracting(Description::id)
                    .containsExactly(b);
            plugin.label(b, Map.of("g", "3"));
            assertThat(plugin.describeInstances(Map.of("g", "2"), false)).isEmpty();
            assertThat(plugin.describeInstances(Map.of("g", "3"), false)).extracting(Description::id)
                    .containsExactly(b);
            plugin.destroy(a, DestroyContext.TERMINATE);
            assertThat(plugin.describeInstances(Map.of(), true)).extracting(Description::id).containsExactly(b);
            plugin.destroy(b, DestroyContext.TERMINATE);
            assertThat(plugin.describeInstances(Map.of(), false)).isEmpty();
        }
    }

    private static Map<InstanceId, Description> byId(List<Description> all) {
        Map<InstanceId, Description> out = new java.util.HashMap<>();
        all.forEach(d -> out.put(d.id(), d));
        return out;
    }

    @Test
    void aCrashBeforeTheCheckpointLosesNothingAcknowledged() throws Exception {
        Path image = tmp.resolve("crash-image");
        InstanceId a;
        InstanceId b;
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir(), 3_600_000, BackendMeter.NONE)) {
            a = plugin.provision(spec("k", "v").withLogicalId("pet").withInit("echo \"hi\"\nexit 0"));
            b = plugin.provision(Spec.of(new RawJson("{\"n\":1.50,\"s\":\"<&>\"}"), Map.of("k", "w")));
            InstanceId gone = plugin.provision(spec("k", "x"));
            plugin.label(a, Map.of("added", "1"));
            plugin.destroy(gone, DestroyContext.TERMINATE);
            // What a power cut leaves: the journal, and no instance file yet.
            new ProcessBuilder("cp", "-a", dir().toString(), image.toString()).start().waitFor();
            Files.delete(image.resolve(".lock"));
        }
        try (Stream<Path> files = Files.list(image)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))).isEmpty();
        }
        try (FileInstancePlugin recovered = FileInstancePlugin.open(image)) {
            List<Description> all = recovered.describeInstances(Map.of(), true);
            assertThat(all).extracting(Description::id).containsExactlyInAnyOrder(a, b);
            Description pet = all.stream().filter(d -> d.id().equals(a)).findFirst().orElseThrow();
            assertThat(pet.tags()).isEqualTo(Map.of("k", "v", "added", "1"));
            assertThat(pet.logicalId()).contains("pet");
            assertThat(pet.properties().json()).contains("\"Init\":\"echo \\\"hi\\\"\\nexit 0\"");
            Description other = all.stream().filter(d -> d.id().equals(b)).findFirst().orElseThrow();
            assertThat(other.properties().json()).contains("{\"n\":1.50,\"s\":\"\\u003c\\u0026\\u003e\"}");
        }
        assertThat(image.resolve(a.value() + ".json")).exists();
    }

    @Test
    void corruptForeignAndHalfWrittenFilesAreSkippedNeverServed() throws Exception {
        Files.createDirectories(dir());
        Files.writeString(dir().resolve("instance-00000000000000aa.json"), "{\"ID\":\"instance-00000000000000aa\",");
        Files.writeString(dir().resolve("instance-00000000000000bb.json"), "{\"ID\":\"instance-00000000000000cc\","
                + "\"Tags\":{},\"Spec\":{},\"Created\":\"2026-01-01T00:00:00Z\",\"Updated\":\"2026-01-01T00:00:00Z\"}");
        Files.writeString(dir().resolve("notes.json"), "{\"a\":1}");
        Files.writeString(dir().resolve("README"), "hello");
        Files.writeString(dir().resolve(".tmp-instance-00000000000000dd-1"), "{\"ID\":");
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            assertThat(plugin.describeInstances(Map.of(), false)).isEmpty();
            InstanceId id = plugin.provision(spec());
            assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id).containsExactly(id);
        }
        assertThat(dir().resolve(".tmp-instance-00000000000000dd-1")).doesNotExist();
        assertThat(dir().resolve("notes.json")).hasContent("{\"a\":1}");
        assertThat(dir().resolve("instance-00000000000000aa.json")).exists();
    }

    @Test
    void aSecondPluginOnTheSameDirectoryIsRefused() throws Exception {
        try (FileInstancePlugin first = FileInstancePlugin.open(dir())) {
            assertThatThrownBy(() -> FileInstancePlugin.open(dir()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("another plugin process is using " + dir())
                    .hasMessageContaining("held by process " + ProcessHandle.current().pid());
            first.provision(spec());
        }
        try (FileInstancePlugin again = FileInstancePlugin.open(dir())) {
            assertThat(again.describeInstances(Map.of(), false)).hasSize(1);
        }
    }

    @Test
    void aCheckpointThatFailsWhileTheDirectoryIsAwayLosesNothingAndTheJournalStaysUsable() throws Exception {
        Path away = tmp.resolve("away");
        InstanceId a;
        InstanceId b;
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir(), 3_600_000, BackendMeter.NONE)) {
            a = plugin.provision(spec("k", "a"));
            Files.move(dir(), away);
            assertThatThrownBy(plugin::checkpoint).isInstanceOf(IOException.class);
            Files.move(away, dir());
            b = plugin.provision(spec("k", "b"));
            plugin.checkpoint();
            assertThat(dir().resolve(a.value() + ".json")).exists();
            assertThat(dir().resolve(b.value() + ".json")).exists();
        }
        try (FileInstancePlugin again = FileInstancePlugin.open(dir())) {
            assertThat(again.describeInstances(Map.of(), false)).extracting(Description::id)
                    .containsExactlyInAnyOrder(a, b);
        }
    }

    @Test
    void healthTurnsOkAsSoonAsTheDirectoryIsBackNotAtTheNextCheckpoint() throws Exception {
        java.util.concurrent.atomic.AtomicInteger failedCheckpoints = new java.util.concurrent.atomic.AtomicInteger();
        BackendMeter meter = (op, nanos, failed) -> {
            if (op.equals("checkpoint") && failed) {
                failedCheckpoints.incrementAndGet();
            }
        };
        Path away = tmp.resolve("away");
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir(), 2_000, meter)) {
            plugin.provision(spec("k", "a"));
            Files.move(dir(), away);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (failedCheckpoints.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(failedCheckpoints.get()).as("a scheduled checkpoint failed").isPositive();
            assertThatThrownBy(plugin::checkHealth).hasMessageContaining("is missing or not writable");
            Files.move(away, dir());
            plugin.checkHealth(); // the failed checkpoint is retried now; it would otherwise fail for up to 2 s
            assertThat(plugin.describeInstances(Map.of("k", "a"), false)).hasSize(1);
        }
    }

    @Test
    void idsThatAreNotOursNeverReachTheFileSystem() throws Exception {
        Path outside = tmp.resolve("outside.json");
        Files.writeString(outside, "keep");
        Path sibling = tmp.resolve("instances-evil");
        Files.createDirectories(sibling);
        Files.writeString(sibling.resolve("x.json"), "keep");
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            InstanceId real = plugin.provision(spec());
            for (String bad : List.of("../outside", "../outside.json", "/etc/passwd", "..", ".", "",
                    "instance-../../outside", real.value() + "/../../outside", real.value() + "\u0000",
                    "../instances-evil/x", ".lock", "instance-" + "0".repeat(5000), "INSTANCE-0123456789ABCDEF",
                    real.value().toUpperCase(), "\uD800", "instance-0123456789abcdef.json")) {
                InstanceId id = new InstanceId(bad);
                assertThatThrownBy(() -> plugin.label(id, Map.of("a", "b")))
                        .isInstanceOfSatisfying(InstanceException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
                plugin.destroy(id, DestroyContext.TERMINATE);
            }
            assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id).containsExactly(real);
        }
        assertThat(outside).hasContent("keep");
        assertThat(sibling.resolve("x.json")).hasContent("keep");
        assertThat(dir().resolve(".lock")).exists();
    }

    @Test
    void filesAreOwnerOnlyAndHoldTheSpecAsProvisioned() throws Exception {
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            InstanceId id = plugin.provision(spec("a", "1").withInit("echo <secret>"));
            plugin.label(id, Map.of("a", "2"));
            Path file = dir().resolve(id.value() + ".json");
            assertThat(file).as("files are written by the checkpoint, not the call").doesNotExist();
            plugin.checkpoint();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir()))).isEqualTo("rwx------");
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
            assertThat(json.path("ID").asText()).isEqualTo(id.value());
            assertThat(json.path("Tags").path("a").asText()).isEqualTo("2");
            assertThat(json.path("Spec").path("Tags").path("a").asText()).isEqualTo("1");
            assertThat(json.path("Spec").path("Init").asText()).isEqualTo("echo <secret>");
            assertThat(json.path("Created").asText()).isNotEmpty();
            try (Stream<Path> files = Files.list(dir())) {
                assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".journal-")))
                        .containsExactlyInAnyOrder(".lock", id.value() + ".json");
            }
        }
        try (Stream<Path> files = Files.list(dir())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".journal-")))
                    .as("a clean stop leaves no journal").isEmpty();
        }
    }

    private static String record(String body) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue()) + " " + body + "\n";
    }

    @Test
    void aJournalLeftByACrashIsReplayedAndATornTailIgnored() throws Exception {
        Files.createDirectories(dir());
        String a = "instance-00000000000000a1";
        String b = "instance-00000000000000b2";
        String c = "instance-00000000000000c3";
        String at = "\"Created\":\"2026-01-01T00:00:00Z\",\"Updated\":\"2026-01-01T00:00:00Z\"";
        String spec = "\"Spec\":{\"Properties\":{\"n\":1.50},\"Tags\":null,\"Init\":\"\",\"LogicalID\":null,"
                + "\"Attachments\":null}";
        // a: journaled, its file renamed but never written out (what a crash before the checkpoint can leave)
        Files.writeString(dir().resolve(a + ".json"), "");
        // b: provisioned, then destroyed; c: its record is torn, so it never happened
        Files.writeString(dir().resolve(".journal-000000000007"),
                record("P {\"ID\":\"" + a + "\",\"LogicalID\":\"pet\",\"Tags\":{\"k\":\"v\"}," + spec + "," + at + "}")
                + record("P {\"ID\":\"" + b + "\",\"LogicalID\":null,\"Tags\":{}," + spec + "," + at + "}")
                + record("D " + b)
                + record("P {\"ID\":\"" + c + "\",\"LogicalID\":null,\"Tags\":{}," + spec + "," + at + "}")
                        .substring(0, 40));
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            List<Description> all = plugin.describeInstances(Map.of(), true);
            assertThat(all).extracting(Description::id).containsExactly(new InstanceId(a));
            assertThat(all.get(0).tags()).isEqualTo(Map.of("k", "v"));
            assertThat(all.get(0).logicalId()).contains("pet");
            assertThat(all.get(0).properties().json()).contains("\"Properties\":{\"n\":1.50}");
            try (Stream<Path> files = Files.list(dir())) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .doesNotContain(".journal-000000000007", b + ".json", c + ".json");
            }
            assertThat(Files.readString(dir().resolve(a + ".json"))).contains(a);
            InstanceId next = plugin.provision(spec("k", "w"));
            assertThat(plugin.describeInstances(Map.of("k", "w"), false)).extracting(Description::id).containsExactly(next);
        }
    }

    @Test
    void validateAcceptsObjectsAndNull() throws Exception {
        try (FileInstancePlugin plugin = FileInstancePlugin.open(dir())) {
            plugin.validate(RawJson.NULL);
            plugin.validate(new RawJson("{}"));
            assertThatThrownBy(() -> plugin.validate(new RawJson("[]")))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties: must be a JSON object, got an array"));
            assertThatThrownBy(() -> plugin.provision(Spec.of(new RawJson("3"), Map.of())))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("invalid properties: Properties: must be a JSON object, got a number"));
            assertThat(plugin.describeInstances(Map.of(), false)).isEmpty();
        }
    }
}
