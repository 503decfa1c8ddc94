package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.HealthProbe;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.spi.VendorInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite: every provider module extends it and runs it against its real backend. The plugin is
 * served on a real unix socket and driven through the real client ({@link #plugin}) or raw HTTP ({@link #raw}).
 * Each test uses tags unique to it, and whatever it leaves behind is destroyed afterwards.
 */
public abstract class InstancePluginContract {
    protected static final ObjectMapper JSON = new ObjectMapper();

    /** Bad properties and the field path their error must name ("" for the Properties value itself). */
    public record BadProperties(String json, String fieldPath) {
    }

    /**
     * A plugin with fresh state, or a fresh view of a shared backend (closed after the test if closeable), that
     * reports its backend calls to {@code meter}.
     */
    protected abstract InstancePlugin createPlugin(BackendMeter meter) throws Exception;

    /** Properties this plugin accepts and can provision quickly. */
    protected abstract RawJson validProperties();

    /** Properties Validate must refuse, each with the field path its message names. */
    protected abstract List<BadProperties> badProperties();

    /**
     * A spec with Init (empty when {@link Capabilities#initRefused} is declared) and one attachment of every type in
     * {@link Capabilities#attachmentTypes}; tags are added by the kit.
     */
    protected abstract Spec specWithInitAndAttachments();

    /** Checks in the backend that the instance was made with the spec's Init and attachments. */
    protected abstract void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) throws Exception;

    /** What this backend can do here, and the exact error for what it cannot. */
    protected abstract Capabilities capabilities();

    /** The LogicalID the tests use for a suggested one (e.g. "10.0.0.7", "mgr-1"), as the backend takes it. */
    protected final String logicalId(String suggested) {
        return capabilities().logicalIds().apply(suggested);
    }

    protected Duration callTimeout() {
        return Duration.ofSeconds(60);
    }

    protected InstancePlugin backend;
    protected PluginHarness harness;
    /** The plugin as a client sees it: every call crosses the socket. */
    protected InstancePlugin plugin;
    /** A tag pair unique to this test, put on every instance it makes. */
    protected Map<String, String> runTag;

    @BeforeEach
    void startPlugin() throws Exception {
        PluginMetrics metrics = new PluginMetrics(PluginHarness.NAME);
        backend = createPlugin(metrics);
        harness = PluginHarness.serve(Map.of("", backend), PluginServer.Config.DEFAULT_MAX_BODY, callTimeout(),
                metrics);
        plugin = harness.client();
        runTag = Map.of("ik4j.test", UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void stopPlugin() throws Exception {
        try {
            if (plugin != null) {
                for (Description d : plugin.describeInstances(runTag, false)) {
                    plugin.destroy(d.id(), DestroyContext.TERMINATE);
                }
            }
        } finally {
            if (harness != null) {
                harness.close();
            }
            if (backend instanceof AutoCloseable c) {
                c.close();
            }
        }
    }

    protected Map<String, String> tags(String... pairs) {
        Map<String, String> t = new java.util.HashMap<>(runTag);
        for (int i = 0; i < pairs.length; i += 2) {
            t.put(pairs[i], pairs[i + 1]);
        }
        return Map.copyOf(t);
    }

    protected InstanceId provision(Map<String, String> tags) {
        return plugin.provision(Spec.of(validProperties(), tags));
    }

    protected Optional<Description> describeOne(InstanceId id) {
        return plugin.describeInstances(runTag, false).stream().filter(d -> d.id().equals(id)).findFirst();
    }

    protected RawHttp raw() throws Exception {
        return harness.raw();
    }

    // --- Vendor ---

    @Test
    void infoNamesTheProvidersOwnVendorAndVersion() throws Exception {
        assertThat(backend).as("a provider names itself in /info/api.json").isInstanceOf(VendorInfo.Source.class);
        VendorInfo own = ((VendorInfo.Source) backend).vendorInfo();
        try (RawHttp http = raw()) {
            RawHttp.Reply reply = http.send("GET", "/info/api.json", null, null);
            assertThat(reply.status()).isEqualTo(200);
            JsonNode vendor = JSON.readTree(reply.body()).path("Vendor");
            assertThat(vendor.path("Name").asText()).isEqualTo(own.name()).isNotBlank();
            assertThat(vendor.path("Version").asText()).isEqualTo(own.version()).isNotBlank();
        }
    }

    // --- Validate ---

    @Test
    void validateAcceptsGoodProperties() {
        plugin.validate(validProperties());
    }

    @Test
    void validateNamesTheBadFieldPath() {
        assertThat(badProperties()).as("the provider lists bad properties to test").isNotEmpty();
        for (BadProperties bad : badProperties()) {
            assertThatThrownBy(() -> plugin.validate(new RawJson(bad.json())))
                    .as("Validate(%s)", bad.json())
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                        assertThat(e.getMessage()).contains(bad.fieldPath().isEmpty()
                                ? "Properties:" : "Properties." + bad.fieldPath() + ":");
                    });
        }
    }

    @Test
    void validateHasNoSideEffect() {
        InstanceId before = provision(tags());
        List<Description> all = plugin.describeInstances(Map.of(), false);
        plugin.validate(validProperties());
        refuseEveryBadProperties();
        assertThat(plugin.describeInstances(Map.of(), false)).containsExactlyInAnyOrderElementsOf(all);
        assertThat(describeOne(before)).isPresent();
    }

    @Test
    void validateNeverCallsTheBackendButProvisionDoes() {
        long before = harness.metrics().backendCalls();
        plugin.validate(validProperties());
        refuseEveryBadProperties();
        assertThat(harness.metrics().backendCalls()).as("backend calls made by Validate").isEqualTo(before);
        provision(tags());
        assertThat(harness.metrics().backendCalls()).as("backend calls made by Provision").isGreaterThan(before);
    }

    /** Validates every bad Properties, each refused as invalid properties (any other failure fails the test). */
    private void refuseEveryBadProperties() {
        for (BadProperties bad : badProperties()) {
            assertThatThrownBy(() -> plugin.validate(new RawJson(bad.json()))).as("Validate(%s)", bad.json())
                    .isInstanceOfSatisfying(InstanceException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES));
        }
    }

    // --- Provision ---

    @Test
    void provisionReturnsUniqueIdsDescribedAtOnceWithFullTags() {
        Map<String, String> t = tags("infrakit.group", "workers", "infrakit.config_sha", "abc", "role", "w");
        InstanceId a = provision(t);
        InstanceId b = provision(t);
        assertThat(a.value()).isNotBlank();
        assertThat(b).isNotEqualTo(a);
        List<Description> found = plugin.describeInstances(Map.of("infrakit.group", "workers",
                "ik4j.test", runTag.get("ik4j.test")), false);
        assertThat(found).extracting(Description::id).containsExactlyInAnyOrder(a, b);
        for (Description d : found) {
            assertThat(d.tags()).containsAllEntriesOf(t);
            assertThat(d.logicalId()).isEmpty();
        }
    }

    @Test
    void provisionKeepsTheLogicalId() {
        InstanceId id = plugin.provision(Spec.of(validProperties(), tags()).withLogicalId(logicalId("10.0.0.7")));
        assertThat(describeOne(id)).get().extracting(Description::logicalId)
                .isEqualTo(Optional.of(logicalId("10.0.0.7")));
    }

    @Test
    void provisionOfTheSamePetTwiceReturnsTheSameInstance() {
        Spec pet = Spec.of(validProperties(), tags("infrakit.group", "mgr")).withLogicalId(logicalId("mgr-1"));
        InstanceId first = plugin.provision(pet);
        assertThat(plugin.provision(pet)).isEqualTo(first);
        assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(first);
    }

    @Test
    void provisionOfALogicalIdHeldWithOtherTagsIsAConflict() {
        InstanceId first = plugin.provision(Spec.of(validProperties(), tags("v", "1"))
                .withLogicalId(logicalId("mgr-2")));
        assertThatThrownBy(() -> plugin.provision(Spec.of(validProperties(), tags("v", "2"))
                .withLogicalId(logicalId("mgr-2"))))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.getMessage()).contains(first.value());
                });
    }

    @Test
    void provisionAppliesInitAndAttachments() throws Exception {
        Capabilities can = capabilities();
        Spec spec = specWithInitAndAttachments();
        assertThat(spec.attachments()).extracting(Attachment::type).as("attachment types the spec exercises")
                .containsExactlyInAnyOrderElementsOf(can.attachmentTypes());
        assertThat(spec.init()).as("the spec's Init, with Init refused: %s", can.initRefused())
                .matches(can.initRefused().isPresent() ? "" : "(?s).+");
        spec = spec.withTags(tags());
        InstanceId id = plugin.provision(spec);
        assertThat(describeOne(id)).isPresent();
        assertInitAndAttachmentsApplied(id, spec);
    }

    /** Init is applied (the spec's check above), or refused with exactly the declared error and nothing left. */
    @Test
    void provisionWithInitSucceedsOrIsTheDeclaredError() {
        Spec withInit = Spec.of(validProperties(), tags("init", "yes")).withInit("#!/bin/sh\necho init\n");
        Optional<ExpectedError> refused = capabilities().initRefused();
        if (refused.isPresent()) {
            refused.get().assertThrownBy(() -> plugin.provision(withInit), "Provision with Init");
            assertThat(plugin.describeInstances(runTag, false)).as("left by the refused Provision").isEmpty();
            // The refusal is Init's alone: the same Provision without Init works on this plugin.
            InstanceId id = plugin.provision(withInit.withInit(""));
            assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);
        } else {
            InstanceId id = plugin.provision(withInit);
            assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);
        }
    }

    /** An attachment type outside the declared ones is refused exactly, or kept as given by a provider taking any. */
    @Test
    void provisionWithAnotherAttachmentTypeIsTheDeclaredErrorOrKept() {
        Optional<Capabilities.RefusedAttachment> refused = capabilities().otherAttachmentType();
        String type = refused.map(Capabilities.RefusedAttachment::type).orElse("ik4j-any-type");
        Spec other = new Spec(validProperties(), tags("attached", "other"), "", Optional.empty(),
                List.of(new Attachment("ik4j-attachment-1", type)));
        if (refused.isPresent()) {
            refused.get().error().assertThrownBy(() -> plugin.provision(other), "Provision with a " + type
                    + " attachment");
            assertThat(plugin.describeInstances(runTag, false)).as("left by the refused Provision").isEmpty();
            // The refusal is the attachment's alone: the same Provision without it works on this plugin.
            InstanceId id = plugin.provision(Spec.of(validProperties(), other.tags()));
            assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);
        } else {
            assertThat(capabilities().attachmentTypes()).doesNotContain(type);
            InstanceId id = plugin.provision(other);
            assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);
        }
    }

    // --- DescribeInstances ---

    @Test
    void describeMatchesAllGivenTags() {
        InstanceId ab = provision(tags("a", "1", "b", "2"));
        InstanceId a = provision(tags("a", "1", "b", "3"));
        InstanceId none = provision(tags("c", "1"));
        assertThat(plugin.describeInstances(tags("a", "1", "b", "2"), false)).extracting(Description::id)
                .containsExactly(ab);
        assertThat(plugin.describeInstances(tags("a", "1"), false)).extracting(Description::id)
                .containsExactlyInAnyOrder(ab, a);
        assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id)
                .containsExactlyInAnyOrder(ab, a, none);
        assertThat(plugin.describeInstances(tags("a", "9"), false)).isEmpty();
    }

    @Test
    void describeWithNoFilterReturnsEveryInstance() {
        InstanceId a = provision(tags("x", "1"));
        InstanceId b = provision(tags("y", "2"));
        assertThat(plugin.describeInstances(Map.of(), false)).extracting(Description::id).contains(a, b);
    }

    @Test
    void describePropertiesOnlyWhenAsked() {
        InstanceId id = provision(tags());
        Description plain = plugin.describeInstances(runTag, false).get(0);
        assertThat(plain.id()).isEqualTo(id);
        assertThat(plain.properties()).isEqualTo(RawJson.NULL);
        Description full = plugin.describeInstances(runTag, true).get(0);
        assertThat(full.properties().isNull()).isFalse();
        assertThat(full.tags()).isEqualTo(plain.tags());
    }

    // --- Label ---

    @Test
    void labelMergesTagsOrIsTheDeclaredError() {
        InstanceId id = provision(tags("keep", "k", "change", "old"));
        Optional<ExpectedError> refused = capabilities().labelRefused();
        if (refused.isPresent()) {
            refused.get().assertThrownBy(() -> plugin.label(id, Map.of("change", "new", "add", "a")), "Label");
            assertThat(describeOne(id)).get().extracting(Description::tags)
                    .isEqualTo(tags("keep", "k", "change", "old"));
            return;
        }
        plugin.label(id, Map.of("change", "new", "add", "a"));
        assertThat(describeOne(id)).get().extracting(Description::tags)
                .isEqualTo(tags("keep", "k", "change", "new", "add", "a"));
        assertThat(plugin.describeInstances(tags("change", "new"), false)).extracting(Description::id)
                .containsExactly(id);
    }

    @Test
    void labelOfAnUnknownInstanceIsNotFound() {
        InstanceId unknown = new InstanceId("no-such-instance-" + runTag.get("ik4j.test"));
        Optional<ExpectedError> refused = capabilities().labelRefused();
        if (refused.isPresent()) {
            refused.get().assertThrownBy(() -> plugin.label(unknown, Map.of("a", "b")), "Label of an unknown instance");
            return;
        }
        assertThatThrownBy(() -> plugin.label(unknown, Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                    assertThat(e.getMessage()).contains(unknown.value());
                });
    }

    // --- Destroy ---

    @Test
    void destroyRemovesTheInstance() {
        InstanceId id = provision(tags());
        InstanceId other = provision(tags());
        plugin.destroy(id, DestroyContext.TERMINATE);
        assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(other);
    }

    @Test
    void destroyTwiceAndDestroyOfUnknownSucceed() {
        InstanceId id = provision(tags());
        plugin.destroy(id, DestroyContext.ROLLING_UPDATE);
        plugin.destroy(id, DestroyContext.ROLLING_UPDATE);
        plugin.destroy(new InstanceId("no-such-instance-" + runTag.get("ik4j.test")), DestroyContext.TERMINATE);
        assertThat(describeOne(id)).isEmpty();
    }

    @Test
    void destroyAcceptsBothReasonsAndAMissingContext() throws Exception {
        InstanceId a = provision(tags());
        InstanceId b = provision(tags());
        InstanceId c = provision(tags());
        plugin.destroy(a, DestroyContext.TERMINATE);
        plugin.destroy(b, DestroyContext.ROLLING_UPDATE);
        try (RawHttp http = raw()) {
            JsonNode reply = JSON.readTree(http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\","
                    + "\"params\":{\"Instance\":" + JSON.writeValueAsString(c.value()) + "},\"id\":5}").body());
            assertThat(reply.path("result").path("OK").asBoolean()).as(reply.toString()).isTrue();
        }
        assertThat(plugin.describeInstances(runTag, false)).isEmpty();
    }

    // --- Concurrency ---

    @Test
    void concurrentProvisionsGiveDistinctIdsAndConcurrentDestroysLeaveNone() throws Exception {
        int n = capabilities().maxInstances();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<InstanceId>> made = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                made.add(pool.submit(() -> provision(tags("infrakit.group", "many"))));
            }
            Set<InstanceId> ids = new HashSet<>();
            for (Future<InstanceId> f : made) {
                ids.add(f.get(5, TimeUnit.MINUTES));
            }
            assertThat(ids).hasSize(n);
            assertThat(plugin.describeInstances(tags("infrakit.group", "many"), false))
                    .extracting(Description::id).containsExactlyInAnyOrderElementsOf(ids);
            List<Future<?>> gone = new ArrayList<>();
            for (InstanceId id : ids) {
                gone.add(pool.submit(() -> plugin.destroy(id, DestroyContext.TERMINATE)));
            }
            for (Future<?> f : gone) {
                f.get(5, TimeUnit.MINUTES);
            }
            assertThat(plugin.describeInstances(runTag, false)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    // --- Observability ---

    @Test
    void metricsCountCallsErrorsAndDescribedInstances() throws Exception {
        InstanceId id = provision(tags());
        assertThatThrownBy(() -> plugin.validate(new RawJson(badProperties().get(0).json())))
                .isInstanceOfSatisfying(InstanceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES));
        ErrorCode labelError = capabilities().labelRefused().map(ExpectedError::kind).orElse(ErrorCode.NOT_FOUND);
        assertThatThrownBy(() -> plugin.label(new InstanceId("no-such-instance-" + runTag.get("ik4j.test")),
                Map.of("a", "b")))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code()).isEqualTo(labelError));
        int described = plugin.describeInstances(runTag, false).size();
        assertThat(described).isEqualTo(1);
        try (RawHttp http = raw()) {
            RawHttp.Reply reply = http.send("GET", "/metrics", null, null);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.headers().get("content-type")).startsWith("text/plain; version=0.0.4");
            Map<String, Double> m = PrometheusText.parse(reply.text());
            assertThat(m).containsEntry(
                    "infrakit4j_rpc_call_duration_seconds_count{method=\"Instance.Provision\"}", 1.0);
            assertThat(m).containsEntry("infrakit4j_rpc_errors_total{method=\"Instance.Validate\",kind=\""
                    + "invalid_properties\"}", 1.0);
            assertThat(m).containsEntry("infrakit4j_rpc_errors_total{method=\"Instance.Label\",kind=\""
                    + labelError.name().toLowerCase(java.util.Locale.ROOT) + "\"}", 1.0);
            assertThat(m.get("infrakit4j_instances_described_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(m.keySet()).anyMatch(k -> k.startsWith("infrakit4j_backend_call_duration_seconds_count{"));
            assertThat(m.keySet()).anyMatch(k -> k.startsWith("infrakit4j_build_info{plugin=\""
                    + PluginHarness.NAME + "\""));
            assertThat(m.get("process_resident_memory_bytes")).isPositive();
            assertThat(m.get("process_open_fds")).isPositive();
            assertThat(describeOne(id)).isPresent();
        }
    }

    @Test
    void healthzSaysOkWhileTheBackendAnswers() throws Exception {
        assertThat(backend).as("every plugin can tell whether its backend answers").isInstanceOf(HealthProbe.class);
        try (RawHttp http = raw()) {
            RawHttp.Reply reply = http.send("GET", "/healthz", null, null);
            // "ok" is the behaviour: /healthz itself answers "no answer within 900 ms" when the backend is slow.
            assertThat(reply.text()).isEqualTo("ok\n");
            assertThat(reply.status()).isEqualTo(200);
        }
    }

    @Test
    void initContentsNeverReachTheLogs() throws Exception {
        String secret = LogCapture.SECRET_PREFIX + UUID.randomUUID();
        Spec base = specWithInitAndAttachments();
        Spec spec = base.withTags(tags()).withInit("# " + secret + "\n" + base.init());
        Optional<ExpectedError> initRefused = capabilities().initRefused();
        // The provider's own package too: a provider outside org.infrakit4j logs under its own name.
        try (LogCapture logs = LogCapture.everything("org.infrakit4j", backend.getClass().getPackageName())) {
            if (initRefused.isPresent()) {
                // A backend that cannot take Init here fails the Provision with the declared error, which must not
                // quote the Init, and its error path must not log the Init either.
                assertThat(initRefused.get().assertThrownBy(() -> plugin.provision(spec), "Provision with Init")
                        .getMessage()).doesNotContain(secret);
                assertThat(plugin.describeInstances(runTag, false)).as("left by the refused Provision").isEmpty();
                // The refusal is Init's alone: the same Provision without Init works on this plugin.
                InstanceId id = plugin.provision(spec.withInit(""));
                assertThat(plugin.describeInstances(runTag, false)).extracting(Description::id).containsExactly(id);
            } else {
                InstanceId id = plugin.provision(spec);
                if (capabilities().labelRefused().isEmpty()) {
                    plugin.label(id, Map.of("relabel", "yes"));
                }
                assertThat(plugin.describeInstances(runTag, true)).extracting(Description::id).containsExactly(id);
                plugin.destroy(id, DestroyContext.TERMINATE);
            }
            assertThat(logs.events()).as("log events captured").isNotEmpty();
            assertThat(logs.containing(secret, spec.init())).as("log lines holding the Init contents").isEmpty();
        }
    }
}
