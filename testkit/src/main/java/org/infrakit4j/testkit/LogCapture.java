package org.infrakit4j.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event of this JVM while open, with infrakit4j's own loggers (and a provider's package, for a
 * provider outside {@code org.infrakit4j}) turned up to TRACE (libraries stay at their configured levels, as in
 * production), to prove that secrets never reach a log line.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    /** Test secrets start with this, so the test command can also grep every log of a run for them. */
    public static final String SECRET_PREFIX = "ik4j-secret-";

    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger root;
    private final List<Logger> ours = new ArrayList<>();
    private final List<Level> oursBefore = new ArrayList<>();

    private LogCapture(String... packages) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (String name : packages) {
            Logger logger = context.getLogger(name);
            ours.add(logger);
            oursBefore.add(logger.getLevel());
        }
        setContext(context);
        setName("ik4j-capture");
        start();
    }

    /** Starts capturing, with infrakit4j's loggers at TRACE. */
    public static LogCapture everything() {
        return everything("org.infrakit4j");
    }

    /** Starts capturing, with the loggers of {@code packages} (e.g. a provider's own package) at TRACE. */
    public static LogCapture everything(String... packages) {
        LogCapture capture = new LogCapture(packages);
        capture.ours.forEach(l -> l.setLevel(Level.TRACE));
        capture.root.addAppender(capture);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        events.add(event);
    }

    public List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /**
     * The rendered events that contain {@code secret}, or the base64 form of {@code text} (which starts with the
     * secret) as user-data travels to some backends.
     */
    public List<String> containing(String secret, String text) {
        byte[] head = text.substring(0, text.indexOf(secret) + secret.length()).getBytes(StandardCharsets.UTF_8);
        String encoded = Base64.getEncoder().encodeToString(Arrays.copyOf(head, head.length / 3 * 3));
        List<String> hits = new ArrayList<>();
        for (ILoggingEvent e : events) {
            String rendered = render(e);
            if (rendered.contains(secret) || rendered.contains(encoded)) {
                hits.add(rendered);
            }
        }
        return hits;
    }

    private static String render(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            e.getKeyValuePairs().forEach(kv -> b.append(' ').append(kv.key).append('=').append(kv.value));
        }
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        for (int i = 0; i < ours.size(); i++) {
            ours.get(i).setLevel(oursBefore.get(i));
        }
        stop();
    }
}
