package org.infrakit4j.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the plugin reaches EC2 and what it stamps on every instance.
 *
 * @param region AWS region, e.g. {@code us-east-1}
 * @param profile a named profile of the shared config files, or empty for the SDK's default credential chain
 * @param endpoint an endpoint override (emulators, VPC endpoints), or empty for the region's public endpoint
 * @param namespace tags put on every instance and required by every Describe
 * @param maxRetries SDK retries per call after the first attempt (adaptive mode)
 * @param rate mutating calls per second for the whole process; 0 for no client-side limit
 * @param validateDryRun whether Validate also sends a RunInstances DryRun
 * @param pageSize DescribeInstances MaxResults (5 to 1000)
 * @param attachTimeout how long background attachment waits for the instance and each volume
 * @param consistencyWindow how long a just-launched instance is trusted when EC2 does not show it yet
 * @param retryBaseDelay first backoff of the SDK's retries (throttling backs off from five times this)
 * @param callTimeout the most one plugin call may take, all its EC2 calls with their retries and backoff included
 * @param adopt whether instances InfraKit's Go plugin made (no marker, carrying the namespace and a group tag) are
 *     taken over: marked as ours when Describe, Label or Destroy meets them
 */
public record Ec2Config(String region, Optional<String> profile, Optional<URI> endpoint, Map<String, String> namespace,
                        int maxRetries, double rate, boolean validateDryRun, int pageSize, Duration attachTimeout,
                        Duration consistencyWindow, Duration retryBaseDelay, Duration callTimeout, boolean adopt) {
    public static final int DEFAULT_MAX_RETRIES = 8;
    public static final double DEFAULT_RATE = 10;
    public static final int DEFAULT_PAGE_SIZE = 1000;
    public static final int DEFAULT_CALL_TIMEOUT_SECONDS = 30;
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(DEFAULT_CALL_TIMEOUT_SECONDS);

    public Ec2Config {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(endpoint, "endpoint");
        namespace = Map.copyOf(namespace);
        Objects.requireNonNull(attachTimeout, "attachTimeout");
        Objects.requireNonNull(consistencyWindow, "consistencyWindow");
        Objects.requireNonNull(retryBaseDelay, "retryBaseDelay");
        Objects.requireNonNull(callTimeout, "callTimeout");
        if (region.isBlank()) {
            throw new IllegalArgumentException("region must not be empty");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max retries must be 0 or more, got " + maxRetries);
        }
        if (rate < 0 || Double.isNaN(rate)) {
            throw new IllegalArgumentException("rate must be 0 (unlimited) or more, got " + rate);
        }
        if (callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("call timeout must be positive, got " + callTimeout);
        }
        if (pageSize < 5 || pageSize > 1000) {
            throw new IllegalArgumentException("page size must be 5 to 1000 (EC2's MaxResults), got " + pageSize);
        }
        for (String key : namespace.keySet()) {
            Ec2Tags.checkKey(key);
        }
    }

    /** How errors name the endpoint: the override, or the region's public one. */
    public String endpointName() {
        return endpoint.map(u -> "EC2 at " + u).orElse("EC2 in " + region);
    }

    /** Defaults for a region: default credentials, public endpoint, no namespace. */
    public static Ec2Config of(String region) {
        return new Ec2Config(region, Optional.empty(), Optional.empty(), Map.of(), DEFAULT_MAX_RETRIES, DEFAULT_RATE,
                false, DEFAULT_PAGE_SIZE, Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMillis(100),
                DEFAULT_CALL_TIMEOUT, false);
    }

    public Ec2Config withEndpoint(URI endpoint) {
        return new Ec2Config(region, profile, Optional.of(endpoint), namespace, maxRetries, rate, validateDryRun,
                pageSize, attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withNamespace(Map<String, String> namespace) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withMaxRetries(int maxRetries) {
        return withRetries(maxRetries, retryBaseDelay);
    }

    public Ec2Config withRetries(int maxRetries, Duration retryBaseDelay) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withRate(double rate) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withValidateDryRun(boolean validateDryRun) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withPageSize(int pageSize) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withProfile(String profile) {
        return new Ec2Config(region, Optional.ofNullable(profile), endpoint, namespace, maxRetries, rate,
                validateDryRun, pageSize, attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withAttachTimeout(Duration attachTimeout) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withConsistencyWindow(Duration consistencyWindow) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withCallTimeout(Duration callTimeout) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }

    public Ec2Config withAdopt(boolean adopt) {
        return new Ec2Config(region, profile, endpoint, namespace, maxRetries, rate, validateDryRun, pageSize,
                attachTimeout, consistencyWindow, retryBaseDelay, callTimeout, adopt);
    }
}
