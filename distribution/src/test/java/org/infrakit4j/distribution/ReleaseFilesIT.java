package org.infrakit4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the tarball carries besides the plugins: the licence texts and a systemd unit per plugin that systemd accepts. */
class ReleaseFilesIT {
    private static Path work;
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "ik4j-files");
        home = Release.unpack(work);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (work != null) {
            Release.run(List.of("rm", "-rf", work.toString()), Map.of(), Duration.ofMinutes(1));
        }
    }

    @Test
    void theLicenceIsApacheTwoAsAtTheRoot() throws Exception {
        String license = Files.readString(home.resolve("LICENSE"));
        assertThat(license).isEqualTo(Files.readString(Release.ROOT.resolve("LICENSE")))
                .contains("Apache License", "Version 2.0, January 2004", "END OF TERMS AND CONDITIONS");
    }

    @Test
    void everyBundledJarIsListedWithItsLicence() throws Exception {
        String thirdParty = Files.readString(home.resolve("THIRD-PARTY.txt"));
        List<String> jars;
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            jars = lib.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar"))
                    .filter(n -> !n.startsWith("infrakit4j-")).sorted().toList();
        }
        assertThat(jars).as("the AWS SDK and BouncyCastle are bundled").contains("bcprov-jdk18on-1.82.jar")
                .anyMatch(n -> n.startsWith("ec2-"));
        for (String jar : jars) {
            String artifactVersion = jar.substring(0, jar.length() - ".jar".length());
            assertThat(thirdParty.lines().filter(l -> l.matches("\\(.+\\) .*\\([^:() ]+:[^:() ]+:[^:() ]+ - .*\\)"))
                    .anyMatch(l -> l.replaceFirst(".*\\([^:() ]+:([^:() ]+):([^:() ]+) - [^()]*\\)$", "$1-$2")
                            .equals(artifactVersion)))
                    .as("THIRD-PARTY.txt lists %s with a licence", jar).isTrue();
        }
        assertThat(thirdParty).doesNotContain("Unknown license").doesNotContain("org.infrakit4j:")
                .contains("(org.bouncycastle:bcprov-jdk18on:1.82 - ");
    }

    @Test
    void theNoticeCarriesTheBundledJarsNotices() throws Exception {
        String notice = Files.readString(home.resolve("NOTICE"));
        assertThat(notice).startsWith(Files.readString(Release.ROOT.resolve("NOTICE")))
                .contains("From annotations-2.57.8.jar, ") // the AWS SDK's one notice, once for all its jars
                .contains("AWS SDK for Java").contains("Apache Commons Lang");
        assertThat(notice.split("AWS SDK for Java 2.0\n", -1)).as("the SDK's notice appears once").hasSize(2);
    }

    @Test
    void everyPluginHasASystemdUnitThatSystemdAccepts() throws Exception {
        List<Path> units;
        try (Stream<Path> dir = Files.list(home.resolve("systemd"))) {
            units = dir.sorted().toList();
        }
        List<String> launchers;
        try (Stream<Path> bin = Files.list(home.resolve("bin"))) {
            // Every long-running plugin (instance plugins, the group plugin); not the infrakit4j command.
            launchers = bin.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("infrakit-instance-") || n.equals("infrakit-group")).sorted().toList();
        }
        assertThat(launchers).contains("infrakit-group", "infrakit-instance-file");
        assertThat(home.resolve("bin/infrakit4j")).isExecutable();
        assertThat(units).extracting(p -> p.getFileName().toString())
                .containsExactlyElementsOf(launchers.stream().map(n -> n + ".service").toList());
        for (Path unit : units) {
            String name = unit.getFileName().toString().replace(".service", "");
            assertThat(Files.readString(unit)).contains("ExecStart=/opt/infrakit4j/bin/" + name
                    + " --plugins-dir /run/infrakit/plugins $ARGS", "User=infrakit", "Restart=on-failure",
                    "RuntimeDirectory=infrakit/plugins", "Environment=JAVA_OPTS=", "KillSignal=SIGTERM");
        }
        Release.Result which = Release.run(List.of("sh", "-c", "command -v systemd-analyze"), Map.of(),
                Duration.ofSeconds(30));
        assertThat(which.exit()).as("systemd-analyze is missing: install Debian's systemd package "
                + "(scripts/test.sh does)").isZero();
        // The units name /opt/infrakit4j, which systemd-analyze checks exists: in a mount namespace of its own the
        // unpacked release is mounted there, so nothing on the machine changes.
        StringBuilder script = new StringBuilder("mount -t tmpfs tmpfs /opt && mkdir /opt/infrakit4j"
                + " && mount --bind \"$IK4J_HOME\" /opt/infrakit4j && systemd-analyze verify");
        for (Path unit : units) {
            script.append(" /opt/infrakit4j/systemd/").append(unit.getFileName());
        }
        Release.Result verify = Release.run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                script.toString()), Map.of("IK4J_HOME", home.toString()), Duration.ofMinutes(2));
        assertThat(verify.exit()).as("systemd-analyze verify: %s%s", verify.out(), verify.err()).isZero();
        assertThat(verify.out() + verify.err()).as("systemd-analyze verify says nothing about the units").isEmpty();
    }
}
