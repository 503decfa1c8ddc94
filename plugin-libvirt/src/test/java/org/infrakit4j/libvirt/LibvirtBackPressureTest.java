package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The background work (domain starts and removals, going on after Provision and Destroy answered) is bounded: once
 * every thread and waiting place is taken, Provision and Destroy are refused at once with {@code backend
 * unavailable} and make nothing, and they work again as soon as a place is free. On libvirt's test driver, with
 * the places taken by work that waits for the test.
 */
class LibvirtBackPressureTest {
    private static final int WAITING = 2;
    private final String prefix = "bp" + UUID.randomUUID().toString().substring(0, 8);
    private final RawJson props = new RawJson("{\"MemoryMiB\":32,\"NamePrefix\":\"" + prefix + "\"}");
    private final LibvirtInstancePlugin plugin = new LibvirtInstancePlugin("test:///default", Map.of(),
            LibvirtTestDriverContractTest.POOL, BackendMeter.NONE, Duration.ofSeconds(10), WAITING);
    private final CountDownLatch unblock = new CountDownLatch(1);

    @AfterEach
    void close() {
        unblock.countDown();
        plugin.close();
    }

    @Test
    void provisionAndDestroyAreRefusedAtOnceWhileTheBackgroundIsFullAndServedOnceItIsNot() throws Exception {
        Map<String, String> tags = Map.of("run", prefix);
        InstanceId kept = plugin.provision(Spec.of(props, tags));
        LibvirtBackground background = plugin.background();
        assertThat(background.capacity()).isEqualTo(LibvirtConnection.MAX_IN_FLIGHT + WAITING);

        // Work that does not finish (as behind a libvirtd that stopped answering) takes every place.
        List<CompletableFuture<Void>> stuck = new ArrayList<>();
        for (int i = 0; i < background.capacity(); i++) {
            stuck.add(background.reserve("block").submit(() -> {
                try {
                    unblock.await(2, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        assertThat(background.outstanding()).isEqualTo(background.capacity());

        long start = System.nanoTime();
        assertThatThrownBy(() -> plugin.provision(Spec.of(props, tags)))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.BACKEND_UNAVAILABLE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("backend unavailable: libvirt is behind: 6 domain starts and removals are "
                        + "running or waiting; not starting to provision a " + prefix + " domain"));
        assertThatThrownBy(() -> plugin.destroy(kept, DestroyContext.TERMINATE))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("backend unavailable: libvirt is behind: "))
                .hasMessageContaining("not starting to destroy " + kept.value());
        // Refused, not queued: neither call waited for the blocked work (which waits for the test).
        assertThat(stuck).noneMatch(CompletableFuture::isDone);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        assertThat(plugin.describeInstances(tags, false)).as("the refused Provision made nothing, the refused "
                + "Destroy removed nothing").extracting(Description::id).containsExactly(kept);
        assertThat(background.outstanding()).as("refusals hold no place").isEqualTo(background.capacity());

        unblock.countDown();
        CompletableFuture.allOf(stuck.toArray(new CompletableFuture[0])).get(1, TimeUnit.MINUTES);
        InstanceId made = plugin.provision(Spec.of(props, tags));
        plugin.destroy(made, DestroyContext.TERMINATE);
        plugin.destroy(kept, DestroyContext.TERMINATE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!plugin.describeInstances(tags, false).isEmpty() || background.outstanding() > 0) {
            assertThat(System.nanoTime()).as("removals done within 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
