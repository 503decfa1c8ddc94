package org.infrakit4j.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void onlyARefusalMakesASocketStale() {
        assertThat(PluginDirectory.stateOf(new ConnectException("Connection refused")))
                .isEqualTo(PluginDirectory.SocketState.STALE);
        // What the JDK throws for EACCES: the socket may be a live plugin of another user; never delete it.
        assertThat(PluginDirectory.stateOf(new SocketException("Permission denied")))
                .isEqualTo(PluginDirectory.SocketState.UNKNOWN);
        assertThat(PluginDirectory.stateOf(new IOException("Too many open files")))
                .isEqualTo(PluginDirectory.SocketState.UNKNOWN);
    }

    @Test
    void aStaleSocketIsRemovedAndALiveOneRefused() throws Exception {
        Path socket = tmp.resolve("instance-x");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            assertThat(PluginDirectory.probe(socket)).isEqualTo(PluginDirectory.SocketState.LIVE);
            assertThatThrownBy(() -> PluginDirectory.prepareToBind(socket))
                    .hasMessageStartingWith("another plugin is already serving " + socket);
        }
        assertThat(PluginDirectory.probe(socket)).isEqualTo(PluginDirectory.SocketState.STALE);
        PluginDirectory.prepareToBind(socket);
        assertThat(socket).doesNotExist();
    }

    @Test
    void aNewDirectoryIsOwnerOnlyAndAnExistingOneKeepsItsModeWithAWarning() throws Exception {
        PluginDirectory fresh = new PluginDirectory(tmp.resolve("a/plugins"));
        assertThat(fresh.ensureExists()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.path()))).isEqualTo("rwx------");

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(new PluginDirectory(shared).ensureExists()).hasValueSatisfying(w -> assertThat(w)
                .startsWith("the plugins directory " + shared + " is rwxrwxrwx: others can see the plugin names"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rwxrwxrwx");

        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> new PluginDirectory(file).ensureExists())
                .hasMessage("the plugins directory " + file + " is a file, not a directory");
    }
}
