package org.infrakit4j.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.rpc.PluginServer;
import org.infrakit4j.rpc.RpcService;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The start-up every plugin's {@code main} shares: the common flags ({@link Options} on its {@link Flags}), logging,
 * socket set-up,
 * serving until SIGTERM/SIGINT, and the documented exit codes.
 *
 * <p>Exit codes: {@value #EXIT_OK} clean stop; {@value #EXIT_FAILURE} failure while serving;
 * {@value #EXIT_USAGE} bad command line; {@value #EXIT_STARTUP} could not start (socket in use, path too long,
 * directory or backend configuration unusable).
 */
public final class PluginLauncher {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_STARTUP = 3;

    /** The flags every plugin takes: declared on the plugin's {@link Flags} by the constructor. */
    public static final class Options {
        final Flags.Flag<String> name;
        final Flags.Flag<Path> pluginsDir;
        final Flags.Flag<LogLevel> logLevelFlag;
        final Flags.Flag<Integer> goLogLevel;
        final Flags.Flag<LogFormat> logFormat;
        final Flags.Flag<Long> maxBody;
        final Flags.Flag<Integer> stopTimeoutSeconds;
        final Flags.Flag<Integer> maxConnections;
        final Flags.Flag<Integer> idleTimeoutSeconds;
        /** Set by {@link #validate} from --log-level or the deprecated --log. */
        private LogLevel logLevel;

        /** Lines logged at warn once logging is set up: flags and variables kept only for old command lines. */
        private final List<String> deprecations = new java.util.ArrayList<>();
        /** Set once logging is configured: later lines (from a plugin's factory) are logged at once. */
        private boolean loggingReady;

        public Options(Flags flags) {
            String socket = flags.command().startsWith("infrakit-")
                    ? flags.command().substring("infrakit-".length()) : "the plugin's own";
            name = flags.value("--name", "NAME", Flags.TEXT,
                    "Plugin name: the socket file in the plugins directory (default: " + socket + ").");
            pluginsDir = flags.value("--plugins-dir", "DIR", Flags.PATH,
                    "Socket directory (default: $INFRAKIT_PLUGINS_DIR, else $INFRAKIT_HOME/plugins, "
                            + "else ~/.infrakit/plugins).");
            logLevelFlag = flags.value("--log-level", "LEVEL", Flags.oneOf(LogLevel.class),
                    "trace, debug, info, warn or error (default: info).");
            goLogLevel = flags.value("--log", "N", Flags.INTEGER,
                    "Deprecated, for InfraKit's Go plugins' command lines: their log level as a number "
                            + "(0-2 error, 3 warn, 4 info, 5 debug); use --log-level.");
            logFormat = flags.value("--log-format", "FORMAT", Flags.oneOf(LogFormat.class),
                    "text or json (default: text).").defaultValue(LogFormat.text);
            maxBody = flags.value("--max-body", "BYTES", Flags.LONG,
                    "Largest request body accepted, in bytes (default: 4194304).").defaultValue(4_194_304L);
            stopTimeoutSeconds = flags.value("--stop-timeout", "SECONDS", Flags.INTEGER,
                    "How long calls in flight may finish after SIGTERM (default: 10).").defaultValue(10);
            maxConnections = flags.value("--max-connections", "N", Flags.INTEGER,
                    "Client connections open at once; more are closed as soon as they are accepted "
                            + "(default: 10000, lowered to fit the process's open-file limit).").defaultValue(10_000);
            idleTimeoutSeconds = flags.value("--idle-timeout", "SECONDS", Flags.INTEGER,
                    "A connection silent this long (idle, or stalled in a request or reply) is closed "
                            + "(default: 30).").defaultValue(30);
        }

        /** Checks the values a type cannot: called before anything is touched, so a bad one exits 2 at once. */
        void validate() throws UsageException {
            long maxBody = this.maxBody.get();
            int stopTimeoutSeconds = this.stopTimeoutSeconds.get();
            int maxConnections = this.maxConnections.get();
            int idleTimeoutSeconds = this.idleTimeoutSeconds.get();
            Integer goLogLevel = this.goLogLevel.get();
            String name = this.name.get();
            logLevel = logLevelFlag.get();
            if (maxBody <= 0) {
                throw new UsageException("--max-body must be a positive number of bytes, not " + maxBody);
            }
            if (stopTimeoutSeconds < 0) {
                throw new UsageException("--stop-timeout must be 0 or more seconds, not " + stopTimeoutSeconds);
            }
            if (maxConnections < 1) {
                throw new UsageException("--max-connections must be at least 1, not " + maxConnections);
            }
            if (idleTimeoutSeconds < 1) {
                throw new UsageException("--idle-timeout must be at least 1 second, not " + idleTimeoutSeconds);
            }
            if (goLogLevel != null) {
                if (goLogLevel < 0 || goLogLevel > 5) {
                    throw new UsageException("--log must be a number from 0 to 5 (InfraKit's levels: 0-2 error, "
                            + "3 warn, 4 info, 5 debug), not " + goLogLevel);
                }
                LogLevel fromGo = goLogLevel <= 2 ? LogLevel.error : goLogLevel == 3 ? LogLevel.warn
                        : goLogLevel == 4 ? LogLevel.info : LogLevel.debug;
                if (logLevel != null && logLevel != fromGo) {
                    throw new UsageException("--log " + goLogLevel + " means --log-level " + fromGo
                            + ", which conflicts with --log-level " + logLevel + ": give only --log-level");
                }
                logLevel = fromGo;
                deprecated("--log " + goLogLevel + " is deprecated: use --log-level " + fromGo);
            }
            if (name != null && (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals(".."))) {
                throw new UsageException("--name " + name + " is not a plain file name");
            }
        }

        public String name() {
            return name.get();
        }

        /**
         * Records that an old spelling (a flag or environment variable of InfraKit's Go plugins) was used; the
         * line is logged at warn as soon as logging is set up, so it reaches the log the operator reads.
         */
        public void deprecated(String line) {
            if (loggingReady) {
                LoggerFactory.getLogger(PluginLauncher.class).warn(line);
            } else {
                deprecations.add(line);
            }
        }

        LogLevel logLevel() {
            LogLevel level = logLevel != null ? logLevel : logLevelFlag.get();
            return level == null ? LogLevel.info : level;
        }

        public Path pluginsDir() {
            return pluginsDir.get();
        }

        /** The plugins directory: {@code --plugins-dir}, else the environment's (as InfraKit finds it). */
        public PluginDirectory directory() {
            return pluginsDir.get() == null ? PluginDirectory.fromEnvironment() : new PluginDirectory(pluginsDir.get());
        }
    }

    /** Log output formats. */
    public enum LogFormat { text, json }

    /** Log levels, as {@code --log-level} takes them. */
    public enum LogLevel { trace, debug, info, warn, error }

    /**
     * A flag value that is wrong whatever the machine: exit code 2, before any state is touched. A kind of
     * start-up failure, so a plugin's factory may throw it too.
     */
    public static final class UsageException extends StartupException {
        public UsageException(String message) {
            super(message);
        }
    }

    /** A plugin that cannot start: bad configuration or an unusable backend setting; exit code 3. */
    public static class StartupException extends Exception {
        public StartupException(String message) {
            super(message);
        }

        public StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What one plugin process serves: instance plugins by sub-type and other SPIs beside or instead of them (a group
     * plugin serves only its Group service), and what to close once the server has stopped.
     */
    public record Served(Map<String, InstancePlugin> plugins, List<RpcService> services, AutoCloseable afterStop) {
        public Served {
            plugins = Map.copyOf(plugins);
            services = List.copyOf(services);
            Objects.requireNonNull(afterStop, "afterStop");
            if (plugins.isEmpty() && services.isEmpty()) {
                throw new IllegalArgumentException("nothing to serve");
            }
        }
    }

    /** Builds what a process serves once flags are parsed and logging is set up. */
    @FunctionalInterface
    public interface ServedFactory {
        /** @param metrics the process's metrics: backend calls and the services' own lines go there */
        Served create(PluginMetrics metrics) throws StartupException;
    }

    /** Builds the plugins to serve once flags are parsed and logging is set up. */
    @FunctionalInterface
    public interface PluginFactory {
        /**
         * @param meter where the plugins report their backend calls (served on {@code GET /metrics})
         * @return the plugins by sub-type; key "" is the default plugin
         */
        Map<String, InstancePlugin> create(BackendMeter meter) throws StartupException;
    }

    /**
     * Counted down by the warm-up thread once logging is initialised (null when no warm-up was started): the main
     * thread waits for that alone, not for the server's classes, which keep loading beside the plugin's factory.
     */
    private static volatile CountDownLatch loggingInitialised;

    private PluginLauncher() {
    }

    /** A plugin's main: its flags, and what it does once they are parsed (usually {@link #serve}). */
    public interface PluginCommand {
        Flags flags();

        int call() throws StartupException;
    }

    /**
     * Parses {@code args} into the command's flags and runs it: {@code --help}, {@code --version} and
     * {@code --properties-schema} print and return 0 first; a usage error prints what is wrong and returns
     * {@value #EXIT_USAGE}; the command's {@link UsageException}, {@link StartupException} and other failures
     * print their message and return {@value #EXIT_USAGE}, {@value #EXIT_STARTUP} and {@value #EXIT_FAILURE}.
     */
    public static int execute(PluginCommand command, String... args) {
        return execute(() -> command, args);
    }

    /**
     * As {@link #execute(PluginCommand, String...)}, making the command ({@code XMain::new}) once logging and the
     * server's classes have started loading on another thread: a main's {@code main} passes its constructor, so
     * that head start begins before its flags are declared.
     */
    public static int execute(Supplier<? extends PluginCommand> commandMaker, String... args) {
        // Jetty otherwise starts the platform MBean server (~150 ms) only to learn the reference size: 64-byte
        // cache lines of 4-byte compressed references.
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
        CountDownLatch logging = new CountDownLatch(1);
        loggingInitialised = logging;
        Thread warmup = new Thread(() -> warmUp(logging), "ik4j-warmup");
        warmup.setDaemon(true);
        warmup.start();
        PluginCommand command = commandMaker.get();
        Flags flags = command.flags();
        java.io.PrintStream err = System.err;
        try {
            flags.parse(args);
            if (flags.helpRequested()) {
                System.out.print(flags.help());
                System.out.flush();
                return EXIT_OK;
            }
            if (flags.versionRequested()) {
                System.out.println(flags.versionLine());
                return EXIT_OK;
            }
            String printed = flags.requestedPrint();
            if (printed != null) {
                System.out.println(printed);
                return EXIT_OK;
            }
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("(" + flags.command() + " --help lists the flags)");
            return EXIT_USAGE;
        }
        try {
            return command.call();
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("(" + flags.command() + " --help lists the flags)");
            return EXIT_USAGE;
        } catch (StartupException e) {
            err.println("error: " + e.getMessage());
            return EXIT_STARTUP;
        } catch (RuntimeException e) {
            err.println("error: " + e.getMessage());
            LoggerFactory.getLogger(PluginLauncher.class).atError().setCause(e).log("failed");
            return EXIT_FAILURE;
        }
    }

    /**
     * Start-up time is mostly class loading; logging and the HTTP server do not depend on the command line, so
     * they load on a second core while the command line is parsed.
     */
    private static void warmUp(CountDownLatch logging) {
        try {
            LoggerFactory.getILoggerFactory();
        } finally {
            logging.countDown();
        }
        for (String name : List.of("org.eclipse.jetty.server.Server",
                "org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector",
                "org.eclipse.jetty.server.HttpConnectionFactory", "org.eclipse.jetty.server.handler.GracefulHandler",
                // Its static set-up reads every MIME table (about 0.1 s); Jetty's start needs it.
                "org.eclipse.jetty.http.MimeTypes",
                "org.infrakit4j.rpc.RpcDispatcher", "org.infrakit4j.rpc.InstanceCall")) {
            try {
                Class.forName(name, true, PluginLauncher.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return; // only a head start; serving loads what it needs anyway
            }
        }
    }

    /**
     * Serves the plugins until SIGTERM or SIGINT, then stops gracefully and returns {@link #EXIT_OK}.
     *
     * @throws StartupException when the socket or the plugins cannot be set up
     */
    public static int serve(Options options, String defaultName, PluginFactory factory) throws StartupException {
        return serveServices(options, defaultName, metrics -> {
            Map<String, InstancePlugin> plugins = factory.create(metrics);
            return new Served(plugins, List.of(), () -> closeAll(plugins));
        });
    }

    /**
     * As {@link #serve}, for a process that serves other SPIs ({@link RpcService}) too or instead: the same flags,
     * logging, socket and signals.
     */
    public static int serveServices(Options options, String defaultName, ServedFactory factory)
            throws StartupException {
        options.validate();
        CountDownLatch logging = loggingInitialised;
        if (logging != null) {
            try {
                // Logging must be initialised (by the warm-up thread) before it is configured and first used. Not
                // awaited further than this: the thread is only a head start, and LogSetup initialises it anyway.
                logging.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LogSetup.configure(options.logLevel().name(), options.logFormat.get().name());
        Logger log = LoggerFactory.getLogger(PluginLauncher.class);
        options.deprecations.forEach(log::warn);
        options.loggingReady = true;
        String name = options.name.get() == null ? defaultName : options.name.get();
        PluginDirectory dir = options.directory();
        try {
            dir.ensureExists().ifPresent(log::warn);
        } catch (IOException e) {
            throw new StartupException(e.getMessage(), e);
        }
        PluginMetrics metrics = new PluginMetrics(name, BuildInfo.version());
        Served served = factory.create(metrics);
        PluginServer.Config config = PluginServer.Config.of(dir.socketOf(name))
                .withMaxBody(options.maxBody.get())
                .withStopTimeout(Duration.ofSeconds(options.stopTimeoutSeconds.get()))
                .withMaxConnections(fitToOpenFileLimit(options.maxConnections.get(), log))
                .withIdleTimeout(Duration.ofSeconds(options.idleTimeoutSeconds.get()));
        // Handlers before the socket appears: a supervisor may send SIGTERM as soon as it sees the socket, and the
        // JVM's own handling would then exit 143 without removing it.
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        PluginServer server;
        try {
            server = PluginServer.start(config, served.plugins(), served.services(), metrics);
        } catch (IOException e) {
            close(served.afterStop());
            throw new StartupException(e.getMessage(), e);
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("stopping");
        server.close();
        close(served.afterStop());
        log.info("stopped");
        return EXIT_OK;
    }

    private static void close(AutoCloseable afterStop) {
        try {
            afterStop.close();
        } catch (Exception e) {
            LoggerFactory.getLogger(PluginLauncher.class).atWarn().setCause(e).log("error closing plugin");
        }
    }

    /** Connections beyond the open-file limit would fail in accept with EMFILE; keep room for the plugin's own files. */
    private static int fitToOpenFileLimit(int wanted, Logger log) {
        OptionalLong limit = openFileLimit(Path.of("/proc/self/limits"));
        if (limit.isPresent() && limit.getAsLong() - 256 < wanted) {
            int fitted = (int) Math.max(16, limit.getAsLong() - 256);
            log.atWarn().addKeyValue("maxConnections", fitted).addKeyValue("openFileLimit", limit.getAsLong())
                    .log("--max-connections lowered to fit the open-file limit");
            return fitted;
        }
        return wanted;
    }

    /**
     * The soft open-file limit from {@code /proc/self/limits} ("Max open files  1024  4096  files"); empty when
     * unlimited or unreadable. Read from /proc rather than through the management beans, whose set-up costs more
     * start-up time than the whole check is worth.
     */
    static OptionalLong openFileLimit(Path limits) {
        try {
            for (String line : Files.readAllLines(limits)) {
                if (line.startsWith("Max open files")) {
                    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                    return fields.length > 0 && fields[0].matches("[0-9]{1,18}")
                            ? OptionalLong.of(Long.parseLong(fields[0])) : OptionalLong.empty();
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    private static void closeAll(Map<String, InstancePlugin> plugins) {
        for (InstancePlugin p : plugins.values()) {
            if (p instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LoggerFactory.getLogger(PluginLauncher.class).atWarn().setCause(e).log("error closing plugin");
                }
            }
        }
    }
}
