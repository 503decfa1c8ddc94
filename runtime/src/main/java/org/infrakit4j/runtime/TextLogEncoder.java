package org.infrakit4j.runtime;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.Charset;
import java.time.ZoneId;

/**
 * The text log format: what {@link LogSetup#TEXT_PATTERN} (conf/logback-example.xml's pattern,
 * {@code %isotime %-5level %logger{0} - %escaped(%msg%kv){}%n}, then the stack trace of an exception) prints,
 * written by hand. Why: logback's pattern layout registers some eighty converters through method references when
 * its class is first used and compiles the pattern at start, about 40 ms of the thread every plugin's start-up waits
 * for before it logs its first line. The same bytes, checked against the pattern layout in the tests.
 */
public final class TextLogEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NONE = new byte[0];
    private static final String LINE = System.lineSeparator();
    private final ZoneId zone = ZoneId.systemDefault();
    /** A pattern without an exception converter gets this one at its end: the same stack trace text. */
    private final ThrowableProxyConverter exceptions = new ThrowableProxyConverter();

    @Override
    public void start() {
        exceptions.setContext(getContext());
        exceptions.start();
        super.start();
    }

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder out = new StringBuilder(160);
        out.append(LogTimestamp.format(event.getTimeStamp(), zone)).append(' ');
        String level = event.getLevel().toString();
        out.append(level);
        for (int i = level.length(); i < 5; i++) {
            out.append(' ');
        }
        String logger = event.getLoggerName();
        out.append(' ').append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(" - ");
        String message = event.getFormattedMessage();
        out.append(LogEscaper.escape((message == null ? "null" : message) + LogKeyValues.of(event)));
        out.append(LINE);
        if (event.getThrowableProxy() != null) {
            out.append(exceptions.convert(event));
        }
        // As logback's layout encoder without a charset: the platform's.
        return out.toString().getBytes(Charset.defaultCharset());
    }
}
