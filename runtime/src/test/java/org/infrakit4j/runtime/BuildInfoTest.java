package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** A provider's version is its own jar's, not this build's. */
class BuildInfoTest {
    @Test
    void aClassInAJarReportsThatJarsImplementationVersion() {
        // slf4j's jar carries Implementation-Version in its manifest; it is not this build's version.
        String slf4j = BuildInfo.versionOf(Logger.class);
        assertThat(slf4j).matches("2\\.[0-9]+\\.[0-9]+").isNotEqualTo(BuildInfo.version());
    }

    @Test
    void aClassOutsideAJarReportsThisBuildsVersion() {
        // Run from target/classes: no manifest, so the build's own version (from build.properties).
        assertThat(BuildInfo.versionOf(BuildInfoTest.class)).isEqualTo(BuildInfo.version()).isNotBlank();
    }
}
