package org.infrakit4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.runtime.LogDefaults;

/**
 * A plugin's {@code main} run as its own JVM on the test class path, as a user runs it: for kill -9, SIGTERM, exit
 * codes, restarts and resident-memory checks (with a heap fixed at its full size). Output goes to a file per process; {@link #close} kills whatever is still running.
 */
public final class PluginProcess implements AutoCloseable {
    private final Class<?> main;
    private final Path home;
    private final Map<String, String> env;
    private final List<Process> started = new ArrayList<>();
    /** Whether {@link #close} deletes the home: only one this object made (or was handed by {@link #withEnvironment}). */
    private boolean ownsHome;

    /**
     * @param home {@code INFRAKIT_HOME} of the processes (sockets in {@code home/plugins}), also holding their output
     * @param env extra environment
     */
    public PluginProcess(Class<?> main, Path home, Map<String, String> env) {
        this(main, home, env, false);
    }

    private PluginProcess(Class<?> main, Path home, Map<String, String> env, boolean ownsHome) {
        this.main = main;
        this.home = home;
        this.env = Map.copyOf(env);
        this.ownsHome = ownsHome;
    }

    /**
     * Processes in a new home under /tmp, which {@link #close} deletes with all in it. Under /tmp because a unix
     * socket's path must stay short (108 bytes) and a build directory may be deep.
     *
     * @param prefix the home's name prefix, so that a leftover home tells which test made it
     */
    public static PluginProcess inNewHome(Class<?> main, String prefix, Map<String, String> env) throws IOException {
        return new PluginProcess(main, Files.createTempDirectory(Path.of("/tmp"), prefix), env, true);
    }

    /**
     * The same home with more environment, for a test whose environment names paths in the home. Only before any
     * process is started; the new object takes over deleting the home.
     */
    public PluginProcess withEnvironment(Map<String, String> more) {
        if (!started.isEmpty()) {
            throw new IllegalStateException("processes were started with the old environment");
        }
        Map<String, String> merged = new java.util.HashMap<>(env);
        merged.putAll(more);
        PluginProcess next = new PluginProcess(main, home, merged, ownsHome);
        ownsHome = false;
        return next;
    }

    /** {@code INFRAKIT_HOME} of the processes. */
    public Path home() {
        return home;
    }

    /** Starts one more process with these arguments; the n-th started has output {@link #output(int) output(n)}. */
    public Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The whole heap is committed and touched at start: resident memory then changes only with what
                // the plugin really holds outside the heap, not with the JVM growing its heap towards -Xmx.
                "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
                // The plugins' built-in logging, as the distribution's, not the tests' quiet logback-test.xml.
                "-D" + LogDefaults.PROPERTY + "=" + LogDefaults.BUILT_IN, "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("INFRAKIT_HOME", home.toString());
        pb.environment().remove("INFRAKIT_PLUGINS_DIR");
        pb.environment().putAll(env);
        pb.redirectOutput(outputFile(started.size()).toFile());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** The socket of a plugin of this name under {@code home}. */
    public Path socket(String name) {
        return home.resolve("plugins").resolve(name);
    }

    public Path outputFile(int n) {
        return home.resolve("out-" + n + ".log");
    }

    public String output(int n) throws IOException {
        return Files.readString(outputFile(n));
    }

    /** Waits until the socket answers; fails if the process exits first or after the timeout. */
    public static void awaitSocket(Path socket, Process p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!(Files.exists(socket) && PluginDirectory.isLive(socket))) {
            if (!p.isAlive()) {
                throw new AssertionError("the plugin process exited with " + p.exitValue() + " before serving");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no socket at " + socket + " within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL: no clean-up at all, as a crash or the OOM killer. */
    public static void kill9(Process p) throws Exception {
        signal(p, "-KILL");
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("process " + p.pid() + " survived SIGKILL");
        }
    }

    /** SIGTERM, as a service manager stops a plugin; returns at once. */
    public static void term(Process p) throws Exception {
        signal(p, "-TERM");
    }

    private static void signal(Process p, String signal) throws Exception {
        new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor();
    }

    /** Resident memory of a running process, from /proc. */
    public static long residentBytes(Process p) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for process " + p.pid());
    }

    /** Kills whatever is still running; then deletes the home if {@link #inNewHome} made it. */
    @Override
    public void close() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (ownsHome) {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + home, e);
            }
        }
    }
}
