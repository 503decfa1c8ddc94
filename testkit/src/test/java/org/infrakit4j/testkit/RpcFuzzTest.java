package org.infrakit4j.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.RpcFuzzInputs.Framing;
import org.infrakit4j.testkit.RpcFuzzInputs.HttpRequest;
import org.infrakit4j.testkit.RpcFuzzInputs.Mutation;

/**
 * A property-based fuzzer over the RPC layer: random and mutated JSON-RPC bodies, odd headers, framings and sizes,
 * all sent through the real socket to one server per property. Every reply must be a documented one
 * ({@link DocumentedReplies}); after every try the plugin still answers a new connection, with its seed instances
 * unchanged.
 */
class RpcFuzzTest {
    private static final int MAX_BODY = 16 * 1024;
    private static final long REPLY_WAIT_SECONDS = 10;
    private static final Map<String, String> SEED_TAG = Map.of("ik4j-fuzz-seed", "yes");
    private static final byte[] DESCRIBE_SEEDS = ("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\","
            + "\"params\":{\"Type\":\"\",\"Tags\":{\"ik4j-fuzz-seed\":\"yes\"},\"Properties\":true},\"id\":1}")
            .getBytes(UTF_8);

    private final ExecutorService io = Executors.newCachedThreadPool();
    private PluginHarness harness;
    private List<Description> seeds;
    private String seedsReply;

    @BeforeProperty
    void serveWithSeedInstances() throws Exception {
        harness = PluginHarness.serve(Map.of("", inMemory(), RpcFuzzInputs.TYPED, inMemory()), MAX_BODY,
                Duration.ofSeconds(10));
        for (int i = 1; i <= 3; i++) {
            Map<String, String> tags = new HashMap<>(SEED_TAG);
            tags.put("n", Integer.toString(i));
            harness.client().provision(Spec.of(new RawJson("{\"size\":\"small\",\"n\":" + i + "}"), tags)
                    .withLogicalId("10.0.0." + i));
        }
        seeds = harness.client().describeInstances(SEED_TAG, true);
        assertThat(seeds).hasSize(3);
        seedsReply = post(DESCRIBE_SEEDS).text();
    }

    @AfterProperty
    void seedsAreIntactAndEveryInstanceIsDescribed() throws Exception {
        try {
            assertThat(harness.client().describeInstances(SEED_TAG, true)).isEqualTo(seeds);
            assertThat(harness.client().describeInstances(Map.of(), true)).containsAll(seeds);
        } finally {
            harness.close();
            io.shutdownNow();
        }
    }

    @Property(tries = 1000)
    void everyJsonRpcBodyGetsItsDocumentedReply(@ForAll("envelopes") String body) throws Exception {
        byte[] bytes = body.getBytes(UTF_8);
        DocumentedReplies.checkPost(bytes, post(bytes), MAX_BODY);
        stillServing();
    }

    @Property(tries = 1000)
    void mutatedBodiesGetDocumentedReplies(@ForAll("requestBodies") byte[] body,
            @ForAll("mutationLists") List<Mutation> mutations) throws Exception {
        byte[] mutated = body;
        for (Mutation m : mutations) {
            mutated = m.apply(mutated);
        }
        DocumentedReplies.checkPost(mutated, post(mutated), MAX_BODY);
        stillServing();
    }

    @Property(tries = 400)
    void oddMethodsPathsHeadersFramingsAndSizesGetDocumentedReplies(@ForAll("httpRequests") HttpRequest request)
            throws Exception {
        RawHttp.Reply reply = exchange(request.bytes(), request.framing() == Framing.LONG_LENGTH, request.head());
        DocumentedReplies.checkRoute(request, reply, MAX_BODY);
        stillServing();
    }

    /** What the fuzzer found first, as the smallest requests: ids with escapes or astral characters. */
    @Example
    void idsAreEchoedAsSent() throws Exception {
        for (String id : List.of("\"\\/\"", "\"\\u0041\"", "\"\\ud83d\\ude00\"", "\"\ud83d\ude00\"")) {
            byte[] body = ("{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Implements\",\"params\":{},\"id\":" + id + "}")
                    .getBytes(UTF_8);
            DocumentedReplies.checkPost(body, post(body), MAX_BODY);
        }
    }

    // Without jqwik's edge cases, which it mixes into every level of these nested generators: they would crowd out
    // everything else (most envelopes would be one-member objects).
    @Provide
    Arbitrary<String> envelopes() {
        return RpcFuzzInputs.envelopes().withoutEdgeCases();
    }

    @Provide
    Arbitrary<byte[]> requestBodies() {
        return RpcFuzzInputs.requestBodies().withoutEdgeCases();
    }

    @Provide
    Arbitrary<List<Mutation>> mutationLists() {
        return RpcFuzzInputs.mutations().list().ofMinSize(1).ofMaxSize(4).withoutEdgeCases();
    }

    @Provide
    Arbitrary<HttpRequest> httpRequests() {
        return RpcFuzzInputs.httpRequests(MAX_BODY).withoutEdgeCases();
    }

    /** The plugin still serves: its socket is there and a new connection gets the seed instances, unchanged. */
    private void stillServing() throws Exception {
        assertThat(harness.socket()).exists();
        RawHttp.Reply reply = post(DESCRIBE_SEEDS);
        assertThat(reply).as("a reply to DescribeInstances after the try").isNotNull();
        assertThat(reply.text()).as("the seed instances after the try").isEqualTo(seedsReply);
    }

    /** POSTs a body to {@code /} as the Go client does. */
    private RawHttp.Reply post(byte[] body) throws Exception {
        return exchange(new HttpRequest("POST", "/", "application/json", body, Framing.LENGTH, 1, "").bytes(),
                false, false);
    }

    /**
     * Sends raw bytes on a new connection and reads one reply, or null when the server closes without one. Writing
     * runs apart from reading, and its failure is ignored: the server may answer and close before it has read the
     * whole request, and that answer is still to be read.
     */
    private RawHttp.Reply exchange(byte[] request, boolean halfClose, boolean head) throws Exception {
        try (RawHttp http = harness.raw()) {
            io.submit(() -> {
                http.writeRaw(request);
                if (halfClose) {
                    http.shutdownOutput();
                }
                return null;
            });
            Future<RawHttp.Reply> reply = io.submit(() -> http.readReply(head));
            try {
                return reply.get(REPLY_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("no reply within " + REPLY_WAIT_SECONDS + " s (a hang) to "
                        + DocumentedReplies.printable(request));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException) {
                    return null;
                }
                throw e;
            }
        }
    }

    /** A plugin that keeps instances in memory, so that a request which corrupts data shows in DescribeInstances. */
    private static FakeInstancePlugin inMemory() {
        Map<InstanceId, Description> instances = new ConcurrentHashMap<>();
        FakeInstancePlugin plugin = new FakeInstancePlugin();
        plugin.doValidate = properties -> {
            if (!properties.json().startsWith("{")) {
                throw InstanceException.invalid("", "expected an object");
            }
        };
        plugin.doProvision = spec -> {
            // Unguessable IDs: the fuzzer can label and destroy only instances it made, never the seeds.
            InstanceId id = new InstanceId("i-" + UUID.randomUUID());
            instances.put(id, new Description(id, spec.logicalId(), spec.tags(), spec.properties()));
            return id;
        };
        plugin.doLabel = (id, labels) -> {
            Description labelled = instances.computeIfPresent(id, (k, d) -> {
                Map<String, String> tags = new HashMap<>(d.tags());
                tags.putAll(labels);
                return new Description(k, d.logicalId(), tags, d.properties());
            });
            if (labelled == null) {
                throw WireErrors.notFound(id);
            }
        };
        plugin.doDestroy = (id, context) -> instances.remove(id);
        plugin.doDescribe = (tags, properties) -> instances.values().stream()
                .filter(d -> Description.matches(d.tags(), tags))
                .sorted(Comparator.comparing(d -> d.id().value()))
                .map(d -> properties ? d : d.withProperties(RawJson.NULL))
                .toList();
        return plugin;
    }
}
