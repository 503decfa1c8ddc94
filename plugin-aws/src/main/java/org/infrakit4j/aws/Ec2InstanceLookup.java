package org.infrakit4j.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;

/**
 * DescribeInstances as the plugin needs it: by tags over all pages, by id, by LogicalID; each trusting the
 * process's own just-launched instances while EC2's describe lags behind (eventual consistency).
 */
final class Ec2InstanceLookup {
    /** How long one call keeps retrying a NotFound for an instance this process just launched. */
    private static final Duration MAX_CONSISTENCY_WAIT = Duration.ofSeconds(10);

    private final Ec2Client ec2;
    private final Ec2Config config;
    private final Ec2RecentLaunches recent;
    private final Ec2Credentials credentials;

    Ec2InstanceLookup(Ec2Client ec2, Ec2Config config, Ec2RecentLaunches recent, Ec2Credentials credentials) {
        this.ec2 = ec2;
        this.config = config;
        this.recent = recent;
        this.credentials = credentials;
    }

    /**
     * Managed instances in any state but the gone ones (dead ones too) carrying all {@code tags}: every page, plus
     * launches not listed yet.
     */
    List<Instance> matching(Map<String, String> tags, Ec2Deadline deadline) {
        Optional<List<Filter>> filters = Ec2TagFilters.forTags(tags, config.namespace());
        if (filters.isEmpty()) {
            return List.of();
        }
        List<Instance> found = pages(filters.get(), deadline, Integer.MAX_VALUE);
        Set<String> listed = new HashSet<>();
        found.forEach(i -> listed.add(i.instanceId()));
        listed.forEach(recent::forget);
        Map<String, String> all = new HashMap<>(tags);
        all.putAll(config.namespace());
        List<Instance> out = new ArrayList<>(found);
        out.addAll(recent.unlisted(all, listed));
        return out;
    }

    /**
     * The managed instance holding a LogicalID, if any, alive or dead (an alive one first). Always asked of EC2,
     * even for a pet this process just launched: it may have died since, and then it must be started again; EC2 not
     * listing it yet is covered by {@link #matching}.
     */
    Optional<Instance> pet(String logicalId, Ec2Deadline deadline) {
        return matching(Map.of(Ec2Tags.LOGICAL_ID_KEY, logicalId), deadline).stream()
                .min(Comparator.comparing(i -> Ec2TagFilters.dead(i.state().nameAsString())));
    }

    /**
     * Managed instances in the namespace in a dead state, as EC2 lists them (no recent launch is dead), at most
     * {@code max}: the others are listed once these are gone.
     */
    List<Instance> dead(Ec2Deadline deadline, int max) {
        return Ec2TagFilters.forTags(Map.of(), config.namespace(), Ec2TagFilters.DEAD_STATES)
                .map(filters -> pages(filters, deadline, max)).orElse(List.of());
    }

    /**
     * Every page up to {@code max} instances, each request given what is left of the call's deadline (hence no SDK
     * paginator).
     */
    List<Instance> pages(List<Filter> filters, Ec2Deadline deadline, int max) {
        List<Instance> out = new ArrayList<>();
        String token = null;
        try {
            do {
                DescribeInstancesResponse page = ec2.describeInstances(DescribeInstancesRequest.builder()
                        .filters(filters).maxResults(config.pageSize()).nextToken(token)
                        .overrideConfiguration(deadline.sdk("DescribeInstances")).build());
                for (Reservation r : page.reservations()) {
                    out.addAll(r.instances());
                }
                token = page.nextToken();
            } while (token != null && !token.isEmpty() && out.size() < max);
        } catch (SdkException e) {
            throw failure("DescribeInstances", e);
        }
        return out.size() > max ? out.subList(0, max) : out;
    }

    /** The instance in any state, or empty when EC2 does not know it (after waiting out a fresh launch's lag). */
    Optional<Instance> byId(String instanceId, Ec2Deadline deadline) {
        List<Instance> found = new ArrayList<>();
        boolean gone = withConsistencyRetry(instanceId, "DescribeInstances", deadline, o -> {
            found.clear();
            ec2.describeInstances(r -> r.instanceIds(instanceId).overrideConfiguration(o)).reservations()
                    .forEach(res -> found.addAll(res.instances()));
        });
        if (gone || found.isEmpty()) {
            return Optional.empty();
        }
        recent.forget(instanceId);
        return Optional.of(found.get(0));
    }

    /**
     * The error for a failed call. A refused connection means nothing listens at the endpoint: whatever answers there
     * later lists what it has, so the launches remembered from before stop being vouched for (an emulator restarted
     * empty must not have them invented; real EC2 lists them by then). A call that failed before it was sent because
     * there are no credentials says so.
     */
    InstanceException failure(String action, SdkException e) {
        Optional<String> missing = e instanceof AwsServiceException ? Optional.empty() : credentials.missing();
        if (missing.isPresent()) {
            return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, missing.get() + " (EC2 " + action
                    + " not sent)", e);
        }
        if (Ec2Errors.refused(e)) {
            recent.forgetAll();
        }
        return Ec2Errors.translate(action, e, config.endpointName());
    }

    /**
     * Runs a call on one instance. A NotFound answer is retried with backoff while the instance is a fresh launch
     * of this process (bounded, and within the call's deadline); otherwise it means the instance is gone.
     *
     * @param call one attempt, given the request settings that carry what is left of the deadline
     * @return whether EC2 answered NotFound
     */
    boolean withConsistencyRetry(String instanceId, String action, Ec2Deadline deadline,
                                 Consumer<AwsRequestOverrideConfiguration> call) {
        long until = Math.min(deadline.at(), System.nanoTime() + MAX_CONSISTENCY_WAIT.toNanos());
        long delay = 100;
        while (true) {
            try {
                call.accept(deadline.sdk(action));
                return false;
            } catch (SdkException e) {
                if (!Ec2Errors.instanceNotFound(e)) {
                    throw failure(action, e);
                }
                if (!recent.contains(instanceId) || System.nanoTime() + delay * 1_000_000 > until) {
                    return true;
                }
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
            delay = Math.min(delay * 2, 2000);
        }
    }
}
