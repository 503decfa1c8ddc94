package org.infrakit4j.template;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * The backend this provider drives: an in-memory stand-in for a cloud API, holding machines until the process
 * stops. A real provider replaces this class with its backend's client and keeps the same shape: one create call
 * that takes the tags (so they are atomic with the machine), an atomic tag merge, a delete that says whether
 * anything was there, a list, and a cheap ping. Every call is reported to the {@link BackendMeter}.
 */
final class TemplateBackend {
    /** One machine as the backend keeps it. */
    record Machine(String id, TemplateProperties properties, Map<String, String> tags, Optional<String> logicalId,
                   String init, List<Attachment> attachments, Instant created) {
        Machine {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(properties, "properties");
            tags = Map.copyOf(tags);
            Objects.requireNonNull(logicalId, "logicalId");
            Objects.requireNonNull(init, "init");
            attachments = List.copyOf(attachments);
            Objects.requireNonNull(created, "created");
        }

        Machine withTags(Map<String, String> newTags) {
            return new Machine(id, properties, newTags, logicalId, init, attachments, created);
        }
    }

    private final Map<String, Machine> machines = new ConcurrentHashMap<>();
    private final int capacity;
    private final BackendMeter meter;

    /**
     * @param capacity the most machines held at once: a full backend refuses a create at once (nothing unbounded)
     */
    TemplateBackend(int capacity, BackendMeter meter) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
        this.meter = Objects.requireNonNull(meter, "meter");
    }

    /** Creates a machine with its tags in the same call, as EC2's TagSpecifications or Docker's labels do. */
    Machine create(TemplateProperties properties, Map<String, String> tags, Optional<String> logicalId, String init,
                   List<Attachment> attachments) {
        return metered("machines.create", () -> {
            synchronized (machines) { // the size check and the insert are one step, so concurrent creates cannot overfill
                if (machines.size() >= capacity) {
                    throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "the backend holds its limit of "
                            + capacity + " machines; destroy some or start the plugin with a larger --max-instances");
                }
                Machine m = new Machine("m-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16),
                        properties, tags, logicalId, init, attachments, Instant.now());
                if (machines.putIfAbsent(m.id(), m) != null) {
                    throw new InstanceException(ErrorCode.INTERNAL, "machine ID " + m.id() + " drawn twice");
                }
                return m;
            }
        });
    }

    List<Machine> list() {
        return metered("machines.list", () -> List.copyOf(machines.values()));
    }

    Optional<Machine> get(String id) {
        return metered("machines.get", () -> Optional.ofNullable(machines.get(id)));
    }

    /** Merges tags into a machine atomically; false when there is no such machine (it is never re-created). */
    boolean mergeTags(String id, Map<String, String> tags) {
        return metered("machines.tag", () -> machines.computeIfPresent(id, (k, m) -> {
            Map<String, String> merged = new HashMap<>(m.tags());
            merged.putAll(tags);
            return m.withTags(merged);
        }) != null);
    }

    /** Deletes a machine; false when there was none. */
    boolean delete(String id) {
        return metered("machines.delete", () -> machines.remove(id) != null);
    }

    /** One cheap round trip: what a health check may cost. */
    void ping() {
        metered("ping", () -> Boolean.TRUE);
    }

    private <T> T metered(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = call.get();
            failed = false;
            return result;
        } finally {
            meter.record(operation, System.nanoTime() - start, failed);
        }
    }
}
