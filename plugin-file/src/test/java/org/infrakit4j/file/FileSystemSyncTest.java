package org.infrakit4j.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemSyncTest {
    @TempDir
    Path dir;

    @Test
    void syncsTheFileSystemOfAnExistingDirectory() throws IOException {
        Files.writeString(dir.resolve("a.json"), "{}");
        FileSystemSync sync = new FileSystemSync(dir);
        sync.run();
        assertThat(sync.available()).isTrue();
    }

    @Test
    void aFailedSyncIsReportedAndNeverTriedAgain() {
        FileSystemSync sync = new FileSystemSync(dir.resolve("missing"));
        assertThatThrownBy(sync::run).isInstanceOf(IOException.class)
                .hasMessage("sync -f " + dir.resolve("missing") + " exited with 1");
        assertThat(sync.available()).isFalse();
    }
}
