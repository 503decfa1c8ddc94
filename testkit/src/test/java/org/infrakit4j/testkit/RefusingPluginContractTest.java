package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.infrakit4j.rpc.GoQuote;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suite's own check of its "cannot" side: a fake in-memory plugin (no backend exists for it) that refuses Init,
 * Label and every attachment type but one, declared as such, must pass the whole suite. The real providers each
 * declare what they cannot do; this one declares all three at once, so every refusal branch of the suite runs.
 */
class RefusingPluginContractTest extends InstancePluginContract {
    static final ExpectedError NO_INIT = ExpectedError.exactly(ErrorCode.INVALID_PROPERTIES,
            "invalid properties: Init: this backend cannot run an Init");
    static final ExpectedError NO_LABEL = ExpectedError.exactly(ErrorCode.BACKEND_ERROR,
            "backend error: this backend cannot change tags");
    static final ExpectedError NO_DISK = ExpectedError.exactly(ErrorCode.INVALID_PROPERTIES,
            "invalid properties: Attachments[0].Type: \"disk\" is not supported (tape)");

    private RefusingPlugin fake;

    @Override
    protected InstancePlugin createPlugin(BackendMeter meter) {
        fake = new RefusingPlugin(meter);
        return fake;
    }

    @Override
    protected RawJson validProperties() {
        return new RawJson("{\"Size\":1}");
    }

    @Override
    protected List<BadProperties> badProperties() {
        return List.of(new BadProperties("[1]", ""), new BadProperties("{\"Size\":\"x\"}", "Size"));
    }

    @Override
    protected Spec specWithInitAndAttachments() {
        return new Spec(validProperties(), Map.of(), "", Optional.empty(), List.of(new Attachment("t-1", "tape")));
    }

    @Override
    protected void assertInitAndAttachmentsApplied(InstanceId id, Spec spec) {
        assertThat(fake.instances.get(id.value()).spec().attachments()).isEqualTo(spec.attachments());
    }

    @Override
    protected Capabilities capabilities() {
        return Capabilities.holding(20).attachments(Set.of("tape"), "disk", NO_DISK).initRefused(NO_INIT)
                .labelRefused(NO_LABEL).build();
    }

    /** A fake in-memory plugin: keeps instances in a map, refuses Init, Label and attachments other than tape. */
    static final class RefusingPlugin implements InstancePlugin, HealthProbe, VendorInfo.Source {
        private static final Logger LOG = LoggerFactory.getLogger(RefusingPlugin.class);

        record Instance(InstanceId id, Spec spec) {
        }

        final Map<String, Instance> instances = new ConcurrentHashMap<>();
        private final BackendMeter meter;

        RefusingPlugin(BackendMeter meter) {
            this.meter = meter;
        }

        @Override
        public void validate(RawJson properties) {
            String json = properties.json().strip();
            if (!json.startsWith("{")) {
                throw InstanceException.invalid("", "must be an object");
            }
            if (!json.matches("\\{\"Size\":\\d+\\}")) {
                throw InstanceException.invalid("Size", "must be a number");
            }
        }

        @Override
        public synchronized InstanceId provision(Spec spec) {
            validate(spec.properties());
            if (!spec.init().isEmpty()) {
                LOG.info("provision refused: Init given");
                throw new InstanceException(NO_INIT.kind(), "Init: this backend cannot run an Init");
            }
            for (int i = 0; i < spec.attachments().size(); i++) {
                if (!spec.attachments().get(i).type().equals("tape")) {
                    throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Attachments[" + i + "].Type: "
                            + GoQuote.quote(spec.attachments().get(i).type()) + " is not supported (tape)");
                }
            }
            if (spec.logicalId().isPresent()) {
                for (Instance held : instances.values()) {
                    if (held.spec().logicalId().equals(spec.logicalId())) {
                        if (held.spec().tags().equals(spec.tags())) {
                            return held.id();
                        }
                        throw new InstanceException(ErrorCode.CONFLICT, "LogicalID held by " + held.id().value());
                    }
                }
            }
            meter.record("Create", 1, false);
            InstanceId id = new InstanceId("fake-" + UUID.randomUUID());
            instances.put(id.value(), new Instance(id, spec));
            LOG.info("provisioned {}", id.value());
            return id;
        }

        @Override
        public void label(InstanceId instance, Map<String, String> labels) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "this backend cannot change tags");
        }

        @Override
        public void destroy(InstanceId instance, DestroyContext context) {
            meter.record("Delete", 1, false);
            instances.remove(instance.value());
        }

        @Override
        public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
            meter.record("List", 1, false);
            List<Description> out = new ArrayList<>();
            for (Instance i : instances.values()) {
                if (Description.matches(i.spec().tags(), tags)) {
                    Description d = Description.of(i.id(), i.spec().logicalId(), new HashMap<>(i.spec().tags()));
                    out.add(properties ? d.withProperties(i.spec().properties()) : d);
                }
            }
            return out;
        }

        @Override
        public void checkHealth() {
        }

        @Override
        public VendorInfo vendorInfo() {
            return new VendorInfo("refusing-fake", "0.0.1", "https://example.invalid/refusing-fake");
        }
    }
}
