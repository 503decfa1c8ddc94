package org.infrakit4j.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code infrakit-instance-docker}: serves {@link DockerInstancePlugin} on the socket {@code instance-docker}. */
@Command(name = "infrakit-instance-docker", versionProvider = BuildInfo.class,
        description = "InfraKit instance plugin running instances as Docker containers.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving",
            "2:bad command line (also a bad --docker-host, --docker-timeout, --namespace or --reap-after value)", "3:could not start (socket in use, missing TLS files, unreadable label store)"})
public final class DockerMain implements Callable<Integer> {
    static final String DEFAULT_NAME = "instance-docker";
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    @Mixin
    PluginLauncher.Options common;

    /** {@code --properties-schema}: prints the JSON Schema of {@link DockerProperties} and exits. */
    @Mixin
    PropertiesSchema.Flag schema = new PropertiesSchema.Flag(DockerProperties.class);

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /**
     * Our version flag. InfraKit's Docker plugin took {@code --version API_VERSION} (the Engine API version); that
     * meaning conflicts with ours, so a value is a usage error that says so rather than something silently else.
     */
    @Option(names = {"-V", "--version"}, arity = "0..1", hideParamSyntax = true, fallbackValue = "",
            description = "Print version information and exit.")
    String version;

    @Option(names = "--adopt",
            description = "Take over the containers InfraKit's Go Docker plugin made (labelled infrakit.group, "
                    + "created or running): Describe, Label and Destroy see them from then on, and the label store "
                    + "remembers them, so later starts need no flag.")
    boolean adopt;

    @Option(names = "--url", paramLabel = "URL", hidden = true,
            description = "Deprecated, InfraKit's Go Docker plugin's flag: use --docker-host.")
    String url;

    @Option(names = "--namespace-tags", paramLabel = "KEY=VALUE", split = ",", hidden = true,
            description = "Deprecated, InfraKit's Go Docker plugin's flag: use --namespace.")
    Map<String, String> namespaceTags = new LinkedHashMap<>();

    @Option(names = "--retries", paramLabel = "N", hidden = true,
            description = "Deprecated, InfraKit's Go Docker plugin's flag; accepted and has no effect.")
    Integer retries;

    /** The reference's environment variable for its namespace (k=v,...), read when no namespace flag is given. */
    static final String ENV_NAMESPACE_TAGS = "INFRAKIT_DOCKER_NAMESPACE_TAGS";

    @Mixin
    ReapPolicy.Options reaping;

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

    /** The longest --docker-timeout: an hour, as the longest StopTimeout. */
    static final int MAX_TIMEOUT_SECONDS = 3600;

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(new DockerMain(), args));
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws PluginLauncher.StartupException {
        if (version != null) {
            if (!version.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--version " + version + ": InfraKit's Go Docker "
                        + "plugin took --version as the Docker API version; here --version prints this plugin's "
                        + "version and takes no value. The API version is negotiated with the engine: drop the value");
            }
            spec.commandLine().printVersionHelp(spec.commandLine().getOut());
            return PluginLauncher.EXIT_OK;
        }
        // Checked before anything is touched (plugins directory, socket, engine): a bad value exits 2.
        DockerEngine.Config engine;
        try {
            referenceAliases(System.getenv());
            engine = checkedEngineConfig(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ReapPolicy policy = reaping.policy();
        checkCertificates(engine);
        return PluginLauncher.serve(common, DEFAULT_NAME, meter -> plugins(meter, engine, policy));
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter, DockerEngine.Config engine, ReapPolicy policy)
            throws PluginLauncher.StartupException {
        PluginDirectory dir = common.pluginsDir() == null ? PluginDirectory.fromEnvironment()
                : new PluginDirectory(common.pluginsDir());
        Path socket = dir.socketOf(common.name() == null ? DEFAULT_NAME : common.name());
        Path store = labelStoreOf(socket);
        try {
            return Map.of("", DockerInstancePlugin.open(engine, namespace, store, meter,
                    DockerInstancePlugin.PATIENCE, policy, adopt));
        } catch (JsonProcessingException e) {
            throw new PluginLauncher.StartupException("cannot read the label store " + store + ": not the JSON "
                    + "this plugin writes (" + e.getOriginalMessage() + ")", e);
        } catch (AccessDeniedException e) {
            throw new PluginLauncher.StartupException("cannot open the label store " + store
                    + ": permission denied", e);
        } catch (IOException e) {
            throw new PluginLauncher.StartupException("cannot open the label store " + store + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new PluginLauncher.StartupException("cannot start the docker plugin: " + e.getMessage(), e);
        }
    }

    /**
     * Folds InfraKit's Go Docker plugin's flags and variable into ours, recording a deprecation line for each used:
     * {@code --url} is {@code --docker-host}, {@code --namespace-tags} and {@value #ENV_NAMESPACE_TAGS} are
     * {@code --namespace}, {@code --retries} is accepted and ignored.
     *
     * @throws IllegalArgumentException when an old spelling contradicts the new one given too
     */
    void referenceAliases(Map<String, String> env) {
        if (url != null) {
            if (dockerHost != null && !dockerHost.equals(url)) {
                throw new IllegalArgumentException("--url " + url + " (InfraKit's spelling of --docker-host) "
                        + "conflicts with --docker-host " + dockerHost + ": give only --docker-host");
            }
            dockerHost = url;
            common.deprecated("--url is deprecated: use --docker-host " + url);
        }
        if (!namespaceTags.isEmpty()) {
            namespaceTags.forEach((k, v) -> {
                String had = namespace.putIfAbsent(k, v);
                if (had != null && !had.equals(v)) {
                    throw new IllegalArgumentException("--namespace-tags " + k + "=" + v + " conflicts with "
                            + "--namespace " + k + "=" + had + ": give only --namespace");
                }
            });
            common.deprecated("--namespace-tags is deprecated: use --namespace " + pairs(namespaceTags));
        } else if (namespace.isEmpty() && !env.getOrDefault(ENV_NAMESPACE_TAGS, "").isEmpty()) {
            Map<String, String> fromEnv = new LinkedHashMap<>();
            for (String pair : env.get(ENV_NAMESPACE_TAGS).split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("$" + ENV_NAMESPACE_TAGS + ": " + pair
                            + " is not KEY=VALUE (the variable holds KEY=VALUE,...)");
                }
                fromEnv.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            namespace.putAll(fromEnv);
            common.deprecated("$" + ENV_NAMESPACE_TAGS + " is deprecated: use --namespace " + pairs(fromEnv));
        }
        if (retries != null) {
            common.deprecated("--retries " + retries + " is deprecated and has no effect: every engine call is "
                    + "bounded by --docker-timeout (InfraKit's Go Docker plugin never used it either)");
        }
    }

    private static String pairs(Map<String, String> map) {
        return String.join(",", map.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    /**
     * The engine settings from the flags and the environment, each value checked and explained in words.
     *
     * @throws IllegalArgumentException naming the flag (or variable) and what is wrong with its value
     */
    DockerEngine.Config checkedEngineConfig(Map<String, String> env) {
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException("--docker-timeout must be between 1 and " + MAX_TIMEOUT_SECONDS
                    + " seconds, got " + timeoutSeconds);
        }
        namespace.forEach((k, v) -> {
            if (k.isBlank()) {
                throw new IllegalArgumentException("--namespace " + k + "=" + v + ": the key is empty");
            }
        });
        String from = dockerHost != null ? "--docker-host" : "$DOCKER_HOST";
        String host = dockerHost != null ? dockerHost
                : env.getOrDefault("DOCKER_HOST", "").isEmpty() ? DEFAULT_HOST : env.get("DOCKER_HOST");
        String wrong = hostProblem(host);
        if (wrong != null) {
            throw new IllegalArgumentException(from + " " + host + ": " + wrong
                    + " (give unix:///path/to/docker.sock or tcp://host:port)");
        }
        return engineConfig(env);
    }

    /** What is wrong with an engine address, or null when it can be used. */
    private static String hostProblem(String host) {
        URI uri;
        try {
            uri = new URI(host);
        } catch (URISyntaxException e) {
            return "not an address: " + e.getReason();
        }
        if ("unix".equals(uri.getScheme())) {
            return uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")
                    ? "no socket path" : null;
        }
        if ("tcp".equals(uri.getScheme())) {
            return uri.getHost() == null ? "no host name" : null;
        }
        return uri.getScheme() == null ? "no scheme" : "scheme " + uri.getScheme() + " is not unix or tcp";
    }

    /** With TLS on, the certificate directory must hold the three files docker-java reads. */
    private static void checkCertificates(DockerEngine.Config engine) throws PluginLauncher.StartupException {
        if (!engine.tlsVerify()) {
            return;
        }
        Path dir = engine.certPath();
        if (!Files.isDirectory(dir)) {
            throw new PluginLauncher.StartupException("TLS is on but the certificate directory " + dir
                    + (Files.exists(dir) ? " is not a directory" : " does not exist")
                    + " (--cert-path or $DOCKER_CERT_PATH)");
        }
        for (String file : List.of("ca.pem", "cert.pem", "key.pem")) {
            Path f = dir.resolve(file);
            if (!Files.isRegularFile(f)) {
                throw new PluginLauncher.StartupException("TLS is on but " + f + " is missing (the certificate "
                        + "directory needs ca.pem, cert.pem and key.pem)");
            }
            if (!Files.isReadable(f)) {
                throw new PluginLauncher.StartupException("cannot read " + f + ": permission denied");
            }
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
