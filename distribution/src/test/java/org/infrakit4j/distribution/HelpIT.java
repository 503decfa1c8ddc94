package org.infrakit4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every launcher's --help: its own default socket, paths never cut at a line end, and the README's defaults. */
class HelpIT {
    private static String help(String launcher) throws Exception {
        Release.Result help = Release.run(List.of(Release.DIST.resolve("bin/" + launcher).toString(), "--help"),
                Map.of(), Duration.ofMinutes(1));
        assertThat(help.exit()).as("%s --help: %s", launcher, help.err()).isZero();
        return help.out();
    }

    private static List<String> launchers() throws Exception {
        try (Stream<Path> bin = Files.list(Release.DIST.resolve("bin"))) {
            return bin.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("infrakit-instance-"))
                    .sorted().toList();
        }
    }

    @Test
    void everyLauncherNamesItsOwnDefaultSocketAndKeepsPathsWhole() throws Exception {
        assertThat(launchers()).contains("infrakit-instance-file", "infrakit-instance-docker",
                "infrakit-instance-libvirt", "infrakit-instance-aws");
        for (String launcher : launchers()) {
            String text = help(launcher);
            String socket = launcher.substring("infrakit-".length());
            assertThat(text.replaceAll("\\s+", " ")).as(launcher).contains("(default: " + socket + ")");
            // Paths and variables whole on one line: a line break inside one would split them here.
            assertThat(text).as(launcher).contains("$INFRAKIT_PLUGINS_DIR", "$INFRAKIT_HOME/plugins",
                    "~/.infrakit/plugins");
            assertThat(text.lines()).as("%s: no trailing spaces", launcher).noneMatch(l -> l.endsWith(" "));
        }
        assertThat(help("infrakit-instance-file")).contains("$INFRAKIT_HOME/instance-file",
                "~/.infrakit/instance-file", "$INFRAKIT_INSTANCE_FILE_DIR");
        assertThat(help("infrakit-instance-docker")).contains("unix:///var/run/docker.sock");
        assertThat(help("infrakit-instance-libvirt")).contains("qemu:///system");
    }

    @Test
    void theDockerTlsFlagsSayWhatTheReadmeSays() throws Exception {
        String text = help("infrakit-instance-docker").replaceAll("\\s+", " ");
        String readme = Files.readString(Release.ROOT.resolve("README.md"));
        String tls = row(readme, "| `--tls-verify`");
        String certs = row(readme, "| `--cert-path DIR`");
        assertThat(text).contains("--[no-]tls-verify").contains("(default: on when $DOCKER_TLS_VERIFY is set and not "
                + "empty)").contains("(default: $DOCKER_CERT_PATH, else ~/.docker)");
        assertThat(tls).contains("on when `$DOCKER_TLS_VERIFY` is set and not empty");
        assertThat(certs).contains("`$DOCKER_CERT_PATH`, else `~/.docker`");
        assertThat(row(readme, "| `--name NAME`")).contains("`instance-file`", "`instance-docker`",
                "`instance-libvirt`", "`instance-aws`");
    }

    private static String row(String readme, String start) {
        return readme.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no row " + start));
    }
}
