package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The text and JSON log formats as log readers and pipelines take them. */
class LogFormatsTest {
    private final LoggerContext ctx = new LoggerContext();

    private LoggingEvent event(String message, Object... pairs) {
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger("org.infrakit4j.rpc.RpcDispatcher"), Level.WARN,
                message, null, null);
        event.setTimeStamp(1_780_000_000_123L);
        for (int i = 0; i < pairs.length; i += 2) {
            event.addKeyValuePair(new KeyValuePair((String) pairs[i], pairs[i + 1]));
        }
        return event;
    }

    private String text(LoggingEvent event) {
        LogSetup.registerEscaper(ctx);
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        layout.setPattern(LogSetup.TEXT_PATTERN);
        layout.start();
        return layout.doLayout(event);
    }

    private JsonNode json(LoggingEvent event) throws Exception {
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(ctx);
        encoder.start();
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n");
        assertThat(line.lines()).hasSize(1);
        return new ObjectMapper().readTree(line);
    }

    @Test
    void textQuotesStringsEscapingQuotesAndWritesNumbersAndDurationsBare() {
        String line = text(event("call failed", "method", "Instance.Label", "error", "no such instance: \"i-1\" \\o/",
                "durationMs", 12L, "took", Duration.ofMillis(1500), "ok", false));
        assertThat(line).endsWith(" WARN  RpcDispatcher - call failed method=\"Instance.Label\" "
                + "error=\"no such instance: \\\"i-1\\\" \\\\o/\" durationMs=12 took=1500 ok=false"
                + System.lineSeparator());
    }

    @Test
    void aTextLineWithoutPairsHasNoTrailingSpace() {
        String line = text(event("stopping"));
        assertThat(line).endsWith(" - stopping" + System.lineSeparator());
    }

    @Test
    void jsonHasTheStandardFieldsAndEachPairAsATypedTopLevelField() throws Exception {
        JsonNode event = json(event("call failed", "method", "Instance.Label", "durationMs", 12L, "ratio", 0.5,
                "took", Duration.ofSeconds(2), "ok", true, "none", null, "instance", "i-1\nforged"));
        assertThat(event.path("timestamp").asText()).isEqualTo("2026-05-28T20:26:40.123Z");
        assertThat(event.path("level").asText()).isEqualTo("WARN");
        assertThat(event.path("logger").asText()).isEqualTo("org.infrakit4j.rpc.RpcDispatcher");
        assertThat(event.path("message").asText()).isEqualTo("call failed");
        assertThat(event.path("method").isTextual()).isTrue();
        assertThat(event.path("durationMs").isIntegralNumber()).isTrue();
        assertThat(event.path("durationMs").asLong()).isEqualTo(12);
        assertThat(event.path("ratio").isDouble()).isTrue();
        assertThat(event.path("took").asLong()).as("a Duration in whole ms").isEqualTo(2000);
        assertThat(event.path("ok").isBoolean()).isTrue();
        assertThat(event.path("none").isNull()).isTrue();
        assertThat(event.path("instance").asText()).isEqualTo("i-1\nforged");
    }

    @Test
    void aPairNamedLikeAStandardFieldOrRepeatedDoesNotReplaceIt() throws Exception {
        JsonNode event = json(event("hello", "message", "mine", "level", 3, "k", 1, "k", 2));
        assertThat(event.path("message").asText()).isEqualTo("hello");
        assertThat(event.path("kv_message").asText()).isEqualTo("mine");
        assertThat(event.path("level").asText()).isEqualTo("WARN");
        assertThat(event.path("kv_level").asInt()).isEqualTo(3);
        assertThat(event.path("k").asInt()).isEqualTo(1);
        assertThat(event.path("kv_k").asInt()).isEqualTo(2);
    }

    @Test
    void anExceptionIsOneFieldWithItsStackTrace() throws Exception {
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger("a.B"), Level.ERROR, "failed",
                new IllegalStateException("boom"), null);
        JsonNode node = json(event);
        assertThat(node.path("exception").asText()).startsWith("java.lang.IllegalStateException: boom")
                .contains("\tat ");
    }
}
