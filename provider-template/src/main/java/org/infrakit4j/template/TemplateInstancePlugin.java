package org.infrakit4j.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.HealthProbe;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.PropertiesExample;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.spi.VendorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance plugin: InfraKit's five calls on top of {@link TemplateBackend}. Every call answers at once (the Go
 * client gives up after 1 s); a backend whose create takes longer starts it here and finishes in the background,
 * with the instance visible to DescribeInstances from the moment Provision returns.
 */
public final class TemplateInstancePlugin implements InstancePlugin, HealthProbe, PropertiesExample,
        VendorInfo.Source {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateInstancePlugin.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STRIPES = 64;
    private static final VendorInfo VENDOR = loadVendor();

    private final TemplateBackend backend;
    /** Provisions of one LogicalID are serialized, so a retried call finds the first one's machine. */
    private final Object[] logicalIdLocks = new Object[STRIPES];

    TemplateInstancePlugin(TemplateBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        for (int i = 0; i < STRIPES; i++) {
            logicalIdLocks[i] = new Object();
        }
    }

    /** Validate really validates, and only that: no backend call, no side effect. */
    @Override
    public void validate(RawJson properties) {
        TemplateProperties.decode(properties);
    }

    @Override
    public InstanceId provision(Spec spec) {
        // Decoded again: a caller need not have called Validate first.
        TemplateProperties properties = TemplateProperties.decode(spec.properties());
        if (spec.logicalId().isEmpty()) {
            return create(properties, spec);
        }
        String logicalId = spec.logicalId().get();
        synchronized (logicalIdLocks[Math.floorMod(logicalId.hashCode(), STRIPES)]) {
            for (TemplateBackend.Machine m : backend.list()) {
                if (m.logicalId().equals(spec.logicalId())) {
                    // The same pet asked for again (a retry after the caller's timeout) gets the machine it already
                    // has; the LogicalID held with other tags is someone else's pet, and a second one would clash.
                    if (m.tags().equals(spec.tags())) {
                        LOG.atInfo().addKeyValue("instance", m.id()).addKeyValue("logicalId", logicalId)
                                .log("provision retried: returning the existing instance");
                        return new InstanceId(m.id());
                    }
                    throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + GoQuote.quote(logicalId)
                            + " is held by instance " + m.id() + " with other tags");
                }
            }
            // A destroyed pet's machine is gone from the list, so provisioning it again makes a new one: a LogicalID
            // is never an idempotency key that brings back what was destroyed.
            return create(properties, spec);
        }
    }

    private InstanceId create(TemplateProperties properties, Spec spec) {
        // Tags go in the create call itself: a second "tag it" call could fail and leave an untagged machine that
        // no group would ever find or destroy. Init is passed on but never logged: it may hold secrets.
        TemplateBackend.Machine m = backend.create(properties, spec.tags(), spec.logicalId(), spec.init(),
                spec.attachments());
        LOG.atInfo().addKeyValue("instance", m.id()).addKeyValue("size", properties.size()).log("provisioned");
        return new InstanceId(m.id());
    }

    @Override
    public void label(InstanceId instance, Map<String, String> labels) {
        // One atomic merge in the backend: a Label racing a Destroy never brings the machine back.
        if (!backend.mergeTags(instance.value(), labels)) {
            throw WireErrors.notFound(instance);
        }
    }

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        // Idempotent: an instance already gone is a success, since a retried Destroy must not fail the group.
        if (backend.delete(instance.value())) {
            LOG.atInfo().addKeyValue("instance", instance).addKeyValue("reason", context.reason()).log("destroyed");
        } else {
            LOG.atDebug().addKeyValue("instance", instance).log("destroy: no such instance, nothing to do");
        }
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        List<Description> out = new ArrayList<>();
        for (TemplateBackend.Machine m : backend.list()) {
            if (Description.matches(m.tags(), tags)) {
                Description d = Description.of(new InstanceId(m.id()), m.logicalId(), m.tags());
                out.add(properties ? d.withProperties(propertiesOf(m)) : d);
            }
        }
        return out;
    }

    /** What Describe shows when asked for Properties: the decoded Properties and what the backend adds. */
    private static RawJson propertiesOf(TemplateBackend.Machine m) {
        ObjectNode node = JSON.valueToTree(m.properties());
        node.put("Created", m.created().toString());
        var attachments = node.putArray("Attachments");
        m.attachments().forEach(a -> attachments.addObject().put("ID", a.id()).put("Type", a.type()));
        try {
            return new RawJson(JSON.writeValueAsString(node)); // Init is left out: it may hold secrets
        } catch (JsonProcessingException e) {
            throw new InstanceException(ErrorCode.INTERNAL, "cannot encode the properties of " + m.id(), e);
        }
    }

    @Override
    public void checkHealth() {
        backend.ping();
    }

    @Override
    public RawJson exampleProperties() {
        return new RawJson("{\"Size\":\"small\",\"Labels\":{\"team\":\"web\"}}");
    }

    /** This provider's own name and version (from its build), not infrakit4j's. */
    @Override
    public VendorInfo vendorInfo() {
        return VENDOR;
    }

    static VendorInfo vendor() {
        return VENDOR;
    }

    private static VendorInfo loadVendor() {
        Properties p = new Properties();
        try (InputStream in = TemplateInstancePlugin.class.getResourceAsStream("provider.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the defaults below say "unknown" rather than failing start-up over vendor info
        }
        return new VendorInfo(p.getProperty("name", TemplateMain.DEFAULT_NAME), p.getProperty("version", "unknown"),
                p.getProperty("url", ""));
    }
}
