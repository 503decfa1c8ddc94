package org.infrakit4j.aws;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.testkit.PluginProcess;
import org.infrakit4j.testkit.SelfHealingContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Self-healing of plugin-aws, run as its own process on the shared EC2 emulator in a namespace of its own: a member
 * is killed with StopInstances (as an operator, a shutdown inside the guest or a spot interruption leaves it).
 */
class Ec2SelfHealingTest extends SelfHealingContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Path home;
    private PluginProcess processes;
    private Ec2Client admin;

    @BeforeEach
    void home() throws IOException {
        processes = PluginProcess.inNewHome(Ec2Main.class, "ik4jh-", Ec2Emulator.processEnvironment());
        home = processes.home();
        admin = Ec2Emulator.client();
    }

    @AfterEach
    void cleanUp() throws Exception {
        processes.close();
        try {
            // Whatever the test left, stopped ones included: terminated behind the plugin's back.
            for (String leftover : Ec2Emulator.liveInstances(admin, "ik4j.run", run)) {
                admin.terminateInstances(r -> r.instanceIds(leftover));
            }
        } finally {
            admin.close();
        }
    }

    @Override
    protected Path startPlugin(List<String> flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--region", Ec2Emulator.REGION, "--endpoint",
                Ec2Emulator.endpoint().toString(), "--namespace", "ik4j.run=" + run, "--max-retries", "3"));
        args.addAll(flags);
        Process p = processes.start(args.toArray(String[]::new));
        Path socket = processes.socket(Ec2Main.DEFAULT_NAME);
        PluginProcess.awaitSocket(socket, p, Duration.ofSeconds(60));
        return socket;
    }

    @Override
    protected RawJson memberProperties() {
        return new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\"}");
    }

    /** StopInstances on the emulator, then waits until EC2 describes it stopping or stopped. */
    @Override
    protected void killFromOutside(InstanceId id) throws Exception {
        admin.stopInstances(r -> r.instanceIds(id.value()));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Ec2TagFilters.DEAD_STATES.contains(stateInEc2(id))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(id.value() + " not stopped 60 s after StopInstances: " + stateInEc2(id));
            }
            Thread.sleep(200);
        }
    }

    /** In any state but terminated (moto lists terminated instances for a while; EC2 too, for about an hour). */
    @Override
    protected boolean existsInBackend(InstanceId id) {
        String state = stateInEc2(id);
        return !state.isEmpty() && !state.equals("terminated");
    }

    /** EC2's state of the instance; empty when EC2 does not know it (any more). */
    private String stateInEc2(InstanceId id) {
        try {
            List<Instance> found = admin.describeInstances(r -> r.instanceIds(id.value())).reservations().stream()
                    .flatMap(r -> r.instances().stream()).toList();
            return found.isEmpty() ? "" : Ec2TagFilters.state(found.get(0));
        } catch (SdkException e) {
            if (Ec2Errors.instanceNotFound(e)) {
                return "";
            }
            throw e;
        }
    }

    /** EC2's own member: {@code State.Name}. */
    @Override
    protected String stateOf(Description described) {
        try {
            return JSON.readTree(described.properties().json()).path("State").path("Name").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Set<String> deadStates() {
        return Set.copyOf(Ec2TagFilters.DEAD_STATES);
    }

    @Override
    protected String logicalId(String suggested) {
        // As the contract test: an IP LogicalID becomes the private IP, which must lie in the default VPC.
        return Ec2LaunchRequest.isIpv4(suggested) ? suggested.replaceFirst("^\\d+\\.\\d+", "172.31") : suggested;
    }
}
