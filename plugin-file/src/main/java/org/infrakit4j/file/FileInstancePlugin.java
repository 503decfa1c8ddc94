package org.infrakit4j.file;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.BackendMeter;
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
 * Instances as JSON files in a directory: the embedded default plugin, needing nothing installed. Properties must
 * be a JSON object (or null) and are stored as given; Init, LogicalID and Attachments are recorded.
 */
public final class FileInstancePlugin implements InstancePlugin, HealthProbe, PropertiesExample, VendorInfo.Source,
        AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileInstancePlugin.class);
    private static final int STRIPES = 64;

    private final FileInstanceStore store;
    /** Provisions of one LogicalID are serialized so a retried call finds the first one's instance. */
    private final Object[] logicalIdLocks = new Object[STRIPES];
    /** Label and Destroy of one instance are serialized so a Label never brings back a destroyed instance. */
    private final Object[] instanceLocks = new Object[STRIPES];

    private FileInstancePlugin(FileInstanceStore store) {
        this.store = store;
        for (int i = 0; i < STRIPES; i++) {
            logicalIdLocks[i] = new Object();
            instanceLocks[i] = new Object();
        }
    }

    /** Opens the plugin on a directory (created 0700 if missing); fails if another process holds it. */
    public static FileInstancePlugin open(Path dir) throws IOException {
        return open(dir, BackendMeter.NONE);
    }

    /** As {@link #open(Path)}, reporting journal appends and checkpoints to {@code meter}. */
    public static FileInstancePlugin open(Path dir, BackendMeter meter) throws IOException {
        return open(dir, FileInstanceStore.CHECKPOINT_MS, meter);
    }

    /** As {@link #open(Path, BackendMeter)}, with another interval between checkpoints (tests). */
    static FileInstancePlugin open(Path dir, long checkpointMs, BackendMeter meter) throws IOException {
        return new FileInstancePlugin(FileInstanceStore.open(dir, checkpointMs, meter));
    }

    /**
     * As {@link #open(Path, BackendMeter)}, first taking over the instance files InfraKit's Go file plugin left in
     * the directory ({@code instance-<decimal>}): they are served under their own IDs from then on.
     */
    public static FileInstancePlugin adopting(Path dir, BackendMeter meter) throws IOException {
        return new FileInstancePlugin(FileInstanceStore.open(dir, FileInstanceStore.CHECKPOINT_MS, meter, true));
    }

    @Override
    public void checkHealth() {
        store.checkHealth();
    }

    public Path directory() {
        return store.directory();
    }

    /** Writes every pending instance file now instead of at the next checkpoint. */
    void checkpoint() throws IOException {
        store.checkpoint();
    }

    @Override
    public RawJson exampleProperties() {
        return new RawJson("{\"exampleString\":\"a_string\",\"exampleBool\":true,\"exampleInt\":1}");
    }

    @Override
    public VendorInfo vendorInfo() {
        return new VendorInfo("infrakit4j-instance-file", org.infrakit4j.runtime.BuildInfo.versionOf(FileInstancePlugin.class),
                "https://github.com/infrakit4j");
    }

    @Override
    public void validate(RawJson properties) {
        if (properties.isNull()) {
            return;
        }
        try (JsonParser p = FileJson.MAPPER.createParser(properties.json())) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw InstanceException.invalid("", "must be a JSON object, got " + kind(t));
            }
        } catch (IOException e) {
            throw InstanceException.invalid("", "is not valid JSON: " + e.getMessage());
        }
    }

    private static String kind(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> t.asString();
        };
    }

    @Override
    public InstanceId provision(Spec spec) {
        validate(spec.properties());
        if (spec.logicalId().isEmpty()) {
            return create(spec);
        }
        String logicalId = spec.logicalId().get();
        synchronized (logicalIdLocks[Math.floorMod(logicalId.hashCode(), STRIPES)]) {
            for (FileInstanceStore.Indexed indexed : store.all()) {
                FileInstance existing = indexed.instance();
                if (logicalId.equals(existing.logicalId())) {
                    if (existing.tags().equals(spec.tags()) || existing.spec().tags().equals(spec.tags())) {
                        LOG.atInfo().addKeyValue("instance", existing.id()).addKeyValue("logicalId", logicalId)
                                .log("provision retried: returning the existing instance");
                        return new InstanceId(existing.id());
                    }
                    throw new InstanceException(ErrorCode.CONFLICT, "LogicalID " + GoQuote.quote(logicalId)
                            + " is held by instance " + existing.id() + " with other tags");
                }
            }
            return create(spec);
        }
    }

    private InstanceId create(Spec spec) {
        FileInstance instance = FileInstance.create(store.newId(), spec, Instant.now());
        try {
            store.put(instance);
        } catch (IOException e) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "cannot write instance file in "
                    + store.directory() + ": " + e, e);
        }
        return new InstanceId(instance.id());
    }

    @Override
    public void label(InstanceId instance, Map<String, String> labels) {
        synchronized (instanceLock(instance)) {
            FileInstance latest = store.get(instance.value());
            if (latest == null) {
                throw WireErrors.notFound(instance);
            }
            Map<String, String> merged = new HashMap<>(latest.tags());
            merged.putAll(labels);
            try {
                store.put(latest.withTags(merged, Instant.now()));
            } catch (IOException e) {
                throw new InstanceException(ErrorCode.BACKEND_ERROR, "cannot write instance file of " + instance
                        + ": " + e, e);
            }
        }
    }

    private Object instanceLock(InstanceId id) {
        return instanceLocks[Math.floorMod(id.value().hashCode(), STRIPES)];
    }

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        try {
            boolean removed;
            synchronized (instanceLock(instance)) {
                removed = store.remove(instance.value());
            }
            if (removed) {
                LOG.atInfo().addKeyValue("instance", instance).addKeyValue("reason", context.reason())
                        .log("destroyed");
            } else {
                LOG.atDebug().addKeyValue("instance", instance).log("destroy: no such instance, nothing to do");
            }
        } catch (IOException e) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "cannot delete instance file of " + instance
                    + ": " + e, e);
        }
    }

    @Override
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        List<Description> out = new ArrayList<>();
        boolean all = tags.isEmpty();
        for (FileInstanceStore.Indexed i : store.all()) {
            if (all || Description.matches(i.instance().tags(), tags)) {
                out.add(properties ? i.withProperties(FileInstancePlugin::propertiesOf) : i.description());
            }
        }
        return out;
    }

    /** What Describe shows with Properties: the provisioned Properties (as received), Init, Attachments, times. */
    private static RawJson propertiesOf(FileInstance i) {
        try {
            return new RawJson(GoJson.toText(out -> {
                out.writeStartObject();
                out.writeFieldName("Properties");
                GoJson.writeRaw(out, i.spec().properties());
                out.writeStringField("Init", i.spec().init());
                out.writeFieldName("Attachments");
                if (i.spec().attachments().isEmpty()) {
                    out.writeNull();
                } else {
                    out.writeStartArray();
                    for (var a : i.spec().attachments()) {
                        out.writeStartObject();
                        out.writeStringField("ID", a.id());
                        out.writeStringField("Type", a.type());
                        out.writeEndObject();
                    }
                    out.writeEndArray();
                }
                out.writeStringField("Created", i.created().toString());
                out.writeStringField("Updated", i.updated().toString());
                out.writeEndObject();
            }));
        } catch (IOException e) {
            throw new InstanceException(ErrorCode.INTERNAL, "cannot encode properties of " + i.id(), e);
        }
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
