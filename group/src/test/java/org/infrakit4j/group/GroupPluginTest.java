package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our group plugin over the real file instance plugin, both on real unix sockets, driven through the Group wire. */
class GroupPluginTest {
    @TempDir
    Path home;
    private GroupFixture fx;

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private List<Description> members(String group) {
        return fx.instancePlugin().describeInstances(Map.of("infrakit.group", group), false);
    }

    private Set<String> shas(String group) {
        return members(group).stream().map(d -> d.tags().get("infrakit.config_sha")).collect(Collectors.toSet());
    }

    private static String sha(String properties) {
        try {
            return GroupConfig.parse(new org.infrakit4j.spi.RawJson(properties)).configSha();
        } catch (GoFields.BadJson e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void groupScalesUpThenDownWithGoTagsAndVanillaFlavor() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String three = GroupFixture.cattle(3, "{\"Init\":[\"echo hi\"],\"Tags\":{\"role\":\"worker\"}}");
        assertThat(fx.commit("workers", three, false).toString())
                .isEqualTo("{\"ID\":\"workers\",\"Details\":\"Managing 3 instances\"}");
        GroupFixture.await("3 members", () -> members("workers").size() == 3);
        for (Description d : members("workers")) {
            assertThat(d.tags()).containsEntry("infrakit.group", "workers")
                    .containsEntry("infrakit.config_sha", sha(three)).containsEntry("role", "worker");
        }
        GroupFixture.await("converged", () -> describe("workers").get("Description").get("Converged").asBoolean());
        assertThat(describe("workers").get("Description").get("Instances")).hasSize(3);

        String one = GroupFixture.cattle(1, "{\"Init\":[\"echo hi\"],\"Tags\":{\"role\":\"worker\"}}");
        assertThat(fx.commit("workers", one, false).get("Details").asText())
                .isEqualTo("Terminating 2 instances to reduce the group size to 1");
        GroupFixture.await("1 member", () -> members("workers").size() == 1);
        assertThat(fx.byId("Size", "workers").toString()).isEqualTo("{\"ID\":\"workers\",\"Size\":1}");
        fx.call("SetSize", out -> {
            out.writeStartObject();
            out.writeStringField("ID", "workers");
            out.writeNumberField("Size", 2);
            out.writeEndObject();
        });
        GroupFixture.await("2 members after SetSize", () -> members("workers").size() == 2);
    }

    private JsonNode describe(String id) {
        try {
            return fx.byId("DescribeGroup", id);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void metricsCountGroupCallsByNameAndShowEachGroupsGaugesAndHealthzSaysOk() throws Exception {
        fx = new GroupFixture(home).startGroup();
        fx.commit("metered", GroupFixture.cattle(2, "{\"Init\":[\"echo hi\"]}"), false);
        GroupFixture.await("2 members", () -> members("metered").size() == 2);
        try (RawHttp http = new RawHttp(fx.dir.socketOf("group"))) {
            GroupFixture.await("the group converged in /metrics", () -> {
                try {
                    return PrometheusText.parse(http.send("GET", "/metrics", null, null).text())
                            .getOrDefault("infrakit_group_converged{group=\"metered\"}", 0.0) == 1.0;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Map<String, Double> m = PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
            assertThat(m).containsEntry("infrakit_group_desired{group=\"metered\"}", 2.0)
                    .containsEntry("infrakit_group_described{group=\"metered\"}", 2.0)
                    .containsEntry("infrakit_group_provisions_total{group=\"metered\"}", 2.0)
                    .containsEntry("infrakit_group_destroys_total{group=\"metered\"}", 0.0)
                    .containsEntry("infrakit_group_errors_total{group=\"metered\"}", 0.0)
                    // The Group SPI's calls under their own names, not "other".
                    .containsEntry("infrakit4j_rpc_call_duration_seconds_count{method=\"Group.CommitGroup\"}", 1.0);
            assertThat(m.keySet()).noneMatch(k -> k.contains("method=\"other\""));
        }
        GoJson.Writer empty = out -> {
            out.writeStartObject();
            out.writeEndObject();
        };
        fx.groupClient.callMethod("Group.InspectGroups", empty);
        assertThatThrownBy(() -> fx.groupClient.callMethod("Group.NoSuchMethod", empty))
                .isInstanceOf(InstanceException.class);
        try (RawHttp http = new RawHttp(fx.dir.socketOf("group"))) {
            Map<String, Double> m = PrometheusText.parse(http.send("GET", "/metrics", null, null).text());
            assertThat(m).containsEntry("infrakit4j_rpc_call_duration_seconds_count{method=\"Group.InspectGroups\"}",
                    1.0);
            // An unknown name is counted, but as "other": no label per name a client makes up.
            assertThat(m.keySet()).noneMatch(k -> k.contains("NoSuchMethod"))
                    .contains("infrakit4j_rpc_call_duration_seconds_count{method=\"other\"}");
            assertThat(http.send("GET", "/healthz", null, null).text()).isEqualTo("ok\n");
        }
    }

    @Test
    void changedConfigRollsOneMemberAtATimeAndEndsCurrent() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String v1 = GroupFixture.cattle(3, "{\"Init\":[\"echo v1\"]}");
        String v2 = GroupFixture.cattle(3, "{\"Init\":[\"echo v2\"]}");
        fx.commit("web", v1, false);
        GroupFixture.await("3 members v1", () -> members("web").size() == 3 && shas("web").equals(Set.of(sha(v1))));
        Set<InstanceId> before = members("web").stream().map(Description::id).collect(Collectors.toSet());
        assertThat(fx.commit("web", v2, true).get("Details").asText())
                .isEqualTo("Performing a rolling update on 3 instances");
        assertThat(shas("web")).containsExactly(sha(v1)); // pretend changed nothing
        fx.commit("web", v2, false);
        int most = 0;
        while (!shas("web").equals(Set.of(sha(v2))) || members("web").size() != 3) {
            int n = members("web").size();
            most = Math.max(most, n);
            assertThat(n).as("never more than the size, never fewer than size - 1").isBetween(2, 3);
            Thread.sleep(20);
        }
        assertThat(most).isLessThanOrEqualTo(3);
        Set<InstanceId> after = members("web").stream().map(Description::id).collect(Collectors.toSet());
        assertThat(after).doesNotContainAnyElementsOf(before);
        GroupFixture.await("converged", () -> describe("web").get("Description").get("Converged").asBoolean());
    }

    @Test
    void killedMemberIsReplaced() throws Exception {
        fx = new GroupFixture(home).startGroup();
        fx.commit("heal", GroupFixture.cattle(3, "{}"), false);
        GroupFixture.await("3 members", () -> members("heal").size() == 3);
        InstanceId victim = members("heal").get(0).id();
        fx.instancePlugin().destroy(victim, DestroyContext.TERMINATE);
        GroupFixture.await("healed", () -> {
            List<Description> m = members("heal");
            return m.size() == 3 && m.stream().noneMatch(d -> d.id().equals(victim));
        });
    }

    @Test
    void petGroupKeepsOneMemberPerLogicalIdAndBringsBackAMissingOne() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String pets = "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{}},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{}},"
                + "\"Allocation\":{\"LogicalIDs\":[\"10.0.0.1\",\"10.0.0.2\"]}}";
        assertThat(fx.commit("quorum", pets, false).get("Details").asText()).isEqualTo("Managing 2 instances");
        GroupFixture.await("2 pets", () -> members("quorum").size() == 2);
        assertThat(members("quorum").stream().map(d -> d.logicalId().orElse("")).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        Description lost = members("quorum").stream().filter(d -> d.logicalId().get().equals("10.0.0.2"))
                .findFirst().orElseThrow();
        fx.instancePlugin().destroy(lost.id(), DestroyContext.TERMINATE);
        GroupFixture.await("pet back under its LogicalID", () -> {
            List<Description> m = members("quorum");
            return m.size() == 2 && m.stream().anyMatch(d -> d.logicalId().get().equals("10.0.0.2")
                    && !d.id().equals(lost.id()));
        });
        assertThatThrownBy(() -> fx.call("SetSize", out -> {
            out.writeStartObject();
            out.writeStringField("ID", "quorum");
            out.writeNumberField("Size", 5);
            out.writeEndObject();
        })).hasMessageContaining("cannot set size if logic ids are explicitly set");
        assertThat(fx.byId("Size", "quorum").get("Size").asInt()).isEqualTo(2);
    }

    @Test
    void aCommitSwitchingBetweenSizeAndLogicalIdsIsRefusedAndLeavesTheGroupAsItWas() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String cattle = GroupFixture.cattle(2, "{}");
        String pets = "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{\"note\":\"test\"}},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{}},"
                + "\"Allocation\":{\"LogicalIDs\":[\"10.0.0.1\",\"10.0.0.2\"]}}";
        fx.commit("cattle", cattle, false);
        fx.commit("pets", pets, false);
        GroupFixture.await("2 cattle and 2 pets", () -> members("cattle").size() == 2 && members("pets").size() == 2);
        Set<InstanceId> before = new HashSet<>();
        members("cattle").forEach(d -> before.add(d.id()));
        members("pets").forEach(d -> before.add(d.id()));

        // Size to LogicalIDs: Go would scale the group to 0 and make no pets; refused, pretend or not.
        for (boolean pretend : List.of(true, false)) {
            assertThatThrownBy(() -> fx.commit("cattle", pets, pretend)).isInstanceOf(InstanceException.class)
                    .hasMessage("Changing a group from Allocation.Size to Allocation.LogicalIDs is not supported "
                            + "(InfraKit's group plugin scales it to 0 and makes no pets): destroy the group, then "
                            + "commit it again");
        }
        // LogicalIDs to Size: refused with the words of Go's quorum.
        for (boolean pretend : List.of(true, false)) {
            assertThatThrownBy(() -> fx.commit("pets", cattle, pretend)).isInstanceOf(InstanceException.class)
                    .hasMessage("Logical ID changes to a quorum is not currently supported");
        }

        // Both groups keep their config and their members.
        assertThat(fx.byId("Size", "cattle").get("Size").asInt()).isEqualTo(2);
        assertThat(fx.byId("Size", "pets").get("Size").asInt()).isEqualTo(2);
        GroupFixture.await("both groups converged", () -> describe("cattle").get("Description").get("Converged")
                .asBoolean() && describe("pets").get("Description").get("Converged").asBoolean());
        Set<InstanceId> after = new HashSet<>();
        members("cattle").forEach(d -> after.add(d.id()));
        members("pets").forEach(d -> after.add(d.id()));
        assertThat(after).isEqualTo(before);
    }

    @Test
    void destroyRemovesEveryMemberAndFreeLeavesThemAlone() throws Exception {
        fx = new GroupFixture(home).startGroup();
        fx.commit("gone", GroupFixture.cattle(2, "{}"), false);
        fx.commit("kept", GroupFixture.cattle(2, "{}"), false);
        fx.commit("watched", GroupFixture.cattle(1, "{}"), false);
        GroupFixture.await("5 members", () -> members("gone").size() == 2 && members("kept").size() == 2
                && members("watched").size() == 1);
        assertThat(fx.byId("DestroyGroup", "gone").toString()).isEqualTo("{\"ID\":\"gone\"}");
        assertThat(members("gone")).isEmpty();
        assertThat(fx.byId("FreeGroup", "kept").toString()).isEqualTo("{\"ID\":\"kept\"}");
        Set<InstanceId> kept = members("kept").stream().map(Description::id).collect(Collectors.toSet());
        fx.instancePlugin().destroy(kept.iterator().next(), DestroyContext.TERMINATE);
        InstanceId watched = members("watched").get(0).id();
        fx.instancePlugin().destroy(watched, DestroyContext.TERMINATE);
        // The polls go on (the still-managed group is healed), and the freed group is left as it is.
        GroupFixture.await("the managed group healed", () -> members("watched").size() == 1
                && !members("watched").get(0).id().equals(watched));
        assertThat(members("kept")).hasSize(1);
        fx.byId("DestroyGroup", "watched");
        assertThat(fx.call("InspectGroups", GroupService.idResult("")).toString())
                .isEqualTo("{\"ID\":\"\",\"Groups\":null}");
        assertThatThrownBy(() -> fx.byId("DescribeGroup", "kept"))
                .isInstanceOf(InstanceException.class).hasMessageContaining("Group 'kept' is not being watched");
        assertThat(Files.readString(fx.state)).isEqualTo("{\"Groups\":[]}\n");
    }

    @Test
    void destroyInstancesLowersTheSize() throws Exception {
        fx = new GroupFixture(home).startGroup();
        fx.commit("pool", GroupFixture.cattle(3, "{}"), false);
        GroupFixture.await("3 members", () -> members("pool").size() == 3);
        String victim = members("pool").get(1).id().value();
        fx.call("DestroyInstances", out -> {
            out.writeStartObject();
            out.writeStringField("ID", "pool");
            out.writeArrayFieldStart("Instances");
            out.writeString(victim);
            out.writeEndArray();
            out.writeEndObject();
        });
        assertThat(fx.byId("Size", "pool").get("Size").asInt()).isEqualTo(2);
        GroupFixture.await("converged at 2", () -> describe("pool").get("Description").get("Converged").asBoolean());
        assertThat(members("pool")).hasSize(2).noneMatch(d -> d.id().value().equals(victim));
    }

    @Test
    void committedGroupsAreResumedAfterARestart() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String cfg = GroupFixture.cattle(2, "{}");
        fx.commit("resumed", cfg, false);
        GroupFixture.await("2 members", () -> members("resumed").size() == 2);
        fx.stopGroup();
        Set<InstanceId> before = members("resumed").stream().map(Description::id).collect(Collectors.toSet());
        fx.instancePlugin().destroy(before.iterator().next(), DestroyContext.TERMINATE);
        fx.startGroup();
        GroupFixture.await("healed after restart", () -> members("resumed").size() == 2);
        JsonNode inspected = fx.call("InspectGroups", GroupService.idResult(""));
        assertThat(inspected.toString()).isEqualTo("{\"ID\":\"\",\"Groups\":[{\"ID\":\"resumed\",\"Properties\":"
                + "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{\"note\":\"test\"}},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{}},"
                + "\"Allocation\":{\"Size\":2,\"LogicalIDs\":null}}}]}");
    }

    @Test
    void failedDescribeDestroysNothingAndTheGroupCarriesOnWhenThePluginIsBack() throws Exception {
        fx = new GroupFixture(home).startGroup();
        fx.commit("outage", GroupFixture.cattle(2, "{}"), false);
        GroupFixture.await("2 members", () -> members("outage").size() == 2);
        Set<InstanceId> before = members("outage").stream().map(Description::id).collect(Collectors.toSet());
        fx.stopFilePlugin();
        GroupFixture.await("the outage is seen", () -> !fx.group.groups().problems().isEmpty());
        fx.startFilePlugin();
        GroupFixture.await("problem cleared", () -> fx.group.groups().problems().isEmpty());
        assertThat(members("outage").stream().map(Description::id).collect(Collectors.toSet()))
                .isEqualTo(new HashSet<>(before));
    }

    @Test
    void invalidCommitsAreRefusedWithGoMessages() throws Exception {
        fx = new GroupFixture(home).startGroup();
        assertThatThrownBy(() -> fx.commit("", GroupFixture.cattle(1, "{}"), false))
                .hasMessageContaining("Group ID must not be blank");
        assertThatThrownBy(() -> fx.commit("g", GroupFixture.cattle(0, "{}"), false))
                .hasMessageContaining("Allocation must not be blank");
        assertThatThrownBy(() -> fx.commit("g", "{\"Instance\":{\"Plugin\":\"nowhere\"},\"Flavor\":{\"Plugin\":"
                + "\"vanilla\"},\"Allocation\":{\"Size\":1}}", false))
                .hasMessageContaining("Failed to find Instance plugin 'nowhere':");
        assertThat(fx.call("InspectGroups", GroupService.idResult("")).get("Groups").isNull()).isTrue();
    }

    @Test
    void theBuiltInVanillaFlavorRefusesInitScriptTemplateUrlInsteadOfIgnoringIt() throws Exception {
        fx = new GroupFixture(home).startGroup();
        String url = "\"InitScriptTemplateURL\":\"file:///etc/infrakit/init.tpl\"";
        // Go's vanilla renders the template into Init; ours has no template engine, so a commit that relies on it is
        // refused naming the field, pretend or not, rather than making members without their init script.
        for (boolean pretend : List.of(true, false)) {
            assertThatThrownBy(() -> fx.commit("tpl", GroupFixture.cattle(1, "{" + url + "}"), pretend))
                    .isInstanceOf(InstanceException.class)
                    .hasMessage("InitScriptTemplateURL is not supported by the built-in vanilla "
                            + "flavor (it needs InfraKit's template engine): give Init lines instead");
        }
        // Both at once: Go's own message, checked before the template is looked at.
        assertThatThrownBy(() -> fx.commit("tpl", GroupFixture.cattle(1, "{\"Init\":[\"echo hi\"]," + url + "}"),
                false)).isInstanceOf(InstanceException.class)
                .hasMessage("Either \"Init\" or \"InitScriptTemplateURL\" can be specified but "
                        + "not both");
        assertThat(fx.call("InspectGroups", GroupService.idResult("")).get("Groups").isNull()).isTrue();
        assertThat(fx.instancePlugin().describeInstances(Map.of(), false)).isEmpty();
    }
}
