package org.infrakit4j.rpc;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code --log-level} and {@code --log-format}. With the distribution's conf/logback.xml (appenders
 * {@code TEXT} and {@code JSON}) the unselected appender is detached; without it, a stderr appender is built here.
 */
final class LogSetup {
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg %kvp%n";
    private static final List<String> NOISY = List.of("org.eclipse.jetty", "software.amazon", "com.github.dockerjava",
            "org.apache.hc", "io.netty", "com.sun.jna");

    private LogSetup() {
    }

    static void configure(String level, String format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        String selected = format.toUpperCase(java.util.Locale.ROOT);
        if (root.getAppender("TEXT") != null && root.getAppender("JSON") != null) {
            root.detachAppender(selected.equals("JSON") ? "TEXT" : "JSON");
            return;
        }
        root.detachAndStopAllAppenders();
        for (String noisy : NOISY) {
            ctx.getLogger(noisy).setLevel(Level.WARN);
        }
        Encoder<ILoggingEvent> encoder;
        if (selected.equals("JSON")) {
            JsonEncoder json = new JsonEncoder();
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithContext(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(TEXT_PATTERN);
            encoder = text;
        }
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setName(selected);
        appender.setTarget("System.err");
        appender.setContext(ctx);
        appender.setEncoder(encoder);
        appender.start();
        root.addAppender(appender);
    }
}
