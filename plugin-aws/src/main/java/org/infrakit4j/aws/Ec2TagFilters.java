package org.infrakit4j.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Server-side DescribeInstances filters: one {@code tag:} filter per tag, the marker, and the states asked for (by
 * default every state but the gone ones).
 */
final class Ec2TagFilters {
    /**
     * Every state but the two that end in "gone": {@code shutting-down} only follows a Destroy (or an outside
     * termination) and never comes back, so nobody counts it. Describe asks for all of these and leaves the dead
     * ones out itself: it sees them in the same reply, so the reaper hears of them without another call.
     */
    static final List<String> EXISTING_STATES = List.of("pending", "running", "stopping", "stopped");
    /**
     * The dead states: stopped, or on its way there. A stopped instance does not start by itself (nothing in EC2
     * restarts it), so it is dead unless the plugin itself is starting it again; the words are metrics labels.
     */
    static final List<String> DEAD_STATES = List.of("stopping", "stopped");

    private Ec2TagFilters() {
    }

    /**
     * The filters for instances carrying all {@code requested} tags, the namespace and the marker; empty when no
     * instance can match (a requested tag contradicts the namespace).
     */
    static Optional<List<Filter>> forTags(Map<String, String> requested, Map<String, String> namespace) {
        return forTags(requested, namespace, EXISTING_STATES);
    }

    /** As {@link #forTags(Map, Map)}, for instances in one of {@code states}. */
    static Optional<List<Filter>> forTags(Map<String, String> requested, Map<String, String> namespace,
                                          List<String> states) {
        Map<String, String> all = new TreeMap<>(namespace);
        for (Map.Entry<String, String> e : requested.entrySet()) {
            String ns = all.putIfAbsent(e.getKey(), e.getValue());
            if (ns != null && !ns.equals(e.getValue())) {
                return Optional.empty();
            }
        }
        String marker = all.putIfAbsent(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE);
        if (marker != null && !marker.equals(Ec2Tags.MARKER_VALUE)) {
            return Optional.empty();
        }
        List<Filter> filters = new ArrayList<>(all.size() + 1);
        all.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
        filters.add(Filter.builder().name("instance-state-name").values(states).build());
        return Optional.of(filters);
    }

    /** EC2's state name of an instance; empty when the reply had none. */
    static String state(Instance instance) {
        return instance.state() == null ? "" : instance.state().nameAsString();
    }

    /** Whether EC2's state name is a dead one (see {@link #DEAD_STATES}). */
    static boolean dead(String state) {
        return DEAD_STATES.contains(state);
    }
}
