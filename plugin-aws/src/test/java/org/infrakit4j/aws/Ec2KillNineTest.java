package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.LogCapture;
import org.infrakit4j.testkit.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The plugin as its own process, killed with SIGKILL while clients provision, then started again under the same
 * name, against the shared EC2 emulator (which stays up). Its own namespace keeps it apart from other tests. The
 * Provisions carry user data; it never reaches the plugin's output (debug level), nor do the credentials.
 */
class Ec2KillNineTest {
    private static final int CLIENTS = 8;
    private static final int ACKNOWLEDGED_BEFORE_KILL = 80;
    private static final String LOAD_KEY = "ik4j.kill-load";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private PluginProcess processes;
    private Ec2Client admin;

    @BeforeEach
    void home() throws Exception {
        processes = PluginProcess.inNewHome(Ec2Main.class, "ik4ja-", Ec2Emulator.processEnvironment());
        admin = Ec2Emulator.client();
    }

    @AfterEach
    void cleanup() throws Exception {
        processes.close();
        try {
            for (String leftover : Ec2Emulator.liveInstances(admin, "ik4j.run", run)) {
                admin.terminateInstances(r -> r.instanceIds(leftover));
            }
        } finally {
            admin.close();
        }
    }

    private Process startPlugin() throws Exception {
        Process p = processes.start("--region", Ec2Emulator.REGION, "--endpoint", Ec2Emulator.endpoint().toString(),
                "--namespace", "ik4j.run=" + run, "--max-retries", "3", "--rate", "0", "--log-level", "debug");
        PluginProcess.awaitSocket(processes.socket(Ec2Main.DEFAULT_NAME), p, Duration.ofSeconds(60));
        return p;
    }

    @Test
    void killNineDuringProvisionsLosesNoInstanceAndOrphansNone() throws Exception {
        Path socket = processes.socket(Ec2Main.DEFAULT_NAME);
        RawJson props = new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\"}");
        String secret = LogCapture.SECRET_PREFIX + run;
        String init = "#!/bin/sh\n# " + secret + "\necho hello";
        Map<InstanceId, Map<String, String>> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger inFlight = new AtomicInteger();
        Process first = startPlugin();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        int inFlightAtKill;
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30))) {
            for (int t = 0; t < CLIENTS; t++) {
                String loader = "c" + t;
                pool.submit(() -> {
                    for (int i = 0; ; i++) {
                        Map<String, String> tags = Map.of(LOAD_KEY, loader, "n", Integer.toString(i));
                        inFlight.incrementAndGet();
                        try {
                            acknowledged.put(client.provision(Spec.of(props, tags).withInit(init)), tags);
                        } catch (RuntimeException e) {
                            return; // the plugin died under this call
                        } finally {
                            inFlight.decrementAndGet();
                        }
                    }
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged.size() < ACKNOWLEDGED_BEFORE_KILL && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            inFlightAtKill = inFlight.get();
            PluginProcess.kill9(first);
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).as("clients see the plugin die").isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(ACKNOWLEDGED_BEFORE_KILL);
        assertThat(socket).as("a killed plugin leaves its socket behind").exists();

        Process second = startPlugin();
        Set<String> inEc2 = Ec2Emulator.liveInstances(admin, "ik4j.run", run);
        List<Description> described;
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(30))) {
            described = client.describeInstances(Map.of(), false);
            Map<String, Description> byId = new ConcurrentHashMap<>();
            described.forEach(d -> byId.put(d.id().value(), d));
            acknowledged.forEach((id, tags) -> {
                assertThat(byId).as("acknowledged %s is described after the restart", id).containsKey(id.value());
                assertThat(byId.get(id.value()).tags()).containsAllEntriesOf(tags).containsEntry("ik4j.run", run);
                assertThat(inEc2).as("acknowledged %s exists in EC2", id).contains(id.value());
            });
            assertThat(byId.keySet()).as("every live instance in EC2 is described, acknowledged or not")
                    .containsExactlyInAnyOrderElementsOf(inEc2);

            ExecutorService destroyers = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<?>> destroys = new ArrayList<>();
                for (Description d : described) {
                    destroys.add(destroyers.submit(() -> client.destroy(d.id(), DestroyContext.TERMINATE)));
                }
                for (Future<?> f : destroys) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                destroyers.shutdownNow();
            }
            assertThat(client.describeInstances(Map.of(), false)).isEmpty();
        }
        assertThat(Ec2Emulator.liveInstances(admin, "ik4j.run", run)).as("orphans in EC2").isEmpty();
        assertThat(second.isAlive()).isTrue();
        String logs = processes.output(0) + processes.output(1);
        assertThat(logs).as("plugin output").contains("launched")
                .doesNotContain(secret, Base64.getEncoder().encodeToString(init.getBytes(StandardCharsets.UTF_8)),
                        Ec2Emulator.CREDENTIALS.resolveCredentials().secretAccessKey(),
                        Ec2Emulator.CREDENTIALS.resolveCredentials().accessKeyId());

        Set<String> unacknowledged = new HashSet<>(inEc2);
        acknowledged.keySet().forEach(id -> unacknowledged.remove(id.value()));
        System.out.printf("RELIABILITY: plugin-aws kill -9 under %d provisioning clients (EC2 emulator): %d "
                + "acknowledged, %d in flight at the kill, %d described after restart, %d live in EC2 (%d made but "
                + "never acknowledged, all described), 0 lost, 0 orphans after destroying all%n", CLIENTS,
                acknowledged.size(), inFlightAtKill, described.size(), inEc2.size(), unacknowledged.size());
    }
}
