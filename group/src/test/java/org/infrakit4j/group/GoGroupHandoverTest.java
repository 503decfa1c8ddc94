package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group made by InfraKit's Go group plugin (f9e924e7, built by hand from the public repository into
 * {@code ~/infrakit-reference/bin}; nothing of it is in the project) moves to ours without a member replaced: the
 * Go plugin's {@code infrakit.config_sha} is the one we compute. Go's group calls our vanilla flavor over the
 * Flavor wire meanwhile.
 */
class GoGroupHandoverTest {
    private static final Path GO_VANILLA = Path.of(System.getProperty("user.home"), "infrakit-reference", "bin",
            "infrakit-flavor-vanilla");
    private static final Path GO_GROUP = Path.of(System.getProperty("user.home"), "infrakit-reference", "bin",
            "infrakit-group-default");

    @TempDir
    Path home;
    private GroupFixture fx;
    private Process goGroup;

    @AfterEach
    void close() throws Exception {
        if (goGroup != null) {
            goGroup.destroyForcibly().waitFor();
        }
        if (goFlavor != null) {
            goFlavor.destroyForcibly().waitFor();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private Process goFlavor;

    @Test
    void ourGroupPreparesItsMembersWithInfraKitsGoVanillaFlavorPlugin() throws Exception {
        assertThat(GO_VANILLA).as("InfraKit's Go vanilla flavor is needed at " + GO_VANILLA + " (build it from "
                + "github.com/docker/infrakit at f9e924e7)").isExecutable();
        fx = new GroupFixture(home);
        ProcessBuilder pb = new ProcessBuilder(GO_VANILLA.toString()).redirectErrorStream(true)
                .redirectOutput(home.resolve("go-flavor.log").toFile());
        pb.environment().put("INFRAKIT_HOME", home.toString());
        pb.environment().put("INFRAKIT_PLUGINS_DIR", fx.dir.path().toString());
        goFlavor = pb.start();
        PluginProcess.awaitSocket(fx.dir.socketOf("flavor-vanilla"), goFlavor, Duration.ofSeconds(30));
        fx.startGroup();
        String props = "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{\"note\":\"test\"}},"
                + "\"Flavor\":{\"Plugin\":\"flavor-vanilla\",\"Properties\":{\"Init\":[\"echo from-go-flavor\"],"
                + "\"Tags\":{\"role\":\"go-prepared\"}}},\"Allocation\":{\"Size\":2}}";
        assertThat(fx.commit("flavored", props, false).get("Details").asText()).isEqualTo("Managing 2 instances");
        GroupFixture.await("2 members prepared by Go's flavor", () -> fx.instancePlugin()
                .describeInstances(Map.of("infrakit.group", "flavored"), false).size() == 2);
        List<Description> made = fx.instancePlugin().describeInstances(Map.of("infrakit.group", "flavored"), true);
        // Go's vanilla Prepare put its Tags and its Init lines into each Spec our group provisioned.
        assertThat(made).hasSize(2).allSatisfy(d -> {
            assertThat(d.tags()).containsEntry("role", "go-prepared").containsKey("infrakit.config_sha");
            assertThat(d.properties().json()).contains("echo from-go-flavor");
        });
        fx.byId("DestroyGroup", "flavored");
        GroupFixture.await("the group's members destroyed", () -> fx.instancePlugin()
                .describeInstances(Map.of("infrakit.group", "flavored"), false).isEmpty());
    }

    private List<Description> members() {
        return fx.instancePlugin().describeInstances(Map.of("infrakit.group", "moving"), false);
    }

    @Test
    void groupOfGosGroupPluginIsTakenOverWithoutReplacingItsMembers() throws Exception {
        assertThat(GO_GROUP).as("InfraKit's Go group plugin is needed at " + GO_GROUP + " (build it from "
                + "github.com/docker/infrakit at f9e924e7)").isExecutable();
        fx = new GroupFixture(home);
        // Go's group plugin has no vanilla of its own: it calls a flavor plugin named vanilla, here ours, served by
        // our RPC server, so Go's flavor client checks our Flavor/0.1.0 server too.
        fx.serve("vanilla", new FlavorService(Map.of("", new VanillaFlavor())));
        ProcessBuilder pb = new ProcessBuilder(GO_GROUP.toString(), "--name", "group-go", "--poll-interval", "1s")
                .redirectErrorStream(true).redirectOutput(home.resolve("go-group.log").toFile());
        pb.environment().put("INFRAKIT_HOME", home.toString());
        pb.environment().put("INFRAKIT_PLUGINS_DIR", fx.dir.path().toString());
        goGroup = pb.start();
        PluginProcess.awaitSocket(fx.dir.socketOf("group-go"), goGroup, Duration.ofSeconds(30));
        String props = GroupFixture.cattle(3, "{\"Init\":[\"echo go\"],\"Tags\":{\"role\":\"moved\"}}");
        try (InstancePluginClient go = InstancePluginClient.connect(fx.dir.socketOf("group-go"), "",
                GroupFixture.TIMEOUT)) {
            go.callMethod("Group.CommitGroup", out -> {
                out.writeStartObject();
                out.writeObjectFieldStart("Spec");
                out.writeStringField("ID", "moving");
                out.writeFieldName("Properties");
                GoJson.writeRaw(out, new RawJson(props));
                out.writeEndObject();
                out.writeBooleanField("Pretend", false);
                out.writeEndObject();
            });
            GroupFixture.await("Go's group made 3 members", () -> members().size() == 3);
            go.callMethod("Group.FreeGroup", GroupService.idResult("moving"));
        }
        goGroup.destroy();
        goGroup.waitFor();
        String ours = GroupConfig.parse(new RawJson(props)).configSha();
        assertThat(members()).allSatisfy(d -> assertThat(d.tags()).containsEntry("infrakit.config_sha", ours)
                .containsEntry("role", "moved"));
        Set<InstanceId> made = members().stream().map(Description::id).collect(Collectors.toSet());

        fx.startGroup();
        assertThat(fx.commit("moving", props, true).get("Details").asText()).isEqualTo("Managing 3 instances");
        fx.commit("moving", props, false);
        GroupFixture.await("our group converged on Go's members", () -> {
            try {
                return fx.byId("DescribeGroup", "moving").get("Description").get("Converged").asBoolean();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(members().stream().map(Description::id).collect(Collectors.toSet())).isEqualTo(made);
    }
}
