package org.infrakit4j.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;

/**
 * The container labels this plugin writes in the create call and reads back. Besides the Spec's tags and the
 * namespace, a container carries the plugin's own labels (prefix {@value #PREFIX}): the managed marker, the list
 * of keys that are tags (so Describe reports exactly the tags, not image or Properties labels, nor the
 * namespace), the LogicalID of a pet, and the stop timeout Destroy uses.
 */
final class DockerLabels {
    static final String PREFIX = "org.infrakit4j.docker.";
    static final String MANAGED = PREFIX + "managed";
    static final String TAG_KEYS = PREFIX + "tags";
    static final String LOGICAL_ID = PREFIX + "logical-id";
    static final String STOP_TIMEOUT = PREFIX + "stop-timeout";
    /**
     * The marker of an adopted container (one InfraKit's reference plugin made), kept in the {@link DockerLabelStore}
     * since the engine cannot add a label to an existing container.
     */
    static final String ADOPTED = PREFIX + "adopted";
    /** The group label every container the reference plugin made for a group carries (spec.Tags as labels). */
    static final String REFERENCE_GROUP = "infrakit.group";
    /** The engine's own stop timeout, for a container created without one. */
    static final int DEFAULT_STOP_TIMEOUT = 10;

    private final Map<String, String> namespace;

    DockerLabels(Map<String, String> namespace) {
        namespace.keySet().forEach(k -> {
            if (k.isEmpty() || k.startsWith(PREFIX)) {
                throw new IllegalArgumentException("namespace key " + GoQuote.quote(k)
                        + " is empty or uses the reserved prefix " + PREFIX);
            }
        });
        this.namespace = Map.copyOf(namespace);
    }

    Map<String, String> namespace() {
        return namespace;
    }

    /** All labels of a new container: Properties labels, then tags, then namespace and the plugin's own. */
    Map<String, String> forCreate(DockerProperties properties, Map<String, String> tags, Optional<String> logicalId) {
        for (String key : tags.keySet()) {
            if (key.startsWith(PREFIX)) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Tags: key " + GoQuote.quote(key)
                        + " uses the prefix reserved for the plugin, " + PREFIX);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>(properties.labels());
        labels.putAll(tags);
        labels.putAll(namespace);
        labels.put(MANAGED, "true");
        labels.put(TAG_KEYS, json(new TreeSet<>(tags.keySet())));
        logicalId.ifPresent(id -> labels.put(LOGICAL_ID, id));
        if (properties.stopTimeout() != null) {
            labels.put(STOP_TIMEOUT, properties.stopTimeout().toString());
        }
        return labels;
    }

    /**
     * The label filter the engine evaluates: managed, the namespace, and every wanted tag whose key no Label call
     * has overlaid (those are matched after the overlay is applied).
     */
    Map<String, String> engineFilter(Map<String, String> wanted, Set<String> overlaidKeys) {
        Map<String, String> filter = new HashMap<>();
        wanted.forEach((k, v) -> {
            if (!overlaidKeys.contains(k)) {
                filter.put(k, v);
            }
        });
        filter.putAll(namespace);
        filter.put(MANAGED, "true");
        return filter;
    }

    /**
     * The label filter of a Describe that may see adopted containers: every wanted tag whose key no Label call has
     * overlaid, without the marker or the namespace, which the reference's containers never carried.
     */
    static Map<String, String> adoptionFilter(Map<String, String> wanted, Set<String> overlaidKeys) {
        Map<String, String> filter = new HashMap<>();
        wanted.forEach((k, v) -> {
            if (!overlaidKeys.contains(k)) {
                filter.put(k, v);
            }
        });
        return filter;
    }

    /**
     * Whether a container not ours looks as the reference plugin's do: labelled with a group, and created or running
     * (the reference listed only those; an exited one stays where it is, as the reference left it).
     */
    boolean isReferenceMade(Map<String, String> labels, String state) {
        return labels != null && !isManaged(labels) && labels.containsKey(REFERENCE_GROUP)
                && ("created".equals(state) || "running".equals(state));
    }

    /** The tags of an adopted container: all its labels (as the reference reported them), the overlay on top. */
    static Map<String, String> adoptedTags(Map<String, String> labels, Map<String, String> overlay) {
        Map<String, String> tags = new HashMap<>(labels == null ? Map.of() : labels);
        tags.putAll(overlay);
        tags.keySet().removeIf(k -> k.startsWith(PREFIX));
        return tags;
    }

    boolean isManaged(Map<String, String> labels) {
        return labels != null && "true".equals(labels.get(MANAGED));
    }

    boolean inNamespace(Map<String, String> labels) {
        return labels != null && namespace.entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** What tag filters match against: the container's labels with the Label overlay on top. */
    static Map<String, String> view(Map<String, String> labels, Map<String, String> overlay) {
        Map<String, String> view = new HashMap<>(labels == null ? Map.of() : labels);
        view.putAll(overlay);
        return view;
    }

    /** The tags Describe reports: the keys given at Provision plus those added by Label, at their current values. */
    Map<String, String> tags(Map<String, String> labels, Map<String, String> overlay) {
        Map<String, String> tags = new HashMap<>();
        for (String key : tagKeys(labels)) {
            String value = labels.get(key);
            if (value != null && !namespace.containsKey(key)) {
                tags.put(key, value);
            }
        }
        overlay.forEach((k, v) -> {
            if (!k.startsWith(PREFIX)) {
                tags.put(k, v);
            }
        });
        return tags;
    }

    static Optional<String> logicalId(Map<String, String> labels) {
        return Optional.ofNullable(labels == null ? null : labels.get(LOGICAL_ID));
    }

    static Optional<Integer> stopTimeout(Map<String, String> labels) {
        try {
            return Optional.ofNullable(labels.get(STOP_TIMEOUT)).map(Integer::valueOf);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Label may not change the namespace or the plugin's own labels: the container would leave its scope. */
    void checkLabelable(Map<String, String> labels) {
        for (String key : labels.keySet()) {
            if (key.startsWith(PREFIX) || namespace.containsKey(key)) {
                throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Labels: key "
                        + GoQuote.quote(key) + " is a namespace tag or reserved by the plugin");
            }
        }
    }

    private static List<String> tagKeys(Map<String, String> labels) {
        String keys = labels == null ? null : labels.get(TAG_KEYS);
        if (keys == null) {
            return List.of();
        }
        try {
            return DockerJson.MAPPER.readValue(keys, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static String json(Object value) {
        try {
            return DockerJson.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
