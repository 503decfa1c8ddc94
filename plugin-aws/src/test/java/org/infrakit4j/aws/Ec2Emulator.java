package org.infrakit4j.aws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * The EC2 emulator (moto) the tests run against, started by scripts/test.sh (scripts/backends/up.sh moto), which
 * exports {@code IK4J_MOTO_ENDPOINT}. Dummy static credentials, region us-east-1.
 */
final class Ec2Emulator {
    static final String REGION = "us-east-1";
    static final AwsCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIAIK4JTESTDUMMY000", "dummy-secret-for-the-emulator"));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static String imageId;

    private Ec2Emulator() {
    }

    static URI endpoint() {
        String value = System.getenv("IK4J_MOTO_ENDPOINT");
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("IK4J_MOTO_ENDPOINT is not set: run the tests through scripts/test.sh, "
                    + "which starts the EC2 emulator");
        }
        return URI.create(value);
    }

    /** Clears all emulator state (POST /moto-api/reset). */
    static void reset() throws IOException, InterruptedException {
        HttpResponse<String> reply = HTTP.send(HttpRequest.newBuilder(endpoint().resolve("/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() != 200) {
            throw new IOException("moto reset answered " + reply.statusCode() + ": " + reply.body());
        }
    }

    /** Test settings: the emulator's endpoint, quick retries, no request budget. */
    static Ec2Config config() {
        return config(endpoint());
    }

    static Ec2Config config(URI endpoint) {
        return Ec2Config.of(REGION).withEndpoint(endpoint).withRetries(3, Duration.ofMillis(20)).withRate(0)
                .withAttachTimeout(Duration.ofSeconds(30));
    }

    static Ec2InstancePlugin plugin(Ec2Config config, ExecutionInterceptor... interceptors) {
        return plugin(config, BackendMeter.NONE, interceptors);
    }

    static Ec2InstancePlugin plugin(Ec2Config config, BackendMeter meter, ExecutionInterceptor... interceptors) {
        Ec2Credentials credentials = Ec2Credentials.fixed(CREDENTIALS);
        return new Ec2InstancePlugin(Ec2Sdk.client(config, credentials, meter, List.of(interceptors)), config,
                credentials);
    }

    /** A plugin whose reaper sweeps every {@code sweep} as {@code policy} says, counting dead ones on {@code meter}. */
    static Ec2InstancePlugin reaping(Ec2Config config, ReapPolicy policy, BackendMeter meter, Duration sweep,
                                     ExecutionInterceptor... interceptors) {
        Ec2Credentials credentials = Ec2Credentials.fixed(CREDENTIALS);
        return new Ec2InstancePlugin(Ec2Sdk.client(config, credentials, meter, List.of(interceptors)), config,
                credentials, policy, meter, sweep);
    }

    /** A plugin with room for {@code attachThreads + attachQueue} instances' attachments at once. */
    static Ec2InstancePlugin plugin(Ec2Config config, int attachThreads, int attachQueue,
                                    ExecutionInterceptor... interceptors) {
        Ec2Credentials credentials = Ec2Credentials.fixed(CREDENTIALS);
        return new Ec2InstancePlugin(Ec2Sdk.client(config, credentials, BackendMeter.NONE, List.of(interceptors)),
                config, credentials, attachThreads, attachQueue);
    }

    /** A plain client for arranging and checking state behind the plugin's back. */
    static Ec2Client client() {
        return client(endpoint());
    }

    static Ec2Client client(URI endpoint) {
        return Ec2Client.builder().region(Region.of(REGION)).credentialsProvider(CREDENTIALS)
                .endpointOverride(endpoint)
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                .build();
    }

    /** An AMI from the emulator's built-in catalogue. */
    static synchronized String imageId() {
        if (imageId == null) {
            try (Ec2Client ec2 = client()) {
                imageId = imageId(ec2);
            }
        }
        return imageId;
    }

    static String imageId(Ec2Client ec2) {
        return ec2.describeImages(r -> r.filters(Filter.builder().name("architecture").values("x86_64").build()))
                .images().get(0).imageId();
    }

    /** The environment of a plugin process on the emulator: the dummy credentials, no instance metadata lookups. */
    static Map<String, String> processEnvironment() {
        AwsCredentials c = CREDENTIALS.resolveCredentials();
        return Map.of("AWS_ACCESS_KEY_ID", c.accessKeyId(), "AWS_SECRET_ACCESS_KEY", c.secretAccessKey(),
                "AWS_EC2_METADATA_DISABLED", "true");
    }

    /** The ids of the instances in a live state carrying tag {@code key=value}, as EC2 itself lists them. */
    static Set<String> liveInstances(Ec2Client ec2, String key, String value) {
        Set<String> ids = new HashSet<>();
        ec2.describeInstancesPaginator(r -> r.filters(Filter.builder().name("tag:" + key).values(value).build(),
                Filter.builder().name("instance-state-name").values(Ec2TagFilters.EXISTING_STATES).build()))
                .reservations().forEach(res -> res.instances().forEach(i -> ids.add(i.instanceId())));
        return ids;
    }

    static String createVolume(Ec2Client ec2, String zone) {
        return ec2.createVolume(r -> r.availabilityZone(zone).size(1)).volumeId();
    }
}
