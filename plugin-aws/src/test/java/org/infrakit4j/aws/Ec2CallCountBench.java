package org.infrakit4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.infrakit4j.spi.Attachment;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * EC2 API calls per plugin operation, counted by an SDK interceptor against the emulator, beside the reference Go
 * plugin's (reference-providers.md §1.3 to §1.6). Run with {@code -Dbench.excluded= -Dgroups=bench}; the table is
 * printed and written to target/bench-ec2-calls.txt.
 */
@Tag("bench")
class Ec2CallCountBench {
    private static final int N = 60;

    private final StringBuilder table = new StringBuilder();

    private void row(String operation, String reference, Ec2CallCounter counter, int ops) {
        String ours = counter.calls().entrySet().stream()
                .map(e -> e.getKey() + " " + format(e.getValue() / (double) ops)).reduce((a, b) -> a + " + " + b)
                .orElse("none");
        table.append(String.format("%-44s | %-52s | %s (%s)%n", operation, reference,
                format(counter.total() / (double) ops), ours));
        counter.reset();
    }

    private static String format(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.2f", v);
    }

    @Test
    void callsPerOperation() throws Exception {
        Ec2Emulator.reset();
        Ec2CallCounter counter = new Ec2CallCounter();
        RawJson props = new RawJson("{\"ImageId\":\"" + Ec2Emulator.imageId() + "\",\"InstanceType\":\"t2.micro\"}");
        table.append(String.format("%-44s | %-52s | %s%n", "operation", "reference Go plugin (calls)",
                "infrakit4j (calls per operation)"));
        try (Ec2InstancePlugin plugin = Ec2Emulator.plugin(Ec2Emulator.config(), counter);
             Ec2Client admin = Ec2Emulator.client()) {
            plugin.validate(props);
            row("Validate", "0 (no check at all)", counter, 1);

            List<InstanceId> made = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                made.add(plugin.provision(Spec.of(props, Map.of("bench", "cattle"))));
            }
            row("Provision (cattle), mean of " + N, "2 (RunInstances + CreateTags)", counter, N);

            plugin.provision(Spec.of(props, Map.of("bench", "pet")).withLogicalId("pet-1"));
            row("Provision (pet, new)", "2 (RunInstances + CreateTags)", counter, 1);
            plugin.provision(Spec.of(props, Map.of("bench", "pet")).withLogicalId("pet-1"));
            row("Provision (pet, retried)", "2 (a second instance)", counter, 1);

            for (int page : List.of(1000, 25, 7)) {
                try (Ec2InstancePlugin paged = Ec2Emulator.plugin(Ec2Emulator.config().withPageSize(page), counter)) {
                    assertThat(paged.describeInstances(Map.of("bench", "cattle"), false)).hasSize(N);
                }
                row("Describe " + N + " instances, MaxResults " + page, "ceil(N/page) = " + (N + page - 1) / page
                        + " (no MaxResults: EC2 picks the page)", counter, 1);
            }

            plugin.label(made.get(0), Map.of("infrakit.config_sha", "abc"));
            row("Label", "2 (DescribeTags + CreateTags)", counter, 1);

            String v1 = Ec2Emulator.createVolume(admin, "us-east-1a");
            String v2 = Ec2Emulator.createVolume(admin, "us-east-1a");
            InstanceId withVolumes = plugin.provision(new Spec(props, Map.of("bench", "ebs"), "", Optional.empty(),
                    List.of(new Attachment(v1, "ebs"), new Attachment(v2, "ebs"))));
            row("Provision with 2 EBS (call returns)", "2 (+ DescribeVolumes, polls, AttachVolume before return)",
                    counter, 1);
            awaitAttached(admin, withVolumes, List.of(v1, v2));
            row("  background attach of 2 EBS", "1 DescribeVolumes + >=1 DescribeInstances (10 s polls) + "
                    + "2 AttachVolume (the 2nd fails: /dev/sdf twice)", counter, 1);

            plugin.destroy(made.get(1), DestroyContext.TERMINATE);
            row("Destroy", "1 (TerminateInstances)", counter, 1);
            plugin.destroy(made.get(1), DestroyContext.TERMINATE);
            row("Destroy (already terminated)", "1", counter, 1);
        }
        System.out.print(table);
        Files.writeString(Path.of("target", "bench-ec2-calls.txt"), table.toString());
    }

    private static void awaitAttached(Ec2Client admin, InstanceId id, List<String> volumes) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = admin.describeVolumes(r -> r.volumeIds(volumes)).volumes().stream()
                    .allMatch(v -> v.attachments().stream().anyMatch(a -> a.instanceId().equals(id.value())
                            && "attached".equals(a.stateAsString())));
            if (all) {
                Thread.sleep(1000); // let the plugin's own poll see it too
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("volumes not attached");
    }
}
