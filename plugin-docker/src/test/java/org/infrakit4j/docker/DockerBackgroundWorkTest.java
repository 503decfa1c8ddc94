package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.junit.jupiter.api.Test;

/** The bounded backlog of set-ups and removals: a fixed pool, and a clear refusal once the limit is reached. */
class DockerBackgroundWorkTest {

    @Test
    void oneWorkBeyondTheLimitIsRefusedAtOnceAndASlotFreesWhenWorkEnds() throws Exception {
        DockerBackgroundWork work = new DockerBackgroundWork("unix:///e.sock");
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Void>> running = new ArrayList<>();
        try {
            for (int i = 0; i < DockerBackgroundWork.LIMIT; i++) {
                running.add(work.start(work.reserve("w" + i), "w" + i, () -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            assertThat(work.underWay()).isEqualTo(DockerBackgroundWork.LIMIT);
            assertThatThrownBy(() -> work.reserve("setting up a container from busybox"))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: docker engine at unix:///e.sock: "
                                + DockerBackgroundWork.LIMIT + " container set-ups and removals already under way, "
                                + "not setting up a container from busybox; retry later");
                    });
            release.countDown();
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            DockerTestBackend.await(Duration.ofSeconds(30), "every slot free", () -> work.underWay() == 0);
            DockerBackgroundWork.Ticket again = work.reserve("again");
            again.release();
            again.release(); // a ticket frees its slot once
            assertThat(work.underWay()).isZero();
        } finally {
            release.countDown();
            work.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void aClosedPoolRefusesAndFreesTheSlot() throws Exception {
        DockerBackgroundWork work = new DockerBackgroundWork("unix:///e.sock");
        work.close(Duration.ofSeconds(5));
        DockerBackgroundWork.Ticket ticket = work.reserve("removing container c1");
        assertThatThrownBy(() -> work.start(ticket, "removing container c1", () -> { }))
                .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: the plugin is stopping: not removing container c1"));
        assertThat(work.underWay()).isZero();
    }
}
