package org.infrakit4j.file;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.Flags;
import org.infrakit4j.rpc.IoProblem;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;

/** {@code infrakit-instance-file}: serves {@link FileInstancePlugin} on the socket {@code instance-file}. */
public final class FileMain implements PluginLauncher.PluginCommand {
    static final String DEFAULT_NAME = "instance-file";
    /** The directory variable of InfraKit's Go file plugin, read when --dir is not given. */
    static final String GO_DIR_VARIABLE = "INFRAKIT_INSTANCE_FILE_DIR";

    final Flags flags = new Flags("infrakit-instance-file",
            "InfraKit instance plugin keeping instances as JSON files in a directory.")
            .version(BuildInfo::versionLine)
            .exitCode(0, "stopped cleanly (SIGTERM or SIGINT)")
            .exitCode(1, "failed while serving")
            .exitCode(2, "bad command line")
            .exitCode(3, "could not start (socket in use, directory locked or unusable)");

    final PluginLauncher.Options common = new PluginLauncher.Options(flags);

    final Flags.Flag<Path> dir = flags.value("--dir", "DIR", Flags.PATH,
            "Directory of instance files, created 0700 if missing "
                    + "(default: $INFRAKIT_HOME/instance-file, else ~/.infrakit/instance-file; "
                    + "$INFRAKIT_INSTANCE_FILE_DIR, InfraKit's Go file plugin's variable, is still read but "
                    + "deprecated).");

    final Flags.Flag<Boolean> adopt = flags.flag("--adopt",
            "Take over the instance files InfraKit's Go file plugin left in the directory "
                    + "(instance-<number>, no extension): they keep their IDs and become this plugin's files, "
                    + "so later starts need no --adopt. Never run the Go plugin on the directory at the same time.");

    @Override
    public Flags flags() {
        return flags;
    }

    public static void main(String[] args) {
        FileWarmUp.start();
        System.exit(PluginLauncher.execute(FileMain::new, args));
    }

    @Override
    public int call() throws PluginLauncher.StartupException {
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter) throws PluginLauncher.StartupException {
        Map<String, String> env = System.getenv();
        Path where = dir.get();
        if (where == null && !env.getOrDefault(GO_DIR_VARIABLE, "").isEmpty()) {
            where = Path.of(env.get(GO_DIR_VARIABLE));
            common.deprecated("$" + GO_DIR_VARIABLE + " is deprecated: use --dir " + where);
        } else if (where == null) {
            where = defaultDir(env);
        }
        String flag = dir.given() ? "--dir " + where : "the instance directory " + where;
        if (Files.exists(where) && !Files.isDirectory(where)) {
            throw new PluginLauncher.StartupException(flag + " is a file, not a directory");
        }
        try {
            return Map.of("", adopt.get() ? FileInstancePlugin.adopting(where, meter) : FileInstancePlugin.open(where, meter));
        } catch (IOException e) {
            throw new PluginLauncher.StartupException(e instanceof FileSystemException
                    ? "cannot use " + flag + ": " + IoProblem.describe(e) : e.getMessage(), e);
        }
    }

    static Path defaultDir(Map<String, String> env) {
        return PluginDirectory.infrakitHome(env).resolve("instance-file");
    }
}
