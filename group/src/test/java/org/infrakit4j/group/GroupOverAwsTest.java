package org.infrakit4j.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.infrakit4j.aws.Ec2Main;
import org.infrakit4j.rpc.GoJson;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Our group plugin over plugin-aws on the EC2 emulator (moto): plugin-aws runs as its own process (its main, socket
 * {@code instance-aws}) in a namespace of its own, the group plugin beside it in the same plugins directory, and
 * instances are watched and terminated behind the group's back with an EC2 client of the test's own.
 */
class GroupOverAwsTest {
    /** Generous: every step is a few EC2 calls and a poll or two, on a busy 2-core machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(180);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final String GROUP = "workers";
    private static final String REGION = "us-east-1";
    /** Dummy credentials: the emulator takes any. */
    private static final AwsBasicCredentials CREDENTIALS =
            AwsBasicCredentials.create("AKIAIK4JTESTDUMMY000", "dummy-secret-for-the-emulator");
    /** The states in which an instance still counts (as plugin-aws counts them): not shutting down or terminated. */
    private static final List<String> LIVE = List.of("pending", "running", "stopping", "stopped");

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Path home;
    private Ec2Client ec2;
    private PluginProcess processes;
    private GroupMain.Running group;
    private InstancePluginClient groupClient;
    private String imageId;

    private static URI endpoint() {
        String value = System.getenv("IK4J_MOTO_ENDPOINT");
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("IK4J_MOTO_ENDPOINT is not set: start the EC2 emulator with "
                    + "scripts/backends/up.sh (or run scripts/test.sh) and source its env file");
        }
        return URI.create(value);
    }

    @BeforeEach
    void start() throws Exception {
        URI endpoint = endpoint();
        ec2 = Ec2Client.builder().region(Region.of(REGION)).credentialsProvider(StaticCredentialsProvider
                .create(CREDENTIALS)).endpointOverride(endpoint).httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        imageId = ec2.describeImages(r -> r.filters(Filter.builder().name("architecture").values("x86_64").build()))
                .images().get(0).imageId();
        processes = PluginProcess.inNewHome(Ec2Main.class, "ik4jga-", Map.of(
                "AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId(), "AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey(),
                "AWS_EC2_METADATA_DISABLED", "true"));
        home = processes.home();
        Process p = processes.start("--region", REGION, "--endpoint", endpoint.toString(), "--namespace",
                "ik4j.run=" + run, "--max-retries", "3", "--log-level", "info");
        try {
            PluginProcess.awaitSocket(processes.socket("instance-aws"), p, Duration.ofSeconds(60));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its output:\n" + processes.output(0), e);
        }
        PluginDirectory dir = new PluginDirectory(home.resolve("plugins"));
        group = GroupMain.start(dir, home.resolve("group").resolve("groups.json"), POLL, 4, Duration.ofSeconds(60));
        groupClient = InstancePluginClient.connect(dir.socketOf("group"), "", Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (groupClient != null) {
            groupClient.close();
        }
        if (group != null) {
            group.close();
        }
        if (processes != null) {
            processes.close();
        }
        if (ec2 != null) {
            Set<String> left = ids(instances(Map.of()));
            if (!left.isEmpty()) {
                ec2.terminateInstances(r -> r.instanceIds(left));
            }
            ec2.close();
        }
    }

    /** Every live instance of this test's namespace carrying these tags too, as EC2 itself lists them. */
    private List<Instance> instances(Map<String, String> tags) {
        Map<String, String> all = new HashMap<>(tags);
        all.put("ik4j.run", run);
        List<Filter> filters = new java.util.ArrayList<>();
        all.forEach((k, v) -> filters.add(Filter.builder().name("tag:" + k).values(v).build()));
        filters.add(Filter.builder().name("instance-state-name").values(LIVE).build());
        return ec2.describeInstancesPaginator(r -> r.filters(filters)).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList();
    }

    private List<Instance> members() {
        return instances(Map.of("infrakit.group", GROUP));
    }

    private static Set<String> ids(List<Instance> is) {
        return is.stream().map(Instance::instanceId).collect(Collectors.toSet());
    }

    private static String tag(Instance i, String key) {
        return i.tags().stream().filter(t -> t.key().equals(key)).map(t -> t.value()).findFirst().orElse(null);
    }

    private String properties(String init) {
        return "{\"Allocation\":{\"Size\":3},"
                + "\"Instance\":{\"Plugin\":\"instance-aws\",\"Properties\":{\"ImageId\":\"" + imageId + "\","
                + "\"InstanceType\":\"t2.micro\"}},"
                + "\"Flavor\":{\"Plugin\":\"vanilla\",\"Properties\":{\"Init\":[\"" + init + "\"],"
                + "\"Tags\":{\"role\":\"worker\"}}}}";
    }

    private static String sha(String properties) throws Exception {
        return GroupConfig.parse(new RawJson(properties)).configSha();
    }

    private String commit(String properties) throws Exception {
        return GroupFixture.commit(groupClient, GROUP, properties, false).get("Details").asText();
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        GroupFixture.await(what, PATIENCE, done);
    }

    @Test
    void aGroupOfThreeInstancesHealsRollsAndIsDestroyed() throws Exception {
        String v1 = properties("echo v1");
        String v2 = properties("echo v2");
        assertThat(commit(v1)).isEqualTo("Managing 3 instances");
        await("3 instances of v1", () -> members().size() == 3);
        assertThat(members()).allSatisfy(i -> {
            assertThat(tag(i, "infrakit.config_sha")).isEqualTo(sha(v1));
            assertThat(tag(i, "role")).isEqualTo("worker");
        });

        // Self-healing: an instance terminated behind the group's back is replaced by a new one.
        Set<String> before = ids(members());
        String victim = before.iterator().next();
        ec2.terminateInstances(r -> r.instanceIds(victim));
        await("the terminated instance replaced", () -> {
            List<Instance> m = members();
            return m.size() == 3 && !ids(m).contains(victim);
        });
        assertThat(ids(members())).containsAll(before.stream().filter(id -> !id.equals(victim)).toList());

        // A rolling update: never more than 3 instances, never fewer than 2, until all 3 are new and of v2.
        Set<String> old = ids(members());
        assertThat(commit(v2)).isEqualTo("Performing a rolling update on 3 instances");
        String sha2 = sha(v2);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            List<Instance> m = members();
            assertThat(m.size()).as("one instance replaced at a time").isBetween(2, 3);
            if (m.size() == 3 && m.stream().allMatch(i -> sha2.equals(tag(i, "infrakit.config_sha")))) {
                break;
            }
            assertThat(System.nanoTime()).as("rolled within " + PATIENCE.toSeconds() + " s").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(ids(members())).doesNotContainAnyElementsOf(old);

        // Destroy: every instance of the group is terminated, and nothing else of the namespace is left either.
        assertThat(GoFields.parse(groupClient.callMethod("Group.DestroyGroup", GroupService.idResult(GROUP)).json())
                .toString()).isEqualTo("{\"ID\":\"" + GROUP + "\"}");
        await("no instance left", () -> instances(Map.of()).isEmpty());
    }
}
