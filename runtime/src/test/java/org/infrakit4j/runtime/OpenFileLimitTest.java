package org.infrakit4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenFileLimitTest {
    private static final String HEADER = "Limit                     Soft Limit           Hard Limit           Units     \n";

    @Test
    void theSoftLimitIsRead(@TempDir Path dir) throws Exception {
        Path limits = Files.writeString(dir.resolve("limits"), HEADER
                + "Max cpu time              unlimited            unlimited            seconds   \n"
                + "Max open files            1024                 4096                 files     \n");
        assertThat(PluginLauncher.openFileLimit(limits)).isEqualTo(OptionalLong.of(1024));
    }

    @Test
    void unlimitedMissingOrUnreadableMeansNoLimit(@TempDir Path dir) throws Exception {
        assertThat(PluginLauncher.openFileLimit(Files.writeString(dir.resolve("a"), HEADER
                + "Max open files            unlimited            unlimited            files     \n"))).isEmpty();
        assertThat(PluginLauncher.openFileLimit(Files.writeString(dir.resolve("b"), HEADER))).isEmpty();
        assertThat(PluginLauncher.openFileLimit(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void thisProcessHasALimitTheKernelReports() {
        // Linux always lists it; this machine's is finite.
        OptionalLong limit = PluginLauncher.openFileLimit(Path.of("/proc/self/limits"));
        assertThat(limit).isPresent();
        assertThat(limit.getAsLong()).isPositive();
    }
}
