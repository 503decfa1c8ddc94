package org.infrakit4j.rpc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The InfraKit plugin directory (wire-protocol.md §1.1): where sockets live, how they are named, discovery of
 * the plugins in it, and the checks a server makes before binding (path length, live or stale socket).
 */
public final class PluginDirectory {
    /** Linux sun_path holds 108 bytes including the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    private final Path dir;

    public PluginDirectory(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** {@code $INFRAKIT_PLUGINS_DIR}, else {@code $INFRAKIT_HOME/plugins}, else {@code ~/.infrakit/plugins}. */
    public static PluginDirectory fromEnvironment() {
        return new PluginDirectory(resolve(System.getenv()));
    }

    static Path resolve(Map<String, String> env) {
        String plugins = env.get("INFRAKIT_PLUGINS_DIR");
        if (plugins != null && !plugins.isEmpty()) {
            return Path.of(plugins);
        }
        return infrakitHome(env).resolve("plugins");
    }

    /** {@code $INFRAKIT_HOME}, else {@code ~/.infrakit}. */
    public static Path infrakitHome(Map<String, String> env) {
        String home = env.get("INFRAKIT_HOME");
        if (home != null && !home.isEmpty()) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("user.home"), ".infrakit");
    }

    public Path path() {
        return dir;
    }

    /** The socket of a plugin name {@code lookup[/type]}: the part before the first slash names the file. */
    public Path socketOf(String name) {
        return dir.resolve(lookupOf(name));
    }

    public static String lookupOf(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }

    /** The sub-type of a plugin name: what follows the first slash, or "" when there is none. */
    public static String typeOf(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? "" : name.substring(slash + 1);
    }

    /**
     * Creates the directory 0700 when it is missing. An existing directory keeps its mode: it may be shared on
     * purpose (a group that runs plugins together), and the socket is 0600 whatever its directory.
     *
     * @return a warning to log when the directory is group- or world-accessible, else empty
     * @throws IOException with a message in words when the path is not a usable directory
     */
    public Optional<String> ensureExists() throws IOException {
        if (!Files.exists(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new IOException("cannot create the plugins directory " + dir + ": " + IoProblem.describe(e), e);
            }
            return Optional.empty();
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("the plugins directory " + dir + " is a file, not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("cannot write the plugins directory " + dir + ": permission denied");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        mode.removeAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (mode.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the plugins directory " + dir + " is " + PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir)) + ": others can see the plugin names there (the sockets "
                + "themselves are owner-only, 0600); make it 0700 unless it is shared on purpose");
    }

    /**
     * Makes {@code socket} ready to bind: checks the path length, removes a stale socket (nobody listening),
     * and fails when a live plugin holds it or the name is taken by something that is not a socket.
     */
    public static void prepareToBind(Path socket) throws IOException {
        checkLength(socket);
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(socket)) {
            throw new IOException(socket + " exists and is not a socket; refusing to replace it");
        }
        switch (probe(socket)) {
            case LIVE -> throw new IOException("another plugin is already serving " + socket + owner(socket));
            case STALE -> Files.deleteIfExists(socket);
            case UNKNOWN -> throw new IOException("cannot tell whether a plugin is serving " + socket
                    + " (connecting to it failed: " + probeProblem(socket) + "); not replacing it");
        }
    }

    /** What a connection attempt tells of a socket. */
    enum SocketState {
        /** Something accepts connections. */
        LIVE,
        /** Nobody listens: connection refused, or the file is gone. */
        STALE,
        /** The attempt failed otherwise (permission denied, ...): it may still be in use, so it is left alone. */
        UNKNOWN
    }

    static SocketState probe(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return SocketState.LIVE;
        } catch (IOException e) {
            return stateOf(e);
        }
    }

    /** Only a refusal (or a vanished file) proves nobody serves; any other failure proves nothing. */
    static SocketState stateOf(IOException connectFailure) {
        if (connectFailure instanceof ConnectException) {
            return SocketState.STALE;
        }
        String m = connectFailure.getMessage();
        if (m != null && (m.contains("Connection refused") || m.contains("No such file"))) {
            return SocketState.STALE;
        }
        return SocketState.UNKNOWN;
    }

    private static String probeProblem(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return "it answered on a second try";
        } catch (IOException e) {
            return IoProblem.describe(e);
        }
    }

    /** Fails with a clear message when a socket path does not fit in sun_path. */
    public static void checkLength(Path socket) throws IOException {
        int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new IOException("socket path is " + bytes + " bytes, over the unix limit of "
                    + MAX_SOCKET_PATH_BYTES + ": " + socket + " (use a shorter --plugins-dir or --name)");
        }
    }

    private static String owner(Path socket) {
        Path pidFile = pidFileOf(socket);
        try {
            String pid = Files.readString(pidFile).trim();
            return " (process " + pid + ", from " + pidFile + ")";
        } catch (IOException e) {
            return " (no pid file at " + pidFile + ")";
        }
    }

    /** Whether a process accepts connections on the socket. */
    public static boolean isLive(Path socket) {
        return probe(socket) == SocketState.LIVE;
    }

    public static Path pidFileOf(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".pid");
    }

    static boolean isSocket(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The plugins in the directory as InfraKit's discovery sees them: every socket by its file name, and every
     * {@code <name>.listen} file holding a {@code tcp://host:port} address.
     */
    public Map<String, String> discover() throws IOException {
        Map<String, String> found = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (isSocket(p)) {
                    found.put(name, "unix://" + p);
                } else if (name.endsWith(".listen") && Files.isRegularFile(p)) {
                    String url = Files.readString(p).trim();
                    if (url.startsWith("tcp://")) {
                        found.put(name.substring(0, name.length() - ".listen".length()), url);
                    }
                }
            }
        }
        return found;
    }
}
