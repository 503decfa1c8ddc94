package org.infrakit4j.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.infrakit4j.spi.BackendMeter;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The one EC2 client of a plugin process: adaptive retries within a per-call timeout, the shared request budget, the
 * backend meter, a light HTTP client.
 */
final class Ec2Sdk {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);
    /** The health probe's bound: GET /healthz waits about 0.9 s for it (rpc PluginHealth). */
    static final Duration PROBE_TIMEOUT = Duration.ofMillis(700);
    /** Per-request plugin of the probe: one attempt, so an unreachable endpoint is reported at once, not retried. */
    private static final SdkPlugin NO_RETRY = c -> c.overrideConfiguration(c.overrideConfiguration().toBuilder()
            .retryStrategy(AwsRetryStrategy.doNotRetry()).build());
    /** The health probe's request settings. */
    static final AwsRequestOverrideConfiguration PROBE = AwsRequestOverrideConfiguration.builder()
            .apiCallTimeout(PROBE_TIMEOUT).apiCallAttemptTimeout(PROBE_TIMEOUT).addPlugin(NO_RETRY).build();

    private Ec2Sdk() {
    }

    /** The SDK's default chain (env, profile, container, instance role), or one named profile. Never logged. */
    static AwsCredentialsProvider credentials(Ec2Config config) {
        return config.profile().<AwsCredentialsProvider>map(p -> ProfileCredentialsProvider.builder()
                .profileName(p).build()).orElseGet(() -> DefaultCredentialsProvider.builder().build());
    }

    /**
     * @param meter receives every EC2 call (see {@link Ec2Meter})
     * @param extra more interceptors, run after the meter's
     */
    static Ec2Client client(Ec2Config config, AwsCredentialsProvider credentials, BackendMeter meter,
                            List<ExecutionInterceptor> extra) {
        RetryStrategy retries = AwsRetryStrategy.adaptiveRetryStrategy().toBuilder()
                .maxAttempts(config.maxRetries() + 1)
                .backoffStrategy(BackoffStrategy.exponentialDelay(config.retryBaseDelay(), MAX_BACKOFF))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(config.retryBaseDelay().multipliedBy(5),
                        MAX_BACKOFF))
                .build();
        List<ExecutionInterceptor> interceptors = new ArrayList<>();
        interceptors.add(new Ec2Meter(meter));
        interceptors.addAll(extra);
        interceptors.add(new Ec2RequestBudget(config.rate()));
        var builder = Ec2Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.retryStrategy(retries).executionInterceptors(interceptors)
                        .apiCallTimeout(config.callTimeout()));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
