package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The hand-written text format prints exactly what logback's pattern layout prints for {@code TEXT_PATTERN}. */
class TextLogEncoderTest {
    private final LoggerContext ctx = new LoggerContext();

    private LoggingEvent event(String logger, Level level, String message, Throwable thrown, Object... pairs) {
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger(logger), level, message, thrown, null);
        event.setTimeStamp(1_780_000_000_123L + pairs.length);
        for (int i = 0; i < pairs.length; i += 2) {
            event.addKeyValuePair(new KeyValuePair((String) pairs[i], pairs[i + 1]));
        }
        return event;
    }

    @Test
    void everyEventIsPrintedAsThePatternLayoutPrintsIt() {
        LogSetup.registerEscaper(ctx);
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        layout.setPattern(LogSetup.TEXT_PATTERN);
        layout.start();
        TextLogEncoder encoder = new TextLogEncoder();
        encoder.setContext(ctx);
        encoder.start();

        IllegalStateException cause = new IllegalStateException("inner\nline");
        RuntimeException thrown = new RuntimeException("outer", cause);
        thrown.addSuppressed(new java.io.IOException("suppressed"));
        List<LoggingEvent> events = new ArrayList<>(List.of(
                event("org.infrakit4j.rpc.RpcDispatcher", Level.WARN, "call failed", null, "method", "Instance.Label",
                        "error", "no such \"i-1\" \\o/", "durationMs", 12L, "took", Duration.ofMillis(1500),
                        "ok", false, "none", null),
                event("plain", Level.INFO, "serving", null),
                event("a.b.C", Level.ERROR, "forged\nINFO  line\r\t\u2028\u202e\u0007 é ü 中", null,
                        "id", "i-\n1"),
                event("org.infrakit4j.docker.DockerEngine", Level.DEBUG, "with {} and {}", null),
                event("x.Y", Level.TRACE, "", null),
                event("org.infrakit4j.runtime.PluginLauncher", Level.ERROR, "failed", thrown, "k", 1)));
        events.get(3).setArgumentArray(new Object[] {"one", 2});
        for (LoggingEvent e : events) {
            String expected = layout.doLayout(e);
            assertThat(new String(encoder.encode(e), Charset.defaultCharset())).as(e.getMessage())
                    .isEqualTo(expected);
        }
        assertThat(layout.doLayout(events.get(5))).as("the stack trace is there to compare")
                .contains("Caused by: java.lang.IllegalStateException: inner").contains("Suppressed:");
    }
}
