package org.infrakit4j.aws;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.SpotInstanceRequest;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@code --adopt}: takes over the instances InfraKit's Go plugin made. That plugin knew its own instances only by
 * tags: a Describe filtered on the requested tags and its namespace, states pending and running
 * (reference-providers.md §1.6); it wrote no marker. So an instance is a reference one when it is alive, has no
 * marker of ours, and carries the namespace and the requested tags (or, met by id in Label or Destroy, the namespace
 * and InfraKit's {@code infrakit.group} tag). Adopting it writes our marker (and our LogicalID tag from InfraKit's
 * {@code infrakit.logical_id}, when it has one) with CreateTags at once: EC2 can tag a running instance without
 * touching it, so a later start needs no flag. Its LogicalID stays what the Go plugin reported: the private IP.
 */
final class Ec2Adoption {
    private static final Logger LOG = LoggerFactory.getLogger(Ec2Adoption.class);
    /** The group tag InfraKit's group plugin puts on every member (reference-providers.md §0). */
    static final String GROUP_TAG = "infrakit.group";
    /** InfraKit's own LogicalID tag (HEAD's group plugin); becomes ours on adoption, before the private IP. */
    static final String INFRAKIT_LOGICAL_ID = "infrakit.logical_id";
    private static final List<String> REFERENCE_STATES = List.of("pending", "running");

    private final Ec2Client ec2;
    private final Ec2Config config;
    private final Ec2InstanceLookup lookup;

    Ec2Adoption(Ec2Client ec2, Ec2Config config, Ec2InstanceLookup lookup) {
        this.ec2 = ec2;
        this.config = config;
        this.lookup = lookup;
    }

    /**
     * The reference instances carrying {@code tags} and the namespace, adopted. None when tags and namespace are both
     * empty: that would be every instance of the account.
     */
    List<Instance> adopt(Map<String, String> tags, Ec2Deadline deadline) {
        Map<String, String> all = new TreeMap<>(config.namespace());
        for (Map.Entry<String, String> e : tags.entrySet()) {
            String ns = all.putIfAbsent(e.getKey(), e.getValue());
            if (ns != null && !ns.equals(e.getValue())) {
                return List.of();
            }
        }
        if (all.isEmpty() || all.keySet().stream().anyMatch(k -> k.startsWith(Ec2Tags.RESERVED_PREFIX))) {
            return List.of();
        }
        List<Filter> filters = new ArrayList<>();
        all.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
        filters.add(Filter.builder().name("instance-state-name").values(REFERENCE_STATES).build());
        List<Instance> out = new ArrayList<>();
        for (Instance i : lookup.pages(filters, deadline, Integer.MAX_VALUE)) {
            if (Ec2Tags.value(i.tags(), Ec2Tags.MARKER_KEY).isEmpty()) {
                out.add(mark(i, List.of(), deadline));
            }
        }
        out.addAll(adoptSpot(all, deadline));
        return out;
    }

    /**
     * The Go {@code ec2-spot-instance} plugin tagged only its spot requests (§1.8): a request carrying the tags, open
     * or active, stands for its instance. The instance gets the request's tags and our marker and is reported
     * instead (its id, not the request's, is the InfraKit id from now on; the group only counts). An open request
     * without an instance is cancelled: fulfilled later, its instance would carry no tag at all, an orphan nobody
     * sees; the group replaces it.
     */
    private List<Instance> adoptSpot(Map<String, String> tags, Ec2Deadline deadline) {
        List<Filter> filters = new ArrayList<>();
        tags.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
        filters.add(Filter.builder().name("state").values("open", "active").build());
        List<SpotInstanceRequest> requests;
        try {
            // One page: the Go plugin did not paginate either, and a group's requests fit (MaxResults 1000).
            requests = ec2.describeSpotInstanceRequests(r -> r.filters(filters).maxResults(1000)
                    .overrideConfiguration(deadline.sdk("DescribeSpotInstanceRequests"))).spotInstanceRequests();
        } catch (SdkException e) {
            throw lookup.failure("DescribeSpotInstanceRequests", e);
        }
        List<Instance> out = new ArrayList<>();
        for (SpotInstanceRequest request : requests) {
            if (request.instanceId() == null) {
                cancel(request.spotInstanceRequestId(), deadline);
                continue;
            }
            lookup.byId(request.instanceId(), deadline)
                    .filter(i -> REFERENCE_STATES.contains(Ec2TagFilters.state(i)))
                    .filter(i -> Ec2Tags.value(i.tags(), Ec2Tags.MARKER_KEY).isEmpty())
                    .ifPresent(i -> out.add(mark(i, request.tags(), deadline)));
        }
        return out;
    }

    /**
     * Destroy of a Go spot plugin's id ({@code sir-...}) that a group still holds: terminates the request's instance
     * when that carries the namespace, and cancels the request, as the Go plugin did. Nothing when the request is
     * unknown or outside the namespace.
     */
    void destroySpotRequest(String requestId, Ec2Deadline deadline) {
        List<SpotInstanceRequest> found;
        try {
            found = ec2.describeSpotInstanceRequests(r -> r.spotInstanceRequestIds(requestId)
                    .overrideConfiguration(deadline.sdk("DescribeSpotInstanceRequests"))).spotInstanceRequests();
        } catch (SdkException e) {
            if (Ec2Errors.code(e).startsWith("InvalidSpotInstanceRequestID")) {
                return;
            }
            throw lookup.failure("DescribeSpotInstanceRequests", e);
        }
        for (SpotInstanceRequest request : found) {
            Map<String, String> has = new HashMap<>();
            request.tags().forEach(t -> has.put(t.key(), t.value()));
            if (!config.namespace().entrySet().stream().allMatch(e -> e.getValue().equals(has.get(e.getKey())))) {
                continue;
            }
            if (request.instanceId() != null) {
                try {
                    ec2.terminateInstances(r -> r.instanceIds(request.instanceId())
                            .overrideConfiguration(deadline.sdk("TerminateInstances")));
                } catch (SdkException e) {
                    if (!Ec2Errors.instanceNotFound(e)) {
                        throw lookup.failure("TerminateInstances", e);
                    }
                }
            }
            cancel(requestId, deadline);
        }
    }

    private void cancel(String requestId, Ec2Deadline deadline) {
        try {
            ec2.cancelSpotInstanceRequests(r -> r.spotInstanceRequestIds(requestId)
                    .overrideConfiguration(deadline.sdk("CancelSpotInstanceRequests")));
        } catch (SdkException e) {
            throw lookup.failure("CancelSpotInstanceRequests", e);
        }
        LOG.atInfo().addKeyValue("request", requestId).log("cancelled a spot request of InfraKit's Go plugin");
    }

    /** The instance met by id in Label or Destroy, adopted, if it is a reference one. */
    Optional<Instance> adoptById(Instance instance, Ec2Deadline deadline) {
        Map<String, String> has = new HashMap<>();
        instance.tags().forEach(t -> has.put(t.key(), t.value()));
        boolean reference = !has.containsKey(Ec2Tags.MARKER_KEY) && has.containsKey(GROUP_TAG)
                && REFERENCE_STATES.contains(Ec2TagFilters.state(instance))
                && config.namespace().entrySet().stream().allMatch(e -> e.getValue().equals(has.get(e.getKey())));
        return reference ? Optional.of(mark(instance, List.of(), deadline)) : Optional.empty();
    }

    /**
     * Writes our marker on it, with {@code copied} tags (a spot request's; {@code aws:} keys cannot be written);
     * the instance as it is now tagged.
     */
    private Instance mark(Instance instance, List<Tag> copied, Ec2Deadline deadline) {
        Map<String, String> ours = new TreeMap<>();
        copied.stream().filter(t -> !t.key().toLowerCase(java.util.Locale.ROOT).startsWith("aws:"))
                .forEach(t -> ours.put(t.key(), t.value()));
        ours.put(Ec2Tags.MARKER_KEY, Ec2Tags.MARKER_VALUE);
        // The Go plugin's Describe reported every instance's private IP as its LogicalID (§1.6), so a quorum group
        // knows its members by it: it stays their LogicalID, unless InfraKit's own logical-id tag says otherwise.
        Ec2Tags.value(instance.tags(), INFRAKIT_LOGICAL_ID).or(() -> Optional.ofNullable(ours.get(INFRAKIT_LOGICAL_ID)))
                .or(() -> Optional.ofNullable(instance.privateIpAddress()))
                .ifPresent(l -> ours.put(Ec2Tags.LOGICAL_ID_KEY, l));
        try {
            ec2.createTags(r -> r.resources(instance.instanceId()).tags(Ec2Tags.toSdk(ours))
                    .overrideConfiguration(deadline.sdk("CreateTags")));
        } catch (SdkException e) {
            throw lookup.failure("CreateTags", e);
        }
        LOG.atInfo().addKeyValue("instance", instance.instanceId()).log("adopted an instance of InfraKit's Go plugin");
        Map<String, String> now = new TreeMap<>();
        instance.tags().forEach(t -> now.put(t.key(), t.value()));
        now.putAll(ours);
        return instance.toBuilder().tags(Ec2Tags.toSdk(now)).build();
    }
}
