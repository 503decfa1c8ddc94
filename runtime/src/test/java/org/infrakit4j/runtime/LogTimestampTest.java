package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written timestamps print exactly what logback's date pattern printed before. */
class LogTimestampTest {
    private static final String PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    @Test
    void sameAsTheDatePatternInEveryKindOfZone() {
        // UTC, whole hours, half and three-quarter hours, negative offsets, daylight saving, and a historic offset
        // with seconds (local mean time), of which the pattern prints hours and minutes.
        List<ZoneId> zones = List.of(ZoneOffset.UTC, ZoneId.of("Europe/Berlin"), ZoneId.of("Asia/Kolkata"),
                ZoneId.of("Asia/Kathmandu"), ZoneId.of("America/St_Johns"), ZoneId.of("America/Los_Angeles"),
                ZoneId.of("Europe/Amsterdam"), ZoneId.of("Pacific/Kiritimati"));
        SplittableRandom random = new SplittableRandom(20261206);
        long from = Instant.parse("1900-01-01T00:00:00Z").toEpochMilli();
        long to = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();
        for (ZoneId zone : zones) {
            DateTimeFormatter expected = DateTimeFormatter.ofPattern(PATTERN).withZone(zone);
            for (int i = 0; i < 5_000; i++) {
                long at = random.nextLong(from, to);
                assertThat(LogTimestamp.format(at, zone)).as("%d in %s", at, zone)
                        .isEqualTo(expected.format(Instant.ofEpochMilli(at)));
            }
        }
    }

    @Test
    void knownInstants() {
        long at = Instant.parse("2026-12-06T21:44:23.005Z").toEpochMilli();
        assertThat(LogTimestamp.format(at, ZoneOffset.UTC)).isEqualTo("2026-12-06T21:44:23.005Z");
        assertThat(LogTimestamp.format(at, ZoneId.of("Asia/Kolkata"))).isEqualTo("2026-12-07T03:14:23.005+05:30");
        assertThat(LogTimestamp.format(at, ZoneId.of("America/St_Johns"))).isEqualTo("2026-12-06T18:14:23.005-03:30");
        // Kolkata's local mean time before 1854 was +05:53:28: the pattern prints hours and minutes only.
        assertThat(LogTimestamp.format(Instant.parse("1850-01-01T00:00:00Z").toEpochMilli(),
                ZoneId.of("Asia/Kolkata"))).isEqualTo("1850-01-01T05:53:28.000+05:53");
    }
}
