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
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.Flags;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;

/** {@code infrakit-instance-docker}: serves {@link DockerInstancePlugin} on the socket {@code instance-docker}. */
public final class DockerMain implements PluginLauncher.PluginCommand {
    static final String DEFAULT_NAME = "instance-docker";
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    final Flags flags = new Flags("infrakit-instance-docker",
            "InfraKit instance plugin running instances as Docker containers.")
            .exitCode(0, "stopped cleanly (SIGTERM or SIGINT)")
            .exitCode(1, "failed while serving")
            .exitCode(2, "bad command line (also a bad --docker-host, --docker-timeout, --namespace or --reap-after "
                    + "value)")
            .exitCode(3, "could not start (socket in use, missing TLS files, unreadable label store)");

    final PluginLauncher.Options common = new PluginLauncher.Options(flags);

    /** {@code --properties-schema}: prints the JSON Schema of {@link DockerProperties} and exits. */
    final PropertiesSchema.Flag schema = new PropertiesSchema.Flag(flags, DockerProperties.class);

    /**
     * Our version flag. InfraKit's Docker plugin took {@code --version API_VERSION} (the Engine API version); that
     * meaning conflicts with ours, so a value is a usage error that says so rather than something silently else.
     * Given alone it is the empty text.
     */
    final Flags.Flag<String> version = flags.value("--version", "VERSION", Flags.TEXT,
            "Print version information and exit.").alias("-V").optionalValue("");

    final Flags.Flag<Boolean> adopt = flags.flag("--adopt",
            "Take over the containers InfraKit's Go Docker plugin made (labelled infrakit.group, "
                    + "created or running): Describe, Label and Destroy see them from then on, and the label store "
                    + "remembers them, so later starts need no flag.");

    final Flags.Flag<String> url = flags.value("--url", "URL", Flags.TEXT,
            "Deprecated, InfraKit's Go Docker plugin's flag: use --docker-host.").hidden();

    final Flags.Flag<Map<String, String>> namespaceTags = flags.keyValues("--namespace-tags", "KEY=VALUE",
            "Deprecated, InfraKit's Go Docker plugin's flag: use --namespace.").hidden();

    final Flags.Flag<Integer> retries = flags.value("--retries", "N", Flags.INTEGER,
            "Deprecated, InfraKit's Go Docker plugin's flag; accepted and has no effect.").hidden();

    /** The reference's environment variable for its namespace (k=v,...), read when no namespace flag is given. */
    static final String ENV_NAMESPACE_TAGS = "INFRAKIT_DOCKER_NAMESPACE_TAGS";

    final ReapPolicy.Options reaping = new ReapPolicy.Options(flags);

    /** Set to {@code --url}'s value by {@link #referenceAliases} when only the old spelling was given. */
    final Flags.Flag<String> dockerHost = flags.value("--docker-host", "URL", Flags.TEXT,
            "Docker Engine: unix:///path or tcp://host:port (default: $DOCKER_HOST, else " + DEFAULT_HOST + ").");

    final Flags.Flag<Boolean> tlsVerify = flags.negatable("--tls-verify",
            "Talk TLS to a tcp:// engine and verify its certificate (default: on when "
                    + "$DOCKER_TLS_VERIFY is set and not empty).");

    final Flags.Flag<Path> certPath = flags.value("--cert-path", "DIR", Flags.PATH,
            "Directory with ca.pem, cert.pem and key.pem for TLS (default: $DOCKER_CERT_PATH, else ~/.docker).");

    /** Widened by {@link #referenceAliases} with {@code --namespace-tags} or {@value #ENV_NAMESPACE_TAGS}. */
    final Flags.Flag<Map<String, String>> namespace = flags.keyValues("--namespace", "KEY=VALUE",
            "Tags added to every container at Provision and required by every Describe, so several "
                    + "plugins can share one engine (e.g. --namespace cluster=a,team=x).");

    final Flags.Flag<Integer> timeoutSeconds = flags.value("--docker-timeout", "SECONDS", Flags.INTEGER,
            "Longest wait for one engine call; a stop may also take the container's StopTimeout, "
                    + "a pull ten times as long (default: 30).").defaultValue(30);

    /** The longest --docker-timeout: an hour, as the longest StopTimeout. */
    static final int MAX_TIMEOUT_SECONDS = 3600;

    @Override
    public Flags flags() {
        return flags;
    }

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(DockerMain::new, args));
    }

    @Override
    public int call() throws PluginLauncher.StartupException {
        String version = this.version.get();
        if (version != null) {
            if (!version.isEmpty()) {
                throw new PluginLauncher.UsageException("--version " + version + ": InfraKit's Go Docker "
                        + "plugin took --version as the Docker API version; here --version prints this plugin's "
                        + "version and takes no value. The API version is negotiated with the engine: drop the value");
            }
            System.out.println(BuildInfo.versionLine());
            return PluginLauncher.EXIT_OK;
        }
        // Checked before anything is touched (plugins directory, socket, engine): a bad value exits 2.
        DockerEngine.Config engine;
        try {
            referenceAliases(System.getenv());
            engine = checkedEngineConfig(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new PluginLauncher.UsageException(e.getMessage());
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
            return Map.of("", DockerInstancePlugin.open(engine, namespace.get(), store, meter,
                    DockerInstancePlugin.PATIENCE, policy, adopt.get()));
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
        String url = this.url.get();
        if (url != null) {
            String dockerHost = this.dockerHost.get();
            if (dockerHost != null && !dockerHost.equals(url)) {
                throw new IllegalArgumentException("--url " + url + " (InfraKit's spelling of --docker-host) "
                        + "conflicts with --docker-host " + dockerHost + ": give only --docker-host");
            }
            this.dockerHost.set(url);
            common.deprecated("--url is deprecated: use --docker-host " + url);
        }
        Map<String, String> namespaceTags = this.namespaceTags.get();
        if (!namespaceTags.isEmpty()) {
            Map<String, String> namespace = new LinkedHashMap<>(this.namespace.get());
            namespaceTags.forEach((k, v) -> {
                String had = namespace.putIfAbsent(k, v);
                if (had != null && !had.equals(v)) {
                    throw new IllegalArgumentException("--namespace-tags " + k + "=" + v + " conflicts with "
                            + "--namespace " + k + "=" + had + ": give only --namespace");
                }
            });
            this.namespace.set(namespace);
            common.deprecated("--namespace-tags is deprecated: use --namespace " + pairs(namespaceTags));
        } else if (namespace.get().isEmpty() && !env.getOrDefault(ENV_NAMESPACE_TAGS, "").isEmpty()) {
            Map<String, String> fromEnv = new LinkedHashMap<>();
            for (String pair : env.get(ENV_NAMESPACE_TAGS).split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("$" + ENV_NAMESPACE_TAGS + ": " + pair
                            + " is not KEY=VALUE (the variable holds KEY=VALUE,...)");
                }
                fromEnv.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            namespace.set(fromEnv);
            common.deprecated("$" + ENV_NAMESPACE_TAGS + " is deprecated: use --namespace " + pairs(fromEnv));
        }
        if (retries.get() != null) {
            common.deprecated("--retries " + retries.get() + " is deprecated and has no effect: every engine call is "
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
        int timeoutSeconds = this.timeoutSeconds.get();
        String dockerHost = this.dockerHost.get();
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException("--docker-timeout must be between 1 and " + MAX_TIMEOUT_SECONDS
                    + " seconds, got " + timeoutSeconds);
        }
        namespace.get().forEach((k, v) -> {
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
        String dockerHost = this.dockerHost.get();
        Boolean tlsVerify = this.tlsVerify.get();
        Path certPath = this.certPath.get();
        String host = dockerHost != null ? dockerHost
                : env.getOrDefault("DOCKER_HOST", "").isEmpty() ? DEFAULT_HOST : env.get("DOCKER_HOST");
        boolean tls = tlsVerify != null ? tlsVerify : !env.getOrDefault("DOCKER_TLS_VERIFY", "").isEmpty();
        Path certs = certPath != null ? certPath
                : !env.getOrDefault("DOCKER_CERT_PATH", "").isEmpty() ? Path.of(env.get("DOCKER_CERT_PATH"))
                : Path.of(System.getProperty("user.home"), ".docker");
        return new DockerEngine.Config(host, tls, tls ? certs : null, Duration.ofSeconds(timeoutSeconds.get()));
    }

    /** The Label store sits next to the socket: {@code <plugins-dir>/<name>.labels.json}. */
    static Path labelStoreOf(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".labels.json");
    }
}
