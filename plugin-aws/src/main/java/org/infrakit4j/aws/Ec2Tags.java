package org.infrakit4j.aws;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.infrakit4j.rpc.GoQuote;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The tags of a managed instance: users' tags (Properties, spec, namespace) plus the plugin's own bookkeeping
 * keys under {@value #RESERVED_PREFIX}, which Describe hides and users may not set.
 */
public final class Ec2Tags {
    public static final String RESERVED_PREFIX = "infrakit4j.";
    /** Marks instances this plugin manages, so a Describe without tags never lists the whole account. */
    public static final String MARKER_KEY = "infrakit4j.managed-by";
    public static final String MARKER_VALUE = "infrakit4j-instance-aws";
    /** The pet's LogicalID, kept for every pet (also when it became the private IP) so Describe reports it. */
    public static final String LOGICAL_ID_KEY = "infrakit4j.logical-id";
    /** The volume ids to attach, so attachment progress can still be reported after a plugin restart. */
    public static final String ATTACHMENTS_KEY = "infrakit4j.attachments";

    /** EC2's limits: 50 user tags per resource, keys up to 128 and values up to 256 characters. */
    static final int MAX_TAGS = 50;
    private static final int MAX_KEY = 128;
    private static final int MAX_VALUE = 256;

    private Ec2Tags() {
    }

    /** Refuses a key users may not set: {@code aws:} belongs to AWS, {@value #RESERVED_PREFIX} to the plugin. */
    public static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY) {
            throw new IllegalArgumentException("tag key " + GoQuote.quote(key) + " must have 1 to "
                    + MAX_KEY + " characters");
        }
        if (key.toLowerCase(Locale.ROOT).startsWith("aws:")) {
            throw new IllegalArgumentException("tag key " + GoQuote.quote(key)
                    + ": keys starting with aws: are reserved by AWS");
        }
        if (key.startsWith(RESERVED_PREFIX)) {
            throw new IllegalArgumentException("tag key " + GoQuote.quote(key) + ": keys starting with "
                    + RESERVED_PREFIX + " are reserved by the plugin");
        }
    }

    static void checkValue(String key, String value) {
        if (value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("tag " + GoQuote.quote(key) + ": value longer than "
                    + MAX_VALUE + " characters");
        }
    }

    /** Checks users' tags (spec tags or labels), naming {@code what} in the error. */
    static void checkUserTags(String what, Map<String, String> tags) {
        try {
            tags.forEach((k, v) -> {
                checkKey(k);
                checkValue(k, v);
            });
        } catch (IllegalArgumentException e) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, what + ": " + e.getMessage());
        }
    }

    /**
     * All tags of a new instance: Properties' Tags, then the spec's, then the namespace (later ones win), then the
     * plugin's own keys.
     */
    static Map<String, String> forInstance(Map<String, String> propertiesTags, Map<String, String> specTags,
                                           Map<String, String> namespace, Optional<String> logicalId,
                                           List<String> volumeIds) {
        Map<String, String> all = new TreeMap<>(propertiesTags);
        all.putAll(specTags);
        all.putAll(namespace);
        if (all.size() > MAX_TAGS - 3) {
            throw new InstanceException(ErrorCode.INVALID_PROPERTIES, "Tags: " + all.size()
                    + " tags; EC2 allows " + MAX_TAGS + " per instance and the plugin uses up to 3");
        }
        all.put(MARKER_KEY, MARKER_VALUE);
        logicalId.ifPresent(id -> all.put(LOGICAL_ID_KEY, id));
        if (!volumeIds.isEmpty()) {
            String joined = String.join(",", volumeIds);
            if (joined.length() <= MAX_VALUE) {
                all.put(ATTACHMENTS_KEY, joined);
            }
        }
        return all;
    }

    /** The tags Describe reports: everything but the plugin's bookkeeping. */
    static Map<String, String> visible(List<Tag> tags) {
        Map<String, String> out = new HashMap<>();
        for (Tag t : tags) {
            if (!t.key().startsWith(RESERVED_PREFIX)) {
                out.put(t.key(), t.value());
            }
        }
        return out;
    }

    static Optional<String> value(List<Tag> tags, String key) {
        return tags.stream().filter(t -> t.key().equals(key)).map(Tag::value).findFirst();
    }

    /** Whether the instance carries the marker and every namespace tag: whether it is ours. */
    static boolean managed(List<Tag> tags, Map<String, String> namespace) {
        Map<String, String> all = new HashMap<>();
        tags.forEach(t -> all.put(t.key(), t.value()));
        return MARKER_VALUE.equals(all.get(MARKER_KEY))
                && namespace.entrySet().stream().allMatch(e -> e.getValue().equals(all.get(e.getKey())));
    }

    static List<String> attachmentVolumes(List<Tag> tags) {
        return value(tags, ATTACHMENTS_KEY).map(v -> List.of(v.split(","))).orElse(List.of());
    }

    static List<Tag> toSdk(Map<String, String> tags) {
        List<Tag> out = new ArrayList<>(tags.size());
        new TreeMap<>(tags).forEach((k, v) -> out.add(Tag.builder().key(k).value(v).build()));
        return out;
    }
}
