package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console log a reaped domain's last state shows: where the domain XML puts it, and its bounded tail. */
class LibvirtConsoleLogTest {
    private static final LibvirtMetadata META = new LibvirtMetadata(Optional.empty(), Map.of(), List.of(), 0);

    private static String domain(String console, String logFile) {
        LibvirtProperties p = LibvirtPropertiesDecoder.decode(new RawJson("{\"Console\":" + console + "}"));
        return LibvirtDomainXml.build(p, "qemu", "d-0123456789ab", META, List.of(), List.of(), logFile);
    }

    @Test
    void aGeneratedConsoleIsLoggedToTheFileGivenAndAppendedTo() {
        assertThat(domain("true", "/var/log/ik4j/d-0123456789ab.console.log"))
                .contains("<serial type=\"pty\"><log append=\"on\" file=\"/var/log/ik4j/d-0123456789ab.console.log\"/>"
                        + "</serial><console type=\"pty\"/>");
        assertThat(LibvirtConsoleLog.logFile(LibvirtXml.parse(domain("true", "/x/y.log")))).isEqualTo("/x/y.log");
        assertThat(domain("true", null)).contains("<serial type=\"pty\"/>").doesNotContain("<log");
        assertThat(domain("false", "/x/y.log")).doesNotContain("<log").doesNotContain("<serial");
        assertThat(LibvirtConsoleLog.logFile(LibvirtXml.parse(domain("true", null)))).isNull();
    }

    @Test
    void aTemplatesOwnConsoleLogIsFound() {
        assertThat(LibvirtConsoleLog.logFile(LibvirtXml.parse("<domain type='kvm'><devices><serial type='pty'/>"
                + "<console type='file'><source path='/a'/><log file='/b/c.log'/></console></devices></domain>")))
                .isEqualTo("/b/c.log");
    }

    @Test
    void theTailIsTheLastTwentyLinesWithinFourKiB(@TempDir Path dir) throws Exception {
        Path short1 = dir.resolve("short.log");
        Files.writeString(short1, IntStream.range(0, 50).mapToObj(i -> "line " + i + "\r\n")
                .collect(Collectors.joining()));
        assertThat(LibvirtConsoleLog.tail(short1)).isEqualTo(IntStream.range(30, 50).mapToObj(i -> "line " + i)
                .collect(Collectors.joining("\n")));

        Path longLines = dir.resolve("long.log");
        String big = "x".repeat(1000);
        Files.writeString(longLines, IntStream.range(0, 30).mapToObj(i -> i + big + "\n").collect(Collectors.joining()));
        String tail = LibvirtConsoleLog.tail(longLines);
        assertThat(tail.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(LibvirtConsoleLog.MAX_BYTES);
        assertThat(tail.lines().toList()).hasSize(4).last().isEqualTo("29" + big);
        assertThat(tail).startsWith("26" + big);

        Path empty = Files.createFile(dir.resolve("empty.log"));
        assertThat(LibvirtConsoleLog.tail(empty)).isEmpty();
    }

    @Test
    void aMissingOrUnreadableLogIsSaidSo(@TempDir Path dir) {
        assertThat(LibvirtConsoleLog.lastLines(LibvirtXml.parse(domain("true", null))))
                .containsOnlyKeys("consoleLogMissing");
        assertThat(LibvirtConsoleLog.lastLines(LibvirtXml.parse(domain("true",
                dir.resolve("nothing-here.log").toString())))).extractingByKey("consoleLogMissing").asString()
                .endsWith("nothing-here.log is not readable on the plugin's host");
    }
}
