package org.infrakit4j.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.ec2.model.Filter;

/** Server-side DescribeInstances filters: one {@code tag:} filter per tag, the marker, and the live states. */
final class Ec2TagFilters {
    /**
     * Every state but the two that end in "gone": {@code shutting-down} only follows a Destroy (or an outside
     * termination) and never comes back, so the group must not count it.
     */
    static final List<String> LIVE_STATES = List.of("pending", "running", "stopping", "stopped");

    private Ec2TagFilters() {
    }

    /**
     * The filters for instances carrying all {@code requested} tags, the namespace and the marker; empty when no
     * instance can match (a requested tag contradicts the namespace).
     */
    static Optional<List<Filter>> forTags(Map<String, String> requested, Map<String, String> namespace) {
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
        filters.add(Filter.builder().name("instance-state-name").values(LIVE_STATES).build());
        return Optional.of(filters);
    }
}
