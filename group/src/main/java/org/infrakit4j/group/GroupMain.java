package org.infrakit4j.group;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.Flags;
import org.infrakit4j.runtime.PluginLauncher;
import org.slf4j.LoggerFactory;

/** {@code infrakit-group}: serves InfraKit's Group SPI on the socket {@code group}. */
public final class GroupMain implements PluginLauncher.PluginCommand {
    static final String DEFAULT_NAME = "group";

    final Flags flags = new Flags("infrakit-group",
            "InfraKit group plugin: keeps groups of instances at their committed config through any "
                    + "instance plugin, with the vanilla flavor built in.")
            .version(BuildInfo::versionLine)
            .exitCode(0, "stopped cleanly (SIGTERM or SIGINT)")
            .exitCode(1, "failed while serving")
            .exitCode(2, "bad command line")
            .exitCode(3, "could not start (socket in use, state file locked or unreadable)");

    /** The flags every plugin process takes (--name, --plugins-dir, --log-level, --log-format, limits). */
    final PluginLauncher.Options common = new PluginLauncher.Options(flags);

    final Flags.Flag<Path> stateFile = flags.value("--state-file", "FILE", Flags.PATH,
            "Where committed groups are kept (default: $INFRAKIT_HOME/group/groups.json).");

    final Flags.Flag<String> pollInterval = flags.value("--poll-interval", "DURATION", Flags.TEXT,
            "How often each group is reconciled, e.g. 500ms, 10s, 1m (default: 10s).").defaultValue("10s");

    final Flags.Flag<Integer> maxParallel = flags.value("--max-parallel", "N", Flags.INTEGER,
            "Provisions or destroys run at once; a poll does at most this many per group "
                    + "(default: 4).").defaultValue(4);

    final Flags.Flag<String> callTimeout = flags.value("--call-timeout", "DURATION", Flags.TEXT,
            "How long a call to an instance or flavor plugin may take (default: 30s).").defaultValue("30s");

    @Override
    public Flags flags() {
        return flags;
    }

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(GroupMain::new, args));
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
    public int call() throws PluginLauncher.StartupException {
        Duration poll = duration("--poll-interval", pollInterval.get());
        Duration timeout = duration("--call-timeout", callTimeout.get());
        int maxParallel = this.maxParallel.get();
        if (maxParallel < 1 || maxParallel > 256) {
            throw new PluginLauncher.UsageException("--max-parallel must be from 1 to 256, not " + maxParallel);
        }
        return PluginLauncher.serveServices(common, DEFAULT_NAME, metrics -> {
            Parts parts = open(common.directory(), stateFile(), poll, maxParallel, timeout);
            return new PluginLauncher.Served(Map.of(), List.of(new GroupService(parts.groups())), parts);
        });
    }

    private Path stateFile() {
        return stateFile.get() != null ? stateFile.get()
                : PluginDirectory.infrakitHome(System.getenv()).resolve("group").resolve("groups.json");
    }

    /** The groups, the plugins they call and their state; closed in that order once the server has stopped. */
    record Parts(GroupPlugin groups, PluginLookup plugins, GroupStore store) implements AutoCloseable {
        @Override
        public void close() {
            groups.close();
            plugins.close();
            try {
                store.close();
            } catch (IOException e) {
                LoggerFactory.getLogger(GroupMain.class).atWarn().setCause(e).log("could not release the state lock");
            }
        }
    }

    /** A group plugin served in this JVM, for tests: its server, then its parts, closed in that order. */
    record Running(PluginServer server, Parts parts) implements AutoCloseable {
        GroupPlugin groups() {
            return parts.groups();
        }

        @Override
        public void close() {
            server.close();
            parts.close();
        }
    }

    /** Opens the state and resumes its groups (they poll from here on). */
    static Parts open(PluginDirectory dir, Path state, Duration poll, int parallel, Duration timeout)
            throws PluginLauncher.StartupException {
        GroupStore store;
        try {
            store = GroupStore.open(state);
        } catch (IOException e) {
            throw new PluginLauncher.StartupException("cannot use --state-file " + state + ": " + e.getMessage(), e);
        }
        PluginLookup plugins = new PluginLookup(dir, timeout);
        try {
            return new Parts(new GroupPlugin(store, plugins,
                    new GroupPlugin.Settings(poll, parallel, timeout.multipliedBy(3))), plugins, store);
        } catch (IOException e) {
            plugins.close();
            closeQuietly(store);
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
    }

    /** Opens the state and serves its groups on the socket {@code group} in this JVM; what the tests run. */
    static Running start(PluginDirectory dir, Path state, Duration poll, int parallel, Duration timeout)
            throws PluginLauncher.StartupException {
        try {
            dir.ensureExists();
        } catch (IOException e) {
            throw new PluginLauncher.StartupException(e.getMessage(), e);
        }
        Parts parts = open(dir, state, poll, parallel, timeout);
        try {
            PluginServer server = PluginServer.start(PluginServer.Config.of(dir.socketOf(DEFAULT_NAME)), Map.of(),
                    List.of(new GroupService(parts.groups())), new PluginMetrics(DEFAULT_NAME, BuildInfo.version()));
            return new Running(server, parts);
        } catch (IOException e) {
            parts.close();
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
}
