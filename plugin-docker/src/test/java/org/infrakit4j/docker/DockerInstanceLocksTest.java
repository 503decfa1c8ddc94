package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-container locks: one container's calls run one at a time, other containers' never wait, nothing is kept. */
class DockerInstanceLocksTest {
    private final DockerInstanceLocks locks = new DockerInstanceLocks();
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @Test
    void aCallOnAnotherContainerDoesNotWaitForAHeldOne() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> slow = pool.submit(() -> locks.run("a", () -> {
            holding.countDown();
            await(release);
        }));
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        // "a" is held for up to 60 s: "b" answering within 30 s (a busy machine's margin) shows it did not wait.
        pool.submit(() -> locks.run("b", () -> { })).get(30, TimeUnit.SECONDS);
        Future<?> same = pool.submit(() -> locks.run("a", () -> { }));
        Thread.sleep(200);
        assertThat(same).as("the same container waits").isNotDone();
        release.countDown();
        slow.get(10, TimeUnit.SECONDS);
        same.get(10, TimeUnit.SECONDS);
        assertThat(locks.size()).isZero();
        pool.shutdownNow();
    }

    @Test
    void callsOnOneContainerNeverOverlapAndLeaveNoLockBehind() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        Future<?>[] runs = new Future<?>[8];
        for (int t = 0; t < runs.length; t++) {
            runs[t] = pool.submit(() -> {
                for (int i = 0; i < 2000; i++) {
                    locks.run("x", () -> {
                        if (inside.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        Thread.yield();
                        inside.decrementAndGet();
                    });
                    locks.run("y" + i, () -> { });
                }
            });
        }
        for (Future<?> f : runs) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertThat(overlaps).hasValue(0);
        assertThat(locks.size()).isZero();
        pool.shutdownNow();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
