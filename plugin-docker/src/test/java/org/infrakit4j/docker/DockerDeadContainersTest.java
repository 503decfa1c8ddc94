package org.infrakit4j.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.infrakit4j.spi.BackendMeter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a container is dead, and how its last output is cut for the log; no engine needed. */
class DockerDeadContainersTest {
    private final DockerEngine engine = DockerEngine.connect(DockerEngine.Config.of("unix:///nonexistent/d.sock"),
            BackendMeter.NONE);
    private final DockerDeadContainers dead = new DockerDeadContainers(engine, new DockerLabels(Map.of()),
            new DockerInstanceLocks(), id -> false, (c, why) -> CompletableFuture.completedFuture(null));
    private final Instant now = Instant.parse("2026-12-06T12:00:00Z");

    @AfterEach
    void close() throws Exception {
        engine.close();
    }

    @Test
    void exitedAndDeadAreDeadAndTheRunningOnesAreNot() {
        Instant longAgo = now.minusSeconds(3600);
        assertThat(dead.deadState("a", "exited", longAgo, now)).contains("exited");
        assertThat(dead.deadState("a", "dead", longAgo, now)).contains("dead");
        for (String alive : new String[] {"running", "restarting", "paused", "removing"}) {
            assertThat(dead.deadState("a", alive, longAgo, now)).as(alive).isEmpty();
        }
    }

    @Test
    void aCreatedContainerIsDeadOnlyAMinuteAfterItsCreateAndNeverWhileThePluginStartsIt() {
        assertThat(dead.deadState("a", "created", now.minusSeconds(59), now)).as("a start may still come").isEmpty();
        assertThat(dead.deadState("a", "created", now.minusSeconds(61), now)).contains("created");
        dead.starting("a");
        assertThat(dead.deadState("a", "created", now.minusSeconds(3600), now)).as("being set up").isEmpty();
        assertThat(dead.deadState("a", "exited", now.minusSeconds(3600), now)).as("a pet started again").isEmpty();
        dead.started("a");
        assertThat(dead.deadState("a", "exited", now.minusSeconds(3600), now)).contains("exited");
    }

    @Test
    void theLastTwentyLinesAreKeptEachEscaped() {
        String text = IntStream.rangeClosed(1, 30).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"))
                + "\n";
        assertThat(DockerDeadContainers.lastLines(text)).isEqualTo(IntStream.rangeClosed(11, 30)
                .mapToObj(i -> "line " + i).collect(Collectors.joining("\\n")));
        assertThat(DockerDeadContainers.lastLines("a\tb\u001b[31m\r\nforged\u2028line\n"))
                .isEqualTo("a\\tb\\u001b[31m\\nforged\\u2028line");
        assertThat(DockerDeadContainers.lastLines("")).isEmpty();
    }

    @Test
    void theOutputIsCutToFourKibibytesFromItsEnd() {
        String longLine = "x".repeat(3000);
        String cut = DockerDeadContainers.lastLines("first\n" + longLine + "\n" + longLine + "\nlast\n");
        assertThat(cut).isEqualTo(longLine + "\\nlast");
        String huge = DockerDeadContainers.lastLines("y".repeat(10_000) + "end\n");
        assertThat(huge.getBytes(StandardCharsets.UTF_8)).hasSize(DockerDeadContainers.LOG_BYTES);
        assertThat(huge).startsWith("...").endsWith("yend");
    }
}
