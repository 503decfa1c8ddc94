package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.RpcService;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Group/0.1.0 and Flavor/0.1.0 wire on exact bytes. Requests are written as Go's clients of f9e924e7 write
 * them (pkg/rpc/group/client.go and types.go, pkg/rpc/flavor/client.go and types.go: the request structs with
 * their keys in declaration order, gorilla's envelope); replies are what Go's services answer for them.
 */
class GroupWireVectorsTest {
    @TempDir
    Path home;
    private GroupFixture fx;
    private RawHttp raw;

    @AfterEach
    void close() throws Exception {
        if (raw != null) {
            raw.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private void exchange(String request, String reply) throws Exception {
        RawHttp.Reply r = raw.post(request);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo(reply + "\n");
    }

    private static final String PROPS = "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{\"note\":\"v\"}},"
            + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{\"Init\":[\"echo hi\"]}},\"Allocation\":{\"Size\":2}}";
    private static final String NORMALISED = "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":"
            + "{\"note\":\"v\"}},\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{\"Init\":[\"echo hi\"]}},"
            + "\"Allocation\":{\"Size\":2,\"LogicalIDs\":null}}";

    @Test
    void groupHandshakeAndCallsAreAnsweredAsGosGroupServerAnswersThem() throws Exception {
        fx = new GroupFixture(home).startGroup();
        raw = new RawHttp(fx.dir.socketOf("group"));
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Implements\",\"params\":{},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Group\",\"Version\":\"0.1.0\"}]},\"id\":1}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Types\",\"params\":{},\"id\":2}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Types\":{\"Group/0.1.0\":[\".\"]}},\"id\":2}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Hello\",\"params\":{},\"id\":3}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Objects\":{\"Group/0.1.0\":[{\"Name\":\".\",\"ProxyFor\":\"\"}]}},"
                        + "\"id\":3}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.InspectGroups\",\"params\":{\"ID\":\"\"},\"id\":4}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"ID\":\"\",\"Groups\":null},\"id\":4}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.CommitGroup\",\"params\":{\"Spec\":{\"ID\":\"workers\","
                + "\"Properties\":" + PROPS + "},\"Pretend\":true},\"id\":5}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"ID\":\"workers\",\"Details\":\"Managing 2 instances\"},\"id\":5}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.CommitGroup\",\"params\":{\"Spec\":{\"ID\":\"workers\","
                + "\"Properties\":" + PROPS + "},\"Pretend\":false},\"id\":6}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"ID\":\"workers\",\"Details\":\"Managing 2 instances\"},\"id\":6}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.InspectGroups\",\"params\":{\"ID\":\"\"},\"id\":7}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"ID\":\"\",\"Groups\":[{\"ID\":\"workers\",\"Properties\":"
                        + NORMALISED + "}]},\"id\":7}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.Size\",\"params\":{\"ID\":\"workers\"},\"id\":8}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"ID\":\"workers\",\"Size\":2},\"id\":8}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.DescribeGroup\",\"params\":{\"ID\":\"nope\"},\"id\":9}",
                "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Group 'nope' is not being watched\","
                        + "\"data\":null},\"id\":9}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.Size\",\"params\":{\"ID\":\"nope\"},\"id\":10}",
                "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"group nope not found\","
                        + "\"data\":null},\"id\":10}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.SetSize\",\"params\":{\"ID\":\"workers\",\"Size\":-1},"
                + "\"id\":11}", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"size cannot be negative\","
                + "\"data\":null},\"id\":11}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\"},\"id\":12}",
                "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"rpc: can't find service "
                        + "\\\"Instance.Validate\\\"\",\"data\":null},\"id\":12}");
        GroupFixture.await("2 members", () -> fx.instancePlugin().describeInstances(
                Map.of("infrakit.group", "workers"), false).size() == 2);
        List<Description> members = fx.instancePlugin().describeInstances(Map.of("infrakit.group", "workers"), false);
        String described = new String(GoJson.toBytes(GroupService.describeResult("workers", members, true)),
                java.nio.charset.StandardCharsets.UTF_8);
        GroupFixture.await("converged", () -> fx.group.groups().describe("workers").converged());
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.DescribeGroup\",\"params\":{\"ID\":\"workers\"},\"id\":13}",
                "{\"jsonrpc\":\"2.0\",\"result\":" + described + ",\"id\":13}");
        assertThat(described).startsWith("{\"ID\":\"workers\",\"Description\":{\"Instances\":[{\"ID\":\"")
                .contains("\"LogicalID\":null,\"Tags\":{\"infrakit.config_sha\":\"")
                .endsWith("}],\"Converged\":true}}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Group.FreeGroup\",\"params\":{\"ID\":\"workers\"},\"id\":14}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"ID\":\"workers\"},\"id\":14}");
        RawHttp.Reply api = raw.send("GET", "/info/api.json", null, new byte[0]);
        assertThat(api.text()).startsWith("{\"Vendor\":null,\"Implements\":[{\"Name\":\"Group\",\"Version\":\"0.1.0\"}],"
                + "\"Interfaces\":[{\"Name\":\"Group\",\"Version\":\"0.1.0\",\"Methods\":[{\"Request\":{\"jsonrpc\":"
                + "\"2.0\",\"method\":\"Group.CommitGroup\",\"params\":{\"Spec\":{\"ID\":\"\",\"Properties\":null},"
                + "\"Pretend\":false},\"id\":\"");
    }

    /** A flavor that records what it is called with and answers fixed values. */
    private static final class RecordingFlavor implements Flavor {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void validate(RawJson properties, Allocation allocation) {
            calls.add("validate " + properties + " " + allocation);
            if (properties.json().contains("bad")) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "bad flavor");
            }
        }

        @Override
        public Spec prepare(RawJson properties, Spec spec, Allocation allocation, Index index) {
            calls.add("prepare " + index);
            Map<String, String> tags = new java.util.HashMap<>(spec.tags());
            tags.put("flavor", "test");
            return spec.withInit("boot").withTags(tags);
        }

        @Override
        public Health healthy(RawJson properties, Description instance) {
            return Health.HEALTHY;
        }

        @Override
        public void drain(RawJson properties, Description instance) {
            calls.add("drain " + instance.id().value());
        }
    }

    /** Records the params of every call exactly as they reached the server, then lets the flavor answer. */
    private static final class Capturing implements RpcService {
        final FlavorService inner;
        final List<String> params = new CopyOnWriteArrayList<>();

        Capturing(FlavorService inner) {
            this.inner = inner;
        }

        public String interfaceName() {
            return inner.interfaceName();
        }

        public String interfaceVersion() {
            return inner.interfaceVersion();
        }

        public List<String> objectNames() {
            return inner.objectNames();
        }

        public GoJson.Writer call(String method, RawJson p) throws Failure {
            params.add(method + " " + p.json());
            return inner.call(method, p);
        }

        public GoJson.Writer apiMethods(String id) {
            return inner.apiMethods(id);
        }
    }

    @Test
    void flavorServerAnswersAsGosFlavorServerAndOurClientSendsWhatGosClientSends() throws Exception {
        fx = new GroupFixture(home);
        RecordingFlavor flavor = new RecordingFlavor();
        Capturing capturing = new Capturing(new FlavorService(Map.of("", flavor)));
        fx.serve("flavor-test", capturing);
        raw = new RawHttp(fx.dir.socketOf("flavor-test"));
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Implements\",\"params\":{},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Flavor\",\"Version\":\"0.1.0\"}]},\"id\":1}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Types\",\"params\":{},\"id\":2}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Types\":{\"Flavor/0.1.0\":[\".\"]}},\"id\":2}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Flavor.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                + "{\"a\":1},\"Allocation\":{\"Size\":2,\"LogicalIDs\":null}},\"id\":3}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":3}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Flavor.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                + "\"bad\",\"Allocation\":{\"Size\":2,\"LogicalIDs\":null}},\"id\":4}",
                "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"" + WireErrors.text(new InstanceException(
                        ErrorCode.INVALID_PROPERTIES, "bad flavor")) + "\",\"data\":null},\"id\":4}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Flavor.Prepare\",\"params\":{\"Type\":\"\",\"Properties\":null,"
                + "\"Spec\":{\"Properties\":{\"x\":1},\"Tags\":{\"infrakit.group\":\"g\"},\"Init\":\"\",\"LogicalID\":"
                + "\"10.0.0.1\",\"Attachments\":null},\"Allocation\":{\"Size\":0,\"LogicalIDs\":[\"10.0.0.1\"]},"
                + "\"Index\":{\"Group\":\"g\",\"Sequence\":1}},\"id\":5}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"Spec\":{\"Properties\":{\"x\":1},\"Tags\":"
                        + "{\"flavor\":\"test\",\"infrakit.group\":\"g\"},\"Init\":\"boot\",\"LogicalID\":\"10.0.0.1\","
                        + "\"Attachments\":null}},\"id\":5}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Flavor.Healthy\",\"params\":{\"Type\":\"\",\"Properties\":null,"
                + "\"Instance\":{\"ID\":\"i-1\",\"LogicalID\":null,\"Tags\":null}},\"id\":6}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"Health\":1},\"id\":6}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Flavor.Drain\",\"params\":{\"Type\":\"\",\"Properties\":null,"
                + "\"Instance\":{\"ID\":\"i-1\",\"LogicalID\":null,\"Tags\":null}},\"id\":7}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":7}");
        exchange("{\"jsonrpc\":\"2.0\",\"method\":\"Flavor.Drain\",\"params\":{\"Type\":\"zzz\"},\"id\":8}",
                "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"no-plugin:zzz\",\"data\":null},\"id\":8}");

        capturing.params.clear();
        try (InstancePluginClient transport = InstancePluginClient.connect(fx.dir.socketOf("flavor-test"), "",
                GroupFixture.TIMEOUT)) {
            FlavorPluginClient client = new FlavorPluginClient(transport, "");
            client.validate(new RawJson("{\"a\":1}"), new Allocation(2, List.of()));
            Spec prepared = client.prepare(RawJson.NULL, new Spec(new RawJson("{\"x\":1}"),
                    Map.of("infrakit.group", "g"), "", java.util.Optional.of("10.0.0.1"),
                    List.of(new Attachment("vol", "ebs"))), new Allocation(0, List.of("10.0.0.1")),
                    new Flavor.Index("g", 1));
            assertThat(prepared.tags()).containsEntry("flavor", "test");
            assertThat(prepared.init()).isEqualTo("boot");
            assertThat(client.healthy(RawJson.NULL, Description.of(new InstanceId("i-1"), java.util.Optional.empty(),
                    Map.of()))).isEqualTo(Flavor.Health.HEALTHY);
            client.drain(RawJson.NULL, Description.of(new InstanceId("i-1"), java.util.Optional.empty(), Map.of()));
        }
        assertThat(capturing.params).containsExactly(
                "Validate {\"Type\":\"\",\"Properties\":{\"a\":1},\"Allocation\":{\"Size\":2,\"LogicalIDs\":null}}",
                "Prepare {\"Type\":\"\",\"Properties\":null,\"Spec\":{\"Properties\":{\"x\":1},\"Tags\":"
                        + "{\"infrakit.group\":\"g\"},\"Init\":\"\",\"LogicalID\":\"10.0.0.1\",\"Attachments\":"
                        + "[{\"ID\":\"vol\",\"Type\":\"ebs\"}]},\"Allocation\":{\"Size\":0,\"LogicalIDs\":"
                        + "[\"10.0.0.1\"]},\"Index\":{\"Group\":\"g\",\"Sequence\":1}}",
                "Healthy {\"Type\":\"\",\"Properties\":null,\"Instance\":{\"ID\":\"i-1\",\"LogicalID\":null,"
                        + "\"Tags\":null}}",
                "Drain {\"Type\":\"\",\"Properties\":null,\"Instance\":{\"ID\":\"i-1\",\"LogicalID\":null,"
                        + "\"Tags\":null}}");
    }

    @Test
    void groupUsesAnExternalFlavorPluginServedByOurRpcServer() throws Exception {
        fx = new GroupFixture(home);
        RecordingFlavor flavor = new RecordingFlavor();
        fx.serve("flavor-test", new FlavorService(Map.of("", flavor)));
        fx.startGroup();
        String props = "{\"Instance\":{\"Plugin\":\"instance-file\",\"Properties\":{}},"
                + "\"Flavor\":{\"Plugin\":\"flavor-test\",\"Properties\":{\"k\":\"v\"}},\"Allocation\":{\"Size\":2}}";
        fx.commit("flavored", props, false);
        GroupFixture.await("2 members", () -> fx.instancePlugin().describeInstances(
                Map.of("infrakit.group", "flavored"), false).size() == 2);
        assertThat(fx.instancePlugin().describeInstances(Map.of("infrakit.group", "flavored"), false))
                .allSatisfy(d -> assertThat(d.tags()).containsEntry("flavor", "test"));
        assertThat(flavor.calls).contains("validate {\"k\":\"v\"} Allocation[size=2, logicalIds=[]]",
                "prepare Index[group=flavored, sequence=2]");
        fx.commit("flavored", props.replace("\"Size\":2", "\"Size\":1"), false);
        GroupFixture.await("1 member", () -> fx.instancePlugin().describeInstances(
                Map.of("infrakit.group", "flavored"), false).size() == 1);
        assertThat(flavor.calls).anyMatch(c -> c.startsWith("drain "));
    }
}
