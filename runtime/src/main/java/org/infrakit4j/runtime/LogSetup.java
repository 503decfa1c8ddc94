package org.infrakit4j.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
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
 * The plugins' logging in code: {@link #defaults} (what {@link LogDefaults} installs when logback starts), then
 * {@link #configure} applies {@code --log-level} and {@code --log-format}. With a configuration file of the user's
 * that declares appenders {@code TEXT} and {@code JSON} (as conf/logback-example.xml does) the unselected one is
 * detached; with any other, a stderr appender of the selected format is built here.
 */
final class LogSetup {
    /**
     * As conf/logback-example.xml's, which {@link TextLogEncoder} prints by hand; the empty braces end the composite,
     * else logback prints the {@code %n} literally.
     */
    static final String TEXT_PATTERN = "%" + LogTimestamp.WORD + " %-5level %logger{0} - %" + LogEscaper.WORD
            + "(%msg%" + LogKeyValues.WORD + "){}%n";
    private static final List<String> NOISY = List.of("org.eclipse.jetty", "software.amazon", "com.github.dockerjava",
            "org.apache.hc", "io.netty", "com.sun.jna");

    private LogSetup() {
    }

    /** Root at info, the libraries' chatter at warn, one text appender on stderr. */
    static void defaults(LoggerContext ctx) {
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
        builtIn(ctx, "TEXT");
    }

    static void configure(String level, String format) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            configure(ctx, level, format);
        }
    }

    static void configure(LoggerContext ctx, String level, String format) {
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        String selected = format.toUpperCase(java.util.Locale.ROOT);
        if (root.getAppender("TEXT") != null && root.getAppender("JSON") != null) {
            root.detachAppender(selected.equals("JSON") ? "TEXT" : "JSON"); // a user's file declaring both
            return;
        }
        // Built anew (also over the built-in defaults): the appender writes to System.err as it is now, which a
        // caller may have replaced since logging started (the test kit's in-process runs do).
        root.detachAndStopAllAppenders();
        builtIn(ctx, selected);
    }

    /** The libraries' chatter at warn and a stderr appender of {@code format}. */
    private static void builtIn(LoggerContext ctx, String format) {
        for (String noisy : NOISY) {
            ctx.getLogger(noisy).setLevel(Level.WARN);
        }
        attach(ctx, format);
    }

    /** A stderr appender named {@code TEXT} or {@code JSON}, with that format, on the root logger. */
    private static void attach(LoggerContext ctx, String format) {
        Encoder<ILoggingEvent> encoder = format.equals("JSON") ? new JsonLogEncoder() : new TextLogEncoder();
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setName(format);
        appender.setTarget("System.err");
        appender.setContext(ctx);
        appender.setEncoder(encoder);
        appender.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    /** Makes {@code %escaped}, {@code %kv} and {@code %isotime} known to a pattern built in code (a configuration file declares its own). */
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
        rules.put(LogTimestamp.WORD, LogTimestamp::new);
    }
}
