package org.infrakit4j.testkit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * What InfraKit's group plugin does with an instance plugin on each poll, one poll per {@link #poll()}: Describe by
 * the group tag; for a group of cattle, provision the shortfall or destroy the excess; for a group of pets
 * (LogicalIDs), provision each LogicalID no instance has and destroy instances whose LogicalID is not the group's.
 * Instances get the group's tags as InfraKit's group plugin gives them ({@value #GROUP_TAG},
 * {@value #CONFIG_SHA_TAG}). A failed call is recorded and the poll goes on, as the group plugin retries next time.
 *
 * <p>A changed config ({@link #withProperties}) rolls as InfraKit's rolling update does: once the group is at its
 * size, one member whose config tag is not the current one is destroyed (reason {@code rolling_update}) per poll,
 * and the next poll provisions its replacement from the new config.
 */
public final class GroupLoop {
    public static final String GROUP_TAG = "infrakit.group";
    public static final String CONFIG_SHA_TAG = "infrakit.config_sha";

    /** What one poll saw and did. */
    public record Poll(List<Description> described, List<InstanceId> provisioned, List<InstanceId> destroyed,
                       List<String> errors) {
        public Poll {
            described = List.copyOf(described);
            provisioned = List.copyOf(provisioned);
            destroyed = List.copyOf(destroyed);
            errors = List.copyOf(errors);
        }

        public Set<InstanceId> describedIds() {
            Set<InstanceId> ids = new HashSet<>();
            described.forEach(d -> ids.add(d.id()));
            return ids;
        }
    }

    private final InstancePlugin plugin;
    private final String group;
    private final RawJson properties;
    private final int size;
    private final List<String> logicalIds;
    private final Map<String, String> extraTags;

    private GroupLoop(InstancePlugin plugin, String group, RawJson properties, int size, List<String> logicalIds,
                      Map<String, String> extraTags) {
        this.plugin = plugin;
        this.group = group;
        this.properties = properties;
        this.size = size;
        this.logicalIds = List.copyOf(logicalIds);
        this.extraTags = Map.copyOf(extraTags);
    }

    /** A group of {@code size} cattle. */
    public static GroupLoop cattle(InstancePlugin plugin, String group, RawJson properties, int size) {
        return new GroupLoop(plugin, group, properties, size, List.of(), Map.of());
    }

    /** A group of pets, one per LogicalID. */
    public static GroupLoop pets(InstancePlugin plugin, String group, RawJson properties, List<String> logicalIds) {
        return new GroupLoop(plugin, group, properties, logicalIds.size(), logicalIds, Map.of());
    }

    /** The same group with more tags on what it provisions (e.g. a test's cleanup tag). */
    public GroupLoop withTags(Map<String, String> tags) {
        return new GroupLoop(plugin, group, properties, size, logicalIds, tags);
    }

    /** The tags every member gets, and the Describe filter is the first of them. */
    public Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>(extraTags);
        tags.put(GROUP_TAG, group);
        tags.put(CONFIG_SHA_TAG, Integer.toHexString(properties.json().hashCode()));
        return tags;
    }

    /** The same group with a changed config: the next polls roll its members one at a time. */
    public GroupLoop withProperties(RawJson changed) {
        return new GroupLoop(plugin, group, changed, size, logicalIds, extraTags);
    }

    /** Whether a member was made from the current config (its config tag is the current one). */
    public boolean isCurrent(Description member) {
        return tags().get(CONFIG_SHA_TAG).equals(member.tags().get(CONFIG_SHA_TAG));
    }

    public Map<String, String> filter() {
        return Map.of(GROUP_TAG, group);
    }

    public Poll poll() {
        List<String> errors = new ArrayList<>();
        List<Description> described;
        try {
            described = plugin.describeInstances(filter(), false);
        } catch (InstanceException e) {
            // InfraKit's group plugin does nothing on a poll whose Describe failed: it never acts on a guess.
            return new Poll(List.of(), List.of(), List.of(), List.of("Describe: " + WireErrors.text(e)));
        }
        List<InstanceId> provisioned = new ArrayList<>();
        List<InstanceId> destroyed = new ArrayList<>();
        if (logicalIds.isEmpty()) {
            for (int i = described.size(); i < size; i++) {
                provision(Optional.empty(), provisioned, errors);
            }
            for (int i = size; i < described.size(); i++) {
                destroy(described.get(i).id(), destroyed, errors);
            }
        } else {
            Set<String> have = new HashSet<>();
            for (Description d : described) {
                if (d.logicalId().isPresent() && logicalIds.contains(d.logicalId().get())) {
                    have.add(d.logicalId().get());
                } else {
                    destroy(d.id(), destroyed, errors);
                }
            }
            for (String id : logicalIds) {
                if (!have.contains(id)) {
                    provision(Optional.of(id), provisioned, errors);
                }
            }
        }
        if (provisioned.isEmpty() && destroyed.isEmpty() && errors.isEmpty() && described.size() == size) {
            described.stream().filter(d -> !isCurrent(d)).findFirst()
                    .ifPresent(outdated -> destroy(outdated.id(), DestroyContext.ROLLING_UPDATE, destroyed, errors));
        }
        return new Poll(described, provisioned, destroyed, errors);
    }

    private void provision(Optional<String> logicalId, List<InstanceId> provisioned, List<String> errors) {
        Spec spec = Spec.of(properties, tags());
        if (logicalId.isPresent()) {
            spec = spec.withLogicalId(logicalId.get());
        }
        try {
            provisioned.add(plugin.provision(spec));
        } catch (InstanceException e) {
            errors.add("Provision" + logicalId.map(l -> " " + l).orElse("") + ": " + WireErrors.text(e));
        }
    }

    private void destroy(InstanceId id, List<InstanceId> destroyed, List<String> errors) {
        destroy(id, DestroyContext.TERMINATE, destroyed, errors);
    }

    private void destroy(InstanceId id, DestroyContext why, List<InstanceId> destroyed, List<String> errors) {
        try {
            plugin.destroy(id, why);
            destroyed.add(id);
        } catch (InstanceException e) {
            errors.add("Destroy " + id.value() + ": " + WireErrors.text(e));
        }
    }
}
