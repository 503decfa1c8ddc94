package org.infrakit4j.group;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.PluginLauncher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code infrakit-group}: serves InfraKit's Group SPI on the socket {@code group}. */
@Command(name = "infrakit-group", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "InfraKit group plugin: keeps groups of instances at their committed config through any "
                + "instance plugin, with the vanilla flavor built in.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving",
            "2:bad command line", "3:could not start (socket in use, state file locked or unreadable)"})
public final class GroupMain implements Callable<Integer> {
    static final String DEFAULT_NAME = "group";

    @Option(names = "--name", paramLabel = "NAME", defaultValue = DEFAULT_NAME,
            description = "Socket file name in the plugins directory (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "Socket directory (default: $INFRAKIT_PLUGINS_DIR, else $INFRAKIT_HOME/plugins, "
                    + "else ~/.infrakit/plugins); the instance and flavor plugins are looked up there too.")
    Path pluginsDir;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "Where committed groups are kept (default: $INFRAKIT_HOME/group/groups.json).")
    Path stateFile;

    @Option(names = "--poll-interval", paramLabel = "DURATION", defaultValue = "10s",
            description = "How often each group is reconciled, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
    String pollInterval;

    @Option(names = "--max-parallel", paramLabel = "N", defaultValue = "4",
            description = "Provisions or destroys run at once; a poll does at most this many per group "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxParallel;

    @Option(names = "--call-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long a call to an instance or flavor plugin may take (default: ${DEFAULT-VALUE}).")
    String callTimeout;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "trace, debug, info, warn or error (default: ${DEFAULT-VALUE}).")
    String logLevel;

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(new GroupMain(), args));
    }

    /** Parses 500ms, 10s, 2m, 1h (Go's time.ParseDuration for the common units) or an ISO-8601 PT10S. */
    static Duration duration(String flag, String text) throws PluginLauncher.UsageException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return Duration.parse(t);
            }
            for (Map.Entry<String, java.time.temporal.ChronoUnit> unit : List.of(
                    Map.entry("ms", java.time.temporal.ChronoUnit.MILLIS),
                    Map.entry("s", java.time.temporal.ChronoUnit.SECONDS),
                    Map.entry("m", java.time.temporal.ChronoUnit.MINUTES),
                    Map.entry("h", java.time.temporal.ChronoUnit.HOURS))) {
                if (t.endsWith(unit.getKey())) {
                    long n = Long.parseLong(t.substring(0, t.length() - unit.getKey().length()));
                    if (n > 0) {
                        return Duration.of(n, unit.getValue());
                    }
                }
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            // reported below
        }
        throw new PluginLauncher.UsageException(flag + " must be a positive duration such as 500ms, 10s or 1m, not "
                + text);
    }

    @Override
    public Integer call() throws PluginLauncher.StartupException {
        Duration poll = duration("--poll-interval", pollInterval);
        Duration timeout = duration("--call-timeout", callTimeout);
        if (maxParallel < 1 || maxParallel > 256) {
            throw new PluginLauncher.UsageException("--max-parallel must be from 1 to 256, not " + maxParallel);
        }
        if (name.isEmpty() || name.contains("/")) {
            throw new PluginLauncher.UsageException("--name " + name + " is not a plain file name");
        }
        configureLogging(logLevel);
        Logger log = LoggerFactory.getLogger(GroupMain.class);
        PluginDirectory dir = pluginsDir == null ? PluginDirectory.fromEnvironment() : new PluginDirectory(pluginsDir);
        Path state = stateFile != null ? stateFile
                : PluginDirectory.infrakitHome(System.getenv()).resolve("group").resolve("groups.json");
        try (Running running = start(dir, state, poll, maxParallel, timeout)) {
            CountDownLatch stop = new CountDownLatch(1);
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("stopping");
        }
        log.info("stopped");
        return PluginLauncher.EXIT_OK;
    }

    /** A started group plugin: server, groups and state, closed in that order. */
    record Running(PluginServer server, GroupPlugin groups, PluginLookup plugins, GroupStore store)
            implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            groups.close();
            plugins.close();
            try {
                store.close();
            } catch (IOException e) {
                LoggerFactory.getLogger(GroupMain.class).atWarn().setCause(e).log("could not release the state lock");
            }
        }
    }

    /** Opens the state, resumes its groups and serves them; what {@code main} and tests run. */
    Running start(PluginDirectory dir, Path state, Duration poll, int parallel, Duration timeout)
            throws PluginLauncher.StartupException {
        try {
            dir.ensureExists().ifPresent(LoggerFactory.getLogger(GroupMain.class)::warn);
        } catch (IOException e) {
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
        GroupStore store;
        try {
            store = GroupStore.open(state);
        } catch (IOException e) {
            throw new PluginLauncher.StartupException("cannot use --state-file " + state + ": " + e.getMessage(), e);
        }
        PluginLookup plugins = new PluginLookup(dir, timeout);
        GroupPlugin groups;
        try {
            groups = new GroupPlugin(store, plugins,
                    new GroupPlugin.Settings(poll, parallel, timeout.multipliedBy(3)));
        } catch (IOException e) {
            plugins.close();
            closeQuietly(store);
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
        PluginMetrics metrics = new PluginMetrics(name, BuildInfo.version());
        try {
            PluginServer server = PluginServer.start(PluginServer.Config.of(dir.socketOf(name)), Map.of(),
                    List.of(new GroupService(groups)), metrics);
            return new Running(server, groups, plugins, store);
        } catch (IOException e) {
            groups.close();
            plugins.close();
            closeQuietly(store);
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
    }

    private static void closeQuietly(GroupStore store) {
        try {
            store.close();
        } catch (IOException e) {
            // the process is failing to start; the lock goes with it
        }
    }

    /** The runtime's log set-up serves instance plugins only; the group sets its levels the same way. */
    private static void configureLogging(String level) throws PluginLauncher.UsageException {
        Level l = Level.toLevel(level, null);
        if (l == null || !List.of("trace", "debug", "info", "warn", "error").contains(level.toLowerCase(Locale.ROOT))) {
            throw new PluginLauncher.UsageException("--log-level must be trace, debug, info, warn or error, not "
                    + level);
        }
        // The launcher loads logging on another thread while the command line is parsed; until it is done SLF4J
        // hands out stand-ins, so wait (bounded) for logback's context itself.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(l);
            context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        }
    }

    /** For {@code --help} in tests. */
    static CommandLine commandLine() {
        return new CommandLine(new GroupMain());
    }
}
