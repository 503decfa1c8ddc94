package org.infrakit4j.docker;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.infrakit4j.rpc.BuildInfo;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.PluginLauncher;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code infrakit-instance-docker}: serves {@link DockerInstancePlugin} on the socket {@code instance-docker}. */
@Command(name = "infrakit-instance-docker", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "InfraKit instance plugin running instances as Docker containers.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving",
            "2:bad command line", "3:could not start (socket in use, bad engine address or TLS files)"})
public final class DockerMain implements Callable<Integer> {
    static final String DEFAULT_NAME = "instance-docker";
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    @Mixin
    PluginLauncher.Options common;

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "Docker Engine: unix:///path or tcp://host:port (default: $DOCKER_HOST, else "
                    + DEFAULT_HOST + ").")
    String dockerHost;

    @Option(names = "--tls-verify", negatable = true,
            description = "Talk TLS to a tcp:// engine and verify its certificate (default: on when "
                    + "$DOCKER_TLS_VERIFY is set and not empty).")
    Boolean tlsVerify;

    @Option(names = "--cert-path", paramLabel = "DIR",
            description = "Directory with ca.pem, cert.pem and key.pem for TLS (default: $DOCKER_CERT_PATH, "
                    + "else ~/.docker).")
    Path certPath;

    @Option(names = "--namespace", paramLabel = "KEY=VALUE", split = ",",
            description = "Tags added to every container at Provision and required by every Describe, so several "
                    + "plugins can share one engine (e.g. --namespace cluster=a,team=x).")
    Map<String, String> namespace = new LinkedHashMap<>();

    @Option(names = "--docker-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Longest wait for one engine call; a stop may also take the container's StopTimeout, "
                    + "a pull ten times as long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(new DockerMain(), args));
    }

    @Override
    public Integer call() throws PluginLauncher.StartupException {
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter) throws PluginLauncher.StartupException {
        PluginDirectory dir = common.pluginsDir() == null ? PluginDirectory.fromEnvironment()
                : new PluginDirectory(common.pluginsDir());
        Path socket = dir.socketOf(common.name() == null ? DEFAULT_NAME : common.name());
        try {
            return Map.of("", DockerInstancePlugin.open(engineConfig(System.getenv()), namespace,
                    labelStoreOf(socket), meter));
        } catch (IOException | RuntimeException e) {
            throw new PluginLauncher.StartupException("cannot start the docker plugin: " + e.getMessage(), e);
        }
    }

    DockerEngine.Config engineConfig(Map<String, String> env) {
        String host = dockerHost != null ? dockerHost
                : env.getOrDefault("DOCKER_HOST", "").isEmpty() ? DEFAULT_HOST : env.get("DOCKER_HOST");
        boolean tls = tlsVerify != null ? tlsVerify : !env.getOrDefault("DOCKER_TLS_VERIFY", "").isEmpty();
        Path certs = certPath != null ? certPath
                : !env.getOrDefault("DOCKER_CERT_PATH", "").isEmpty() ? Path.of(env.get("DOCKER_CERT_PATH"))
                : Path.of(System.getProperty("user.home"), ".docker");
        return new DockerEngine.Config(host, tls, tls ? certs : null, Duration.ofSeconds(timeoutSeconds));
    }

    /** The Label store sits next to the socket: {@code <plugins-dir>/<name>.labels.json}. */
    static Path labelStoreOf(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".labels.json");
    }
}
