package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A provider's version is its own jar's, not this build's. */
class BuildInfoTest {
    @Test
    void aClassInAJarReportsThatJarsImplementationVersion() {
        // picocli's jar carries Implementation-Version in its manifest; it is not this build's version.
        String picocli = BuildInfo.versionOf(CommandLine.class);
        assertThat(picocli).matches("4\\.[0-9]+\\.[0-9]+").isNotEqualTo(BuildInfo.version());
    }

    @Test
    void aClassOutsideAJarReportsThisBuildsVersion() {
        // Run from target/classes: no manifest, so the build's own version (from build.properties).
        assertThat(BuildInfo.versionOf(BuildInfoTest.class)).isEqualTo(BuildInfo.version()).isNotBlank();
    }
}
