package org.infrakit4j.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.pattern.DynamicConverter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code --log-level} and {@code --log-format}. With the distribution's conf/logback.xml (appenders
 * {@code TEXT} and {@code JSON}) the unselected appender is detached; without it, a stderr appender is built here.
 */
final class LogSetup {
    /** As conf/logback.xml's; the empty braces end the composite, else logback prints the {@code %n} literally. */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %" + LogEscaper.WORD
            + "(%msg%" + LogKeyValues.WORD + "){}%n";
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
        registerEscaper(ctx);
        if (selected.equals("JSON")) {
            JsonLogEncoder json = new JsonLogEncoder();
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

    /** Makes {@code %escaped} and {@code %kv} known to the patterns built here (logback.xml declares its own). */
    @SuppressWarnings("unchecked")
    static void registerEscaper(LoggerContext ctx) {
        Map<String, Supplier<DynamicConverter>> rules = (Map<String, Supplier<DynamicConverter>>)
                ctx.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
        if (rules == null) {
            rules = new HashMap<>();
            ctx.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        }
        rules.put(LogEscaper.WORD, LogEscaper::new);
        rules.put(LogKeyValues.WORD, LogKeyValues::new);
    }
}
