package org.infrakit4j.aws;

import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFileLocation;

/**
 * The plugin's credentials provider: the SDK's, remembering whether its last lookup found none, so that start-up and
 * {@code /healthz} say "no credentials" (and where they were looked for) instead of "cannot reach EC2". It never
 * keeps, logs or tells the credentials themselves.
 */
final class Ec2Credentials implements AwsCredentialsProvider {
    private final AwsCredentialsProvider delegate;
    private final String sources;
    private volatile boolean missing;

    /** @param sources where {@code delegate} looks, for the message when it finds nothing */
    Ec2Credentials(AwsCredentialsProvider delegate, String sources) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
        this.sources = java.util.Objects.requireNonNull(sources, "sources");
    }

    /** The SDK's default chain, or one named profile, as {@link Ec2Sdk#credentials} builds it. */
    static Ec2Credentials of(Ec2Config config) {
        String files = ProfileFileLocation.credentialsFilePath() + " and " + ProfileFileLocation.configurationFilePath();
        String sources = config.profile().map(p -> "profile \"" + p + "\" of " + files).orElseGet(() -> {
            String profile = Optional.ofNullable(System.getenv("AWS_PROFILE")).filter(s -> !s.isBlank())
                    .orElse("default");
            return "the system properties aws.accessKeyId and aws.secretAccessKey, the environment variables "
                    + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profile \"" + profile
                    + "\" of " + files + ", a container or instance role";
        });
        return new Ec2Credentials(Ec2Sdk.credentials(config), sources);
    }

    /** Credentials that are always there (tests, a fixed provider): never reported missing unless they fail. */
    static Ec2Credentials fixed(AwsCredentialsProvider provider) {
        return new Ec2Credentials(provider, "the configured credentials provider");
    }

    @Override
    public AwsCredentials resolveCredentials() {
        try {
            AwsCredentials found = delegate.resolveCredentials();
            missing = false;
            return found;
        } catch (SdkClientException e) {
            missing = true;
            throw e;
        }
    }

    /** Looks for credentials now; what is missing when there are none. */
    Optional<String> check() {
        try {
            resolveCredentials();
        } catch (SdkClientException e) {
            // Recorded in `missing`; the SDK's message is not passed on (it may quote configuration).
        }
        return missing();
    }

    /** What is missing when the last lookup found no credentials, e.g. {@code no credentials: none in ...}. */
    Optional<String> missing() {
        return missing ? Optional.of("no credentials: none found in " + sources) : Optional.empty();
    }
}
