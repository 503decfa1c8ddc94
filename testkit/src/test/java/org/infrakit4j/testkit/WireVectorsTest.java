package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The captured vectors of wire-protocol.md §4, checked on the exact bytes our server sends (requests sent as the
 * Go client sends them), and our client's requests checked against the Go client's bytes.
 */
class WireVectorsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private RawHttp serve(InstancePlugin plugin) throws Exception {
        return serve(Map.of("", plugin));
    }

    private RawHttp serve(Map<String, InstancePlugin> plugins) throws Exception {
        PluginHarness h = PluginHarness.serve(plugins, 4 << 20, TIMEOUT);
        open.add(h);
        RawHttp raw = h.raw();
        open.add(raw);
        return raw;
    }

    private static void exchange(RawHttp http, String request, String reply) throws Exception {
        RawHttp.Reply r = http.post(request);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.text()).isEqualTo(reply + "\n");
    }

    @Test
    void v1HandshakeImplementsAndV2Types() throws Exception {
        RawHttp http = serve(new FakeInstancePlugin());
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Implements\",\"params\":{},\"id\":3435606583366831542}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Instance\",\"Version\":\"0.6.0\"}]},"
                        + "\"id\":3435606583366831542}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Types\",\"params\":{},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Types\":{\"Instance/0.6.0\":[\".\"]}},\"id\":1}");
        RawHttp typed = serve(Map.of("type2", new FakeInstancePlugin(), "type1", new FakeInstancePlugin()));
        exchange(typed, "{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Types\",\"params\":{},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Types\":{\"Instance/0.6.0\":[\"type1\",\"type2\"]}},\"id\":1}");
        exchange(typed, "{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Hello\",\"params\":{},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Objects\":{\"Instance/0.6.1\":[{\"Name\":\"type1\",\"ProxyFor\":"
                        + "\"\"},{\"Name\":\"type2\",\"ProxyFor\":\"\"}]}},\"id\":1}");
    }

    @Test
    void v3ToV5Validate() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        List<RawJson> seen = new CopyOnWriteArrayList<>();
        fake.doValidate = seen::add;
        RawHttp http = serve(fake);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                + "{\"name\":\"instance\",\"type\":\"xlarge\"}},\"id\":7}", "{\"jsonrpc\":\"2.0\",\"result\":"
                + "{\"Type\":\"\",\"OK\":true},\"id\":7}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                + "null},\"id\":8}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":8}");
        assertThat(seen).containsExactly(new RawJson("{\"name\":\"instance\",\"type\":\"xlarge\"}"), RawJson.NULL);
        fake.doValidate = p -> {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "whoops");
        };
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                + "{\"name\":\"instance\",\"type\":\"xlarge\"}},\"id\":9}", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":"
                + "-32000,\"message\":\"invalid properties: whoops\",\"data\":null},\"id\":9}");
    }

    @Test
    void v6ToV8Provision() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        List<Spec> seen = new CopyOnWriteArrayList<>();
        fake.doProvision = s -> {
            seen.add(s);
            return new InstanceId("test");
        };
        RawHttp http = serve(fake);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"\",\"Spec\":"
                + "{\"Properties\":{\"test\":\"foo\"},\"Tags\":null,\"Init\":\"\",\"LogicalID\":null,\"Attachments\":"
                + "null}},\"id\":1}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"ID\":\"test\"},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"\",\"Spec\":"
                + "{\"Properties\":{\"test\":\"foo\"},\"Tags\":{\"infrakit.group\":\"workers\",\"tag1\":\"value1\"},"
                + "\"Init\":\"init\",\"LogicalID\":\"logical_id\",\"Attachments\":[{\"ID\":\"attachment_id\",\"Type\":"
                + "\"block-device\"}]}},\"id\":2}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"ID\":\"test\"},"
                + "\"id\":2}");
        assertThat(seen.get(0)).isEqualTo(new Spec(new RawJson("{\"test\":\"foo\"}"), Map.of(), "",
                Optional.empty(), List.of()));
        assertThat(seen.get(1)).isEqualTo(new Spec(new RawJson("{\"test\":\"foo\"}"),
                Map.of("infrakit.group", "workers", "tag1", "value1"), "init", Optional.of("logical_id"),
                List.of(new Attachment("attachment_id", "block-device"))));
        fake.doProvision = s -> {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "nope");
        };
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"\",\"Spec\":"
                + "{\"Properties\":null,\"Tags\":{\"tag1\":\"value1\"},\"Init\":\"init\",\"LogicalID\":null,"
                + "\"Attachments\":null}},\"id\":3}", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":"
                + "\"backend error: nope\",\"data\":null},\"id\":3}");
    }

    @Test
    void aNullIdFromAPluginIsAnErrorNeverANullResult() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        fake.doProvision = s -> null;
        RawHttp http = serve(fake);
        String reply = http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{},\"id\":1}")
                .text();
        assertThat(reply).startsWith("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"internal error: ");
        assertThat(reply).doesNotContain("\"ID\":null").doesNotContain("\"result\"");
    }

    @Test
    void v9LabelAndV10Destroy() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        List<Object> seen = new CopyOnWriteArrayList<>();
        fake.doLabel = (i, l) -> seen.add(List.of(i, l));
        fake.doDestroy = (i, c) -> seen.add(List.of(i, c));
        RawHttp http = serve(fake);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Label\",\"params\":{\"Type\":\"\",\"Instance\":"
                + "\"hello\",\"Labels\":{\"label1\":\"value1\",\"label2\":\"value2\"}},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Type\":\"\",\"Instance\":"
                + "\"hello\",\"Context\":{\"Reason\":\"terminate\"}},\"id\":2}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":2}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Type\":\"\",\"Instance\":"
                + "\"hello\",\"Context\":{\"Reason\":\"rolling_update\"}},\"id\":3}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":3}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Instance\":\"hello\"},"
                + "\"id\":4}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":4}");
        InstanceId hello = new InstanceId("hello");
        assertThat(seen).containsExactly(List.of(hello, Map.of("label1", "value1", "label2", "value2")),
                List.of(hello, DestroyContext.TERMINATE), List.of(hello, DestroyContext.ROLLING_UPDATE),
                List.of(hello, DestroyContext.NONE));
        fake.doLabel = (i, l) -> {
            throw new InstanceException(ErrorCode.NOT_FOUND, "can't do");
        };
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Label\",\"params\":{\"Type\":\"\",\"Instance\":"
                + "\"hello\",\"Labels\":{\"label1\":\"value1\"}},\"id\":5}", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":"
                + "-32000,\"message\":\"not found: can't do\",\"data\":null},\"id\":5}");
    }

    @Test
    void v11ToV13DescribeInstances() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        List<Object> seen = new CopyOnWriteArrayList<>();
        fake.doDescribe = (t, p) -> {
            seen.add(List.of(t, p));
            if (p) {
                return List.of(new Description(new InstanceId("boo"), Optional.of("10.0.0.1"), Map.of("foo", "bar"),
                        new RawJson("{\"some_status\":\"ok\",\"some_state\":10}")));
            }
            return List.of(Description.of(new InstanceId("boo"), Optional.empty(), Map.of()),
                    Description.of(new InstanceId("boop"), Optional.empty(), Map.of()));
        };
        RawHttp http = serve(fake);
        String twoPlain = "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"Descriptions\":[{\"ID\":\"boo\",\"LogicalID\":"
                + "null,\"Tags\":null},{\"ID\":\"boop\",\"LogicalID\":null,\"Tags\":null}]},\"id\":1}";
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"\","
                + "\"Tags\":null,\"Properties\":false},\"id\":1}", twoPlain);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"\","
                + "\"Tags\":{\"foo\":\"bar\"},\"Properties\":false},\"id\":1}", twoPlain);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"\","
                + "\"Tags\":{\"foo\":\"bar\"},\"Properties\":true},\"id\":2}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":"
                + "\"\",\"Descriptions\":[{\"ID\":\"boo\",\"LogicalID\":\"10.0.0.1\",\"Tags\":{\"foo\":\"bar\"},"
                + "\"Properties\":{\"some_status\":\"ok\",\"some_state\":10}}]},\"id\":2}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"tags\":"
                + "{\"foo\":\"bar\"},\"properties\":false},\"id\":1}", twoPlain);
        assertThat(seen).containsExactly(List.of(Map.of(), false), List.of(Map.of("foo", "bar"), false),
                List.of(Map.of("foo", "bar"), true), List.of(Map.of("foo", "bar"), false));
    }

    @Test
    void v14TypedServer() throws Exception {
        FakeInstancePlugin type1 = new FakeInstancePlugin();
        type1.doDescribe = (t, p) -> List.of(Description.of(new InstanceId("boo1"), Optional.empty(), Map.of()),
                Description.of(new InstanceId("boop"), Optional.empty(), Map.of()));
        FakeInstancePlugin type2 = new FakeInstancePlugin();
        type2.doDescribe = (t, p) -> List.of(Description.of(new InstanceId("boo"), Optional.empty(), Map.of()),
                Description.of(new InstanceId("boop2"), Optional.empty(), Map.of()));
        RawHttp http = serve(Map.of("type1", type1, "type2", type2));
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"type1\","
                + "\"Properties\":{\"name\":\"instance\",\"type\":\"xlarge1\"}},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"type1\",\"OK\":true},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"typeUnknown\","
                + "\"Properties\":{\"name\":\"instance\",\"type\":\"xlarge2\"}},\"id\":1}", "{\"jsonrpc\":\"2.0\","
                + "\"error\":{\"code\":-32000,\"message\":\"no-plugin:typeUnknown\",\"data\":null},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"type1\","
                + "\"Tags\":{},\"Properties\":false},\"id\":1}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"type1\","
                + "\"Descriptions\":[{\"ID\":\"boo1\",\"LogicalID\":null,\"Tags\":null},{\"ID\":\"boop\",\"LogicalID\":"
                + "null,\"Tags\":null}]},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"type2\","
                + "\"Tags\":{\"foo\":\"bar\"},\"Properties\":true},\"id\":1}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":"
                + "\"type2\",\"Descriptions\":[{\"ID\":\"boo\",\"LogicalID\":null,\"Tags\":null},{\"ID\":\"boop2\","
                + "\"LogicalID\":null,\"Tags\":null}]},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                + "{}},\"id\":1}", "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"no-plugin:\","
                + "\"data\":null},\"id\":1}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Type\":\"type2\","
                + "\"Instance\":\"x\",\"Context\":{\"Reason\":\"terminate\"}},\"id\":1}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"type2\",\"OK\":true},\"id\":1}");
    }

    @Test
    void v15LeniencyAndGoEscaping() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        List<RawJson> seen = new CopyOnWriteArrayList<>();
        fake.doValidate = seen::add;
        fake.doDescribe = (t, p) -> List.of(new Description(new InstanceId("a<b>&c"), Optional.empty(),
                Map.of("b", "1", "B", "2", "é", "3", "\u2028", "\u0001"), new RawJson("{\n  \"a\": \"<b>&\", \"n\": 1.10e3\n}")));
        RawHttp http = serve(fake);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":[{\"Properties\":{\"a\":1}}],"
                + "\"id\":7}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":7}");
        assertThat(seen).containsExactly(new RawJson("{\"a\":1}"));
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"id\":\"abc\"}",
                "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"Descriptions\":[{\"ID\":\"a\\u003cb\\u003e\\u0026c\","
                        + "\"LogicalID\":null,\"Tags\":{\"B\":\"2\",\"b\":\"1\",\"é\":\"3\",\"\\u2028\":\"\\u0001\"},"
                        + "\"Properties\":{\"a\":\"\\u003cb\\u003e\\u0026\",\"n\":1.10e3}}]},\"id\":\"abc\"}");
    }

    @Test
    void v16GroupPluginProvisionAndV17Label() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        fake.doProvision = s -> new InstanceId("inst-1");
        RawHttp http = serve(fake);
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"\",\"Spec\":"
                + "{\"Properties\":{\"size\":\"small\"},\"Tags\":{\"infrakit.config_sha\":\"odtx6koaityav5w7mybub2dvc6nqg"
                + "b3y\",\"infrakit.group\":\"workers\",\"role\":\"worker\"},\"Init\":\"echo hi\",\"LogicalID\":null,"
                + "\"Attachments\":null}},\"id\":5}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"ID\":\"inst-1\"},"
                + "\"id\":5}");
        exchange(http, "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Label\",\"params\":{\"Type\":\"\",\"Instance\":"
                + "\"boot-1\",\"Labels\":{\"infrakit.config_sha\":\"skjq535to23h2hmcamnnriecmp53ndfe\",\"infrakit.group\":"
                + "\"managers\"}},\"id\":6}", "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":6}");
    }

    @Test
    void v18InfoApi() throws Exception {
        PluginHarness h = PluginHarness.serve(Map.of("", new FakeInstancePlugin()), 4 << 20, TIMEOUT);
        open.add(h);
        try (RawHttp http = h.raw()) {
            RawHttp.Reply r = http.send("GET", "/info/api.json", null, null);
            assertThat(r.status()).isEqualTo(200);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\":\"(\\d+)\"").matcher(r.text());
            assertThat(m.find()).isTrue();
            String id = m.group(1);
            assertThat(Long.parseLong(id)).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));
            assertThat(r.text()).isEqualTo(("{\"Vendor\":null,\"Implements\":[{\"Name\":\"Instance\",\"Version\":\"0.6.0\"}],"
                    + "\"Interfaces\":[{\"Name\":\"Instance\",\"Version\":\"0.6.0\",\"Methods\":["
                    + "{\"Request\":{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"\","
                    + "\"Tags\":null,\"Properties\":false},\"id\":\"I\"},\"Response\":{\"result\":{\"Type\":\"\","
                    + "\"Descriptions\":null},\"id\":\"I\"}},"
                    + "{\"Request\":{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Type\":\"\","
                    + "\"Instance\":\"\",\"Context\":{\"Reason\":\"\"}},\"id\":\"I\"},\"Response\":{\"result\":{\"Type\":"
                    + "\"\",\"OK\":false},\"id\":\"I\"}},"
                    + "{\"Request\":{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Label\",\"params\":{\"Type\":\"\","
                    + "\"Instance\":\"\",\"Labels\":null},\"id\":\"I\"},\"Response\":{\"result\":{\"Type\":\"\",\"OK\":false},"
                    + "\"id\":\"I\"}},"
                    + "{\"Request\":{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"\","
                    + "\"Spec\":{\"Properties\":null,\"Tags\":null,\"Init\":\"\",\"LogicalID\":null,\"Attachments\":null}},"
                    + "\"id\":\"I\"},\"Response\":{\"result\":{\"Type\":\"\",\"ID\":null},\"id\":\"I\"}},"
                    + "{\"Request\":{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\","
                    + "\"Properties\":null},\"id\":\"I\"},\"Response\":{\"result\":{\"Type\":\"\",\"OK\":false},"
                    + "\"id\":\"I\"}}]}]}").replace("\"I\"", "\"" + id + "\""));
            RawHttp.Reply functions = http.send("GET", "/info/functions.json", null, null);
            assertThat(functions.status()).isEqualTo(200);
            assertThat(functions.text()).isEqualTo("{}");
        }
    }

    @Test
    void clientRequestsAreTheGoClientsBytes() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        fake.doDescribe = (t, p) -> List.of(new Description(new InstanceId("boo"), Optional.of("10.0.0.1"),
                Map.of("foo", "bar"), new RawJson("{\"some_status\":\"ok\",\"some_state\":10}")));
        PluginHarness h = PluginHarness.serve(Map.of("", fake, "type1", fake), 4 << 20, TIMEOUT);
        open.add(h);
        InstancePluginClient client = h.client();
        assertThat(client.handshake()).isEqualTo("Instance/0.6.0");
        List<Description> got = client.describeInstances(Map.of("foo", "bar"), true);
        assertThat(got).containsExactly(new Description(new InstanceId("boo"), Optional.of("10.0.0.1"),
                Map.of("foo", "bar"), new RawJson("{\"some_status\":\"ok\",\"some_state\":10}")));
        assertThat(client.provision(Spec.of(new RawJson("{\"test\":\"foo\"}"), Map.of()))).isEqualTo(new InstanceId("fake"));
        try (InstancePluginClient typed = client.withType("type1"); InstancePluginClient unknown = client.withType("nope")) {
            typed.destroy(new InstanceId("x"), DestroyContext.TERMINATE);
            assertThatThrownBy(() -> unknown.validate(RawJson.NULL)).hasMessage("no-plugin:nope");
        }
    }
}
