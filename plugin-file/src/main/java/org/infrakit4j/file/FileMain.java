package org.infrakit4j.file;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.rpc.IoProblem;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code infrakit-instance-file}: serves {@link FileInstancePlugin} on the socket {@code instance-file}. */
@Command(name = "infrakit-instance-file", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "InfraKit instance plugin keeping instances as JSON files in a directory.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving",
            "2:bad command line", "3:could not start (socket in use, directory locked or unusable)"})
public final class FileMain implements Callable<Integer> {
    static final String DEFAULT_NAME = "instance-file";
    /** The directory variable of InfraKit's Go file plugin, read when --dir is not given. */
    static final String GO_DIR_VARIABLE = "INFRAKIT_INSTANCE_FILE_DIR";

    @Mixin
    PluginLauncher.Options common;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Directory of instance files, created 0700 if missing "
                    + "(default: $INFRAKIT_HOME/instance-file, else ~/.infrakit/instance-file; "
                    + "$INFRAKIT_INSTANCE_FILE_DIR, InfraKit's Go file plugin's variable, is still read but "
                    + "deprecated).")
    Path dir;

    @Option(names = "--adopt",
            description = "Take over the instance files InfraKit's Go file plugin left in the directory "
                    + "(instance-<number>, no extension): they keep their IDs and become this plugin's files, "
                    + "so later starts need no --adopt. Never run the Go plugin on the directory at the same time.")
    boolean adopt;

    public static void main(String[] args) {
        FileWarmUp.start();
        System.exit(PluginLauncher.execute(new FileMain(), args));
    }

    @Override
    public Integer call() throws PluginLauncher.StartupException {
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter) throws PluginLauncher.StartupException {
        Map<String, String> env = System.getenv();
        Path where = dir;
        if (where == null && !env.getOrDefault(GO_DIR_VARIABLE, "").isEmpty()) {
            where = Path.of(env.get(GO_DIR_VARIABLE));
            common.deprecated("$" + GO_DIR_VARIABLE + " is deprecated: use --dir " + where);
        } else if (where == null) {
            where = defaultDir(env);
        }
        String flag = dir != null ? "--dir " + where : "the instance directory " + where;
        if (Files.exists(where) && !Files.isDirectory(where)) {
            throw new PluginLauncher.StartupException(flag + " is a file, not a directory");
        }
        try {
            return Map.of("", adopt ? FileInstancePlugin.adopting(where, meter) : FileInstancePlugin.open(where, meter));
        } catch (IOException e) {
            throw new PluginLauncher.StartupException(e instanceof FileSystemException
                    ? "cannot use " + flag + ": " + IoProblem.describe(e) : e.getMessage(), e);
        }
    }

    static Path defaultDir(Map<String, String> env) {
        return PluginDirectory.infrakitHome(env).resolve("instance-file");
    }
}
