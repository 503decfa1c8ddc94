package org.infrakit4j.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** The one EC2 client of a plugin process: adaptive retries, the shared request budget, a light HTTP client. */
final class Ec2Sdk {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);

    private Ec2Sdk() {
    }

    /** The SDK's default chain (env, profile, container, instance role), or one named profile. Never logged. */
    static AwsCredentialsProvider credentials(Ec2Config config) {
        return config.profile().<AwsCredentialsProvider>map(p -> ProfileCredentialsProvider.builder()
                .profileName(p).build()).orElseGet(() -> DefaultCredentialsProvider.builder().build());
    }

    static Ec2Client client(Ec2Config config, AwsCredentialsProvider credentials, List<ExecutionInterceptor> extra) {
        RetryStrategy retries = AwsRetryStrategy.adaptiveRetryStrategy().toBuilder()
                .maxAttempts(config.maxRetries() + 1)
                .backoffStrategy(BackoffStrategy.exponentialDelay(config.retryBaseDelay(), MAX_BACKOFF))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(config.retryBaseDelay().multipliedBy(5),
                        MAX_BACKOFF))
                .build();
        List<ExecutionInterceptor> interceptors = new ArrayList<>(extra);
        interceptors.add(new Ec2RequestBudget(config.rate()));
        var builder = Ec2Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.retryStrategy(retries).executionInterceptors(interceptors));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
