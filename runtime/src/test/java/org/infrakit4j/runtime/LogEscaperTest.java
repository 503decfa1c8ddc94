package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class LogEscaperTest {
    @Test
    void plainTextIsReturnedAsItIs() {
        String text = "call failed method=\"Instance.Label\" instance=\"i-1\" error=\"no such instance: ünïcode 😀\"";
        assertThat(LogEscaper.escape(text)).isSameAs(text);
    }

    @Test
    void lineBreaksControlsSeparatorsAndBidiOverridesAreEscaped() {
        assertThat(LogEscaper.escape("a\nb\r\nc\td\u0000e\u001bf\u007fg\u0085h\u2028i\u2029j\u202ek\u2066l"))
                .isEqualTo("a\\nb\\r\\nc\\td\\u0000e\\u001bf\\u007fg\\u0085h\\u2028i\\u2029j\\u202ek\\u2066l");
    }

    @Test
    void theTextPatternKeepsAnEventOnOneLineEndedByANewline() {
        LoggerContext ctx = new LoggerContext();
        LogSetup.registerEscaper(ctx);
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        layout.setPattern(LogSetup.TEXT_PATTERN);
        layout.start();
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger("RpcDispatcher"), Level.WARN, "call failed", null,
                null);
        event.addKeyValuePair(new org.slf4j.event.KeyValuePair("instance", "i-1\n2026-01-01T00:00:00Z INFO forged"));
        String line = layout.doLayout(event);
        assertThat(line).endsWith(" WARN  RpcDispatcher - call failed instance=\"i-1\\n2026-01-01T00:00:00Z INFO "
                + "forged\"" + System.lineSeparator());
        assertThat(line.lines()).hasSize(1);
    }
}
