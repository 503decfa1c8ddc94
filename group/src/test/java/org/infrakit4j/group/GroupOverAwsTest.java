package org.infrakit4j.group;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.infrakit4j.aws.Ec2Main;
import org.infrakit4j.aws.Ec2Tags;
import org.infrakit4j.testkit.PluginProcess;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The group scenarios over plugin-aws on the EC2 emulator (moto): instances of the test's namespace tag, watched and
 * terminated with an EC2 client of the test's own.
 */
class GroupOverAwsTest extends GroupOverBackendScenarios {
    private static final String REGION = "us-east-1";
    private static final String NAMESPACE_TAG = "ik4j.run";
    /** Dummy credentials: the emulator takes any. */
    private static final AwsBasicCredentials CREDENTIALS =
            AwsBasicCredentials.create("AKIAIK4JTESTDUMMY000", "dummy-secret-for-the-emulator");
    /** The states in which an instance still counts (as plugin-aws counts them): not shutting down or terminated. */
    private static final List<String> LIVE = List.of("pending", "running", "stopping", "stopped");

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Ec2Client ec2;
    private String imageId;

    @Override
    protected PluginProcess instancePluginProcess() throws Exception {
        ec2 = Ec2Client.builder().region(Region.of(REGION)).credentialsProvider(StaticCredentialsProvider
                .create(CREDENTIALS)).endpointOverride(URI.create(env("IK4J_MOTO_ENDPOINT")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        imageId = ec2.describeImages(r -> r.filters(Filter.builder().name("architecture").values("x86_64").build()))
                .images().get(0).imageId();
        return PluginProcess.inNewHome(Ec2Main.class, "ik4jga-", Map.of(
                "AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId(), "AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey(),
                "AWS_EC2_METADATA_DISABLED", "true"));
    }

    @Override
    protected List<String> instancePluginArgs() {
        return List.of("--region", REGION, "--endpoint", env("IK4J_MOTO_ENDPOINT"), "--namespace",
                NAMESPACE_TAG + "=" + run, "--max-retries", "3", "--log-level", "info");
    }

    @Override
    protected String instancePlugin() {
        return "instance-aws";
    }

    @Override
    protected String instanceProperties() {
        return "{\"ImageId\":\"" + imageId + "\",\"InstanceType\":\"t2.micro\"}";
    }

    /** Every live instance of this test's namespace, as EC2 itself lists them. */
    private List<Instance> instances() {
        List<Filter> filters = new ArrayList<>();
        filters.add(Filter.builder().name("tag:" + NAMESPACE_TAG).values(run).build());
        filters.add(Filter.builder().name("instance-state-name").values(LIVE).build());
        return ec2.describeInstancesPaginator(r -> r.filters(filters)).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList();
    }

    @Override
    protected List<Member> namespace() {
        return instances().stream().map(i -> {
            Map<String, String> tags = i.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
            String state = i.state().nameAsString();
            return new Member(i.instanceId(), tags, Optional.ofNullable(tags.get(Ec2Tags.LOGICAL_ID_KEY)),
                    state.equals("pending") || state.equals("running"));
        }).toList();
    }

    @Override
    protected void kill(String id) {
        ec2.terminateInstances(r -> r.instanceIds(id));
    }

    @Override
    protected void cleanUp() {
        if (ec2 != null) {
            Set<String> left = instances().stream().map(Instance::instanceId).collect(Collectors.toSet());
            if (!left.isEmpty()) {
                ec2.terminateInstances(r -> r.instanceIds(left));
            }
            ec2.close();
        }
    }
}
