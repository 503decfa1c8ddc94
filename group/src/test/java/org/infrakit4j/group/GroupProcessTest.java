package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group plugin as its own process ({@code infrakit-group}'s main), killed with -9 in the middle of an update. */
class GroupProcessTest {
    @TempDir
    Path home;
    private GroupFixture fx;
    private PluginProcess processes;
    private int started;

    @AfterEach
    void close() throws Exception {
        if (processes != null) {
            processes.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private Process startGroup() throws Exception {
        Process p = processes.start("--poll-interval", "1s", "--log-level", "info");
        try {
            PluginProcess.awaitSocket(processes.socket("group"), p, Duration.ofSeconds(60));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its output:\n" + processes.output(started++), e);
        }
        started++;
        return p;
    }

    private List<Description> all() {
        return fx.instancePlugin().describeInstances(Map.of(), false);
    }

    private static String sha(String properties) throws Exception {
        return GroupConfig.parse(new RawJson(properties)).configSha();
    }

    private void commit(String id, String properties) throws Exception {
        try (InstancePluginClient c = InstancePluginClient.connect(processes.socket("group"), "",
                GroupFixture.TIMEOUT)) {
            c.callMethod("Group.CommitGroup", out -> {
                out.writeStartObject();
                out.writeObjectFieldStart("Spec");
                out.writeStringField("ID", id);
                out.writeFieldName("Properties");
                org.infrakit4j.rpc.GoJson.writeRaw(out, new RawJson(properties));
                out.writeEndObject();
                out.writeBooleanField("Pretend", false);
                out.writeEndObject();
            });
        }
    }

    private boolean converged(String id) {
        try (InstancePluginClient c = InstancePluginClient.connect(processes.socket("group"), "",
                GroupFixture.TIMEOUT)) {
            return GoFields.parse(c.callMethod("Group.DescribeGroup", GroupService.idResult(id)).json())
                    .get("Description").get("Converged").asBoolean();
        } catch (GoFields.BadJson e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void killedMidUpdateThenRestartedFinishesTheUpdateWithNothingDuplicatedOrOrphaned() throws Exception {
        fx = new GroupFixture(home);
        processes = new PluginProcess(GroupMain.class, home, Map.of());
        Process first = startGroup();
        String v1 = GroupFixture.cattle(3, "{\"Init\":[\"echo v1\"]}");
        String v2 = GroupFixture.cattle(3, "{\"Init\":[\"echo v2\"]}");
        String sha1 = sha(v1);
        String sha2 = sha(v2);
        commit("roll", v1);
        GroupFixture.await("3 members of v1", () -> all().size() == 3
                && all().stream().allMatch(d -> sha1.equals(d.tags().get("infrakit.config_sha"))));
        commit("roll", v2);
        GroupFixture.await("the update under way", () -> {
            Set<String> shas = all().stream().map(d -> d.tags().get("infrakit.config_sha"))
                    .collect(Collectors.toSet());
            return shas.contains(sha2) && shas.contains(sha1);
        });
        PluginProcess.kill9(first);
        Set<String> atKill = all().stream().map(d -> d.tags().get("infrakit.config_sha")).collect(Collectors.toSet());
        assertThat(atKill).as("killed in the middle of the update").contains(sha1);

        startGroup();
        GroupFixture.await("the update finished after the restart", () -> {
            List<Description> now = all();
            return now.size() == 3 && now.stream().allMatch(d -> sha2.equals(d.tags().get("infrakit.config_sha")));
        });
        // Nothing duplicated or orphaned: every instance the plugin holds is one of the group's three.
        assertThat(all()).hasSize(3).allSatisfy(d -> assertThat(d.tags()).containsEntry("infrakit.group", "roll"));
        GroupFixture.await("the restarted group reports itself converged", () -> converged("roll"));
        assertThat(all()).hasSize(3);
    }
}
