package org.infrakit4j.runtime;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The logs' timestamps, ISO-8601 with milliseconds and offset ({@code 2026-12-06T21:44:23.595Z},
 * {@code 2026-12-06T22:44:23.595+01:00}): the text format's {@code %isotime} (the system's zone) and the JSON
 * format's {@code timestamp} (UTC). Written by hand, as {@code yyyy-MM-dd'T'HH:mm:ss.SSSXXX} would print it, because
 * a {@code DateTimeFormatter} pattern loads the JDK's locale providers (CLDR) when it is built: 80 ms of a plugin's
 * start-up, on the way to its socket.
 */
public final class LogTimestamp extends ClassicConverter {
    /** The conversion word the text pattern uses. */
    public static final String WORD = "isotime";
    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    public String convert(ILoggingEvent event) {
        return format(event.getTimeStamp(), zone);
    }

    /** {@code epochMilli} in {@code zone}, as {@code yyyy-MM-dd'T'HH:mm:ss.SSSXXX} formats it. */
    public static String format(long epochMilli, ZoneId zone) {
        Instant at = Instant.ofEpochMilli(epochMilli);
        ZoneOffset offset = zone.getRules().getOffset(at);
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(epochMilli, 1000L),
                (int) Math.floorMod(epochMilli, 1000L) * 1_000_000, offset);
        StringBuilder out = new StringBuilder(29);
        pad(out, t.getYear(), 4).append('-');
        pad(out, t.getMonthValue(), 2).append('-');
        pad(out, t.getDayOfMonth(), 2).append('T');
        pad(out, t.getHour(), 2).append(':');
        pad(out, t.getMinute(), 2).append(':');
        pad(out, t.getSecond(), 2).append('.');
        pad(out, t.getNano() / 1_000_000, 3);
        int seconds = offset.getTotalSeconds();
        if (seconds == 0) {
            return out.append('Z').toString();
        }
        out.append(seconds < 0 ? '-' : '+');
        int abs = Math.abs(seconds);
        pad(out, abs / 3600, 2).append(':');
        return pad(out, abs / 60 % 60, 2).toString(); // XXX drops the seconds of an old local-mean-time offset

    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }
}
