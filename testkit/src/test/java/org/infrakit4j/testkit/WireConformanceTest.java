package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wire conformance checks whose requests never reach a provider (handshake, malformed or ill-typed bodies,
 * HTTP-level refusals, the body limit, id echo, Go's lenient envelope): they depend on the server alone, which every
 * provider shares, so they run once, against an in-memory fake, instead of once per real backend.
 */
class WireConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PluginHarness harness;
    private InstancePlugin plugin;
    private Map<String, String> runTag;

    /** Instances in memory: enough for the "still serving" checks after each piece of bad input. */
    private static FakeInstancePlugin inMemory() {
        Map<InstanceId, Description> instances = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        FakeInstancePlugin fake = new FakeInstancePlugin();
        fake.doProvision = spec -> {
            InstanceId id = new InstanceId("fake-" + next.incrementAndGet());
            instances.put(id, Description.of(id, spec.logicalId(), spec.tags()));
            return id;
        };
        fake.doDescribe = (tags, properties) -> instances.values().stream()
                .filter(d -> Description.matches(d.tags(), tags)).toList();
        return fake;
    }

    @BeforeEach
    void start() throws Exception {
        harness = PluginHarness.serve(inMemory(), Duration.ofSeconds(30));
        plugin = harness.client();
        runTag = Map.of("ik4j.test", UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private RawJson validProperties() {
        return RawJson.of("{\"any\":\"thing\"}");
    }

    private RawHttp raw() throws Exception {
        return harness.raw();
    }

    private Map<String, String> tags(String... pairs) {
        Map<String, String> t = new HashMap<>(runTag);
        for (int i = 0; i < pairs.length; i += 2) {
            t.put(pairs[i], pairs[i + 1]);
        }
        return Map.copyOf(t);
    }

    private InstanceId provision(Map<String, String> tags) {
        return plugin.provision(Spec.of(validProperties(), tags));
    }

    private Optional<Description> describeOne(InstanceId id) {
        return plugin.describeInstances(runTag, false).stream().filter(d -> d.id().equals(id)).findFirst();
    }

    @Test
    void socketIsOwnerOnlyInAnOwnerOnlyDirectory() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(harness.socket())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(harness.directory())))
                .isEqualTo("rwx------");
    }


    @Test
    void handshakeOffersBothGenerations() throws Exception {
        try (RawHttp http = raw()) {
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Implements\",\"params\":{},\"id\":1}")
                    .text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Instance\","
                    + "\"Version\":\"0.6.0\"}]},\"id\":1}\n");
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Types\",\"params\":{},\"id\":2}")
                    .text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":{\"Types\":{\"Instance/0.6.0\":[\".\"]}},"
                    + "\"id\":2}\n");
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Hello\",\"params\":{},\"id\":3}")
                    .text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":{\"Objects\":{\"Instance/0.6.1\":"
                    + "[{\"Name\":\".\",\"ProxyFor\":\"\"}]}},\"id\":3}\n");
        }
    }


    @Test
    void malformedBodiesGetParseErrors() throws Exception {
        InstanceId known = provision(tags());
        try (RawHttp http = raw()) {
            for (String body : List.of("hello", "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{",
                    "", "{}}", "\u0000\u0001", "{\"id\":1,}")) {
                assertError(http.send("POST", "/", "application/json", body.getBytes(StandardCharsets.UTF_8)),
                        -32700, "null");
            }
            assertError(http.send("POST", "/", "application/json", new byte[] {'"', (byte) 0xff, (byte) 0xfe, '"'}),
                    -32700, "null");
            assertStillServing(http, known);
        }
    }


    @Test
    void wrongMemberTypesAreInvalidParamsNamingTheField() throws Exception {
        InstanceId known = provision(tags());
        try (RawHttp http = raw()) {
            RawHttp.Reply reply = http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\","
                    + "\"params\":{\"Instance\":5},\"id\":1}");
            assertError(reply, -32600, "1");
            JsonNode error = JSON.readTree(reply.body()).path("error");
            assertThat(error.path("message").asText()).contains("Instance");
            assertThat(error.path("data").toString()).isEqualTo("{\"Instance\":5}");
            for (String params : List.of("{\"Tags\":[1]}", "{\"Tags\":{\"a\":1}}", "{\"Properties\":\"yes\"}", "7",
                    "\"x\"", "[]", "[{},{}]")) {
                assertError(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":"
                        + params + ",\"id\":2}"), -32600, "2");
            }
            assertError(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Spec\":"
                    + "{\"LogicalID\":{}}},\"id\":3}"), -32600, "3");
            assertError(http.post("{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":4}"), -32600, "4");
            assertStillServing(http, known);
        }
        assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(known);
    }


    @Test
    void unknownMethodsAndServicesGetGoMessages() throws Exception {
        InstanceId known = provision(tags());
        try (RawHttp http = raw()) {
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Foo\",\"params\":{},\"id\":1}").text())
                    .isEqualTo("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"rpc: can't find "
                            + "method \\\"Instance.Foo\\\"\",\"data\":null},\"id\":1}\n");
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Plugin.Implements\",\"params\":{},\"id\":1}")
                    .text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"rpc: can't "
                            + "find service \\\"Plugin.Implements\\\"\",\"data\":null},\"id\":1}\n");
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Validate\",\"params\":{},\"id\":1}").text())
                    .isEqualTo("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"rpc: service/method "
                            + "request ill-formed: \\\"Validate\\\"\",\"data\":null},\"id\":1}\n");
            assertThat(http.post("{\"jsonrpc\":\"1.0\",\"method\":\"Instance.Validate\",\"params\":{},\"id\":1}")
                    .text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"jsonrpc must"
                            + " be 2.0\",\"data\":{\"jsonrpc\":\"1.0\",\"method\":\"Instance.Validate\",\"params\""
                            + ":{},\"id\":1}},\"id\":1}\n");
            assertThat(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":"
                    + "{\"Type\":\"nosuch\"},\"id\":1}").text())
                    .isEqualTo("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"no-plugin:nosuch\","
                            + "\"data\":null},\"id\":1}\n");
            assertError(http.post("[{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{},"
                    + "\"id\":1}]"), -32600, "null");
            assertStillServing(http, known);
        }
    }


    @Test
    void httpLevelRefusalsArePlainTextAsInGo() throws Exception {
        InstanceId known = provision(tags());
        try (RawHttp http = raw()) {
            RawHttp.Reply get = http.send("GET", "/", null, null);
            assertThat(get.status()).isEqualTo(405);
            assertThat(get.text()).isEqualTo("rpc: POST method required, received GET");
            RawHttp.Reply text = http.send("POST", "/", "text/plain", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(text.status()).isEqualTo(415);
            assertThat(text.text()).isEqualTo("rpc: unrecognized Content-Type: text/plain");
            RawHttp.Reply other = http.send("POST", "/rpc", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(other.status()).isEqualTo(404);
            assertThat(other.text()).isEqualTo("404 page not found\n");
            String describe = "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{},\"id\":1}";
            assertThat(http.send("POST", "/", null, describe.getBytes(StandardCharsets.UTF_8)).text())
                    .startsWith("{\"jsonrpc\":\"2.0\",\"result\":");
            assertThat(http.send("POST", "/", "Application/JSON; charset=utf-8",
                    describe.getBytes(StandardCharsets.UTF_8)).text()).startsWith("{\"jsonrpc\":\"2.0\",\"result\":");
            assertStillServing(http, known);
        }
    }


    @Test
    void aBodyOverTheLimitIsRefusedAndTheConnectionLives() throws Exception {
        InstanceId known = provision(tags());
        try (RawHttp http = raw()) {
            byte[] huge = new byte[5 * 1024 * 1024];
            java.util.Arrays.fill(huge, (byte) ' ');
            huge[0] = '{';
            huge[huge.length - 1] = '}';
            RawHttp.Reply reply = http.send("POST", "/", "application/json", huge);
            assertError(reply, -32600, "null");
            assertThat(reply.text()).contains("exceeds the limit");
            assertStillServing(http, known);
        }
    }


    @Test
    void idsAreEchoedAsRawTokens() throws Exception {
        InstanceId known = provision(tags());
        try (RawHttp http = raw()) {
            for (String id : List.of("9223372036854775807", "12345678901234567890123", "\"abc\"", "0", "1.5e3",
                    "{\"a\":[1]}")) {
                String reply = http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{"
                        + "\"Properties\":" + validProperties().json() + "},\"id\":" + id + "}").text();
                assertThat(reply).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":"
                        + id + "}\n");
            }
            RawHttp.Reply notification = http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\","
                    + "\"params\":{}}");
            assertThat(notification.status()).isEqualTo(200);
            assertThat(notification.body()).isEmpty();
            assertStillServing(http, known);
        }
    }


    @Test
    void lenientEnvelopeAsGo() throws Exception {
        InstanceId known = provision(tags("foo", "bar"));
        try (RawHttp http = raw()) {
            JsonNode array = JSON.readTree(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\","
                    + "\"params\":[{\"tags\":" + JSON.writeValueAsString(runTag) + ",\"PROPERTIES\":false,"
                    + "\"unknown\":[1,{}]}],\"ID\":7,\"extra\":true}").body());
            assertThat(array.path("id").asInt()).isEqualTo(7);
            assertThat(array.path("result").path("Descriptions").findValuesAsText("ID")).containsExactly(known.value());
            JsonNode missing = JSON.readTree(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\","
                    + "\"id\":\"abc\"}").body());
            assertThat(missing.path("id").asText()).isEqualTo("abc");
            assertThat(missing.path("result").path("Descriptions").findValuesAsText("ID")).contains(known.value());
        }
    }

    private void assertStillServing(RawHttp http, InstanceId known) throws Exception {
        JsonNode reply = JSON.readTree(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\","
                + "\"params\":{\"Tags\":" + JSON.writeValueAsString(runTag) + "},\"id\":99}").body());
        assertThat(reply.path("result").path("Descriptions").findValuesAsText("ID")).contains(known.value());
        assertThat(describeOne(known)).isPresent();
    }

    private static void assertError(RawHttp.Reply reply, int code, String id) throws Exception {
        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = JSON.readTree(reply.body());
        assertThat(body.path("error").path("code").asInt()).as(reply.text()).isEqualTo(code);
        assertThat(body.path("error").has("data")).isTrue();
        assertThat(body.has("result")).isFalse();
        assertThat(body.get("id").toString()).isEqualTo(id);
        assertThat(reply.text()).endsWith("}\n");
    }
}
