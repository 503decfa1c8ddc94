package org.infrakit4j.libvirt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.Flags;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code infrakit-instance-libvirt}: serves {@link LibvirtInstancePlugin} on the socket {@code instance-libvirt}. */
public final class LibvirtMain implements PluginLauncher.PluginCommand {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtMain.class);
    static final String DEFAULT_NAME = "instance-libvirt";
    static final String DEFAULT_URI = "qemu:///system";

    final Flags flags = new Flags("infrakit-instance-libvirt",
            "InfraKit instance plugin keeping instances as libvirt domains.")
            .version(BuildInfo::versionLine)
            .exitCode(0, "stopped cleanly (SIGTERM or SIGINT)")
            .exitCode(1, "failed while serving")
            .exitCode(2, "bad command line")
            .exitCode(3, "could not start (socket in use, directory unusable, libvirt client library libvirt0 "
                    + "missing)");

    final PluginLauncher.Options common = new PluginLauncher.Options(flags);

    /** {@code --properties-schema}: prints the JSON Schema of {@link LibvirtProperties} and exits. */
    final PropertiesSchema.Flag schema = new PropertiesSchema.Flag(flags, LibvirtProperties.class);

    final ReapPolicy.Options reaping = new ReapPolicy.Options(flags);

    static final String ENV_URIS = "INFRAKIT_LIBVIRT_URIS";
    static final String ENV_NAMESPACE = "INFRAKIT_LIBVIRT_NAMESPACE_TAGS";

    final Flags.Flag<String> uri = flags.value("--uri", "URI", Flags.TEXT,
            "libvirt connection URI, opened on first use and reopened after libvirtd restarts "
                    + "(default: " + DEFAULT_URI + "; test:///default needs no daemon). InfraKit's Go plugin's "
                    + "INFRAKIT_LIBVIRT_URIS=name=uri,... is accepted instead (deprecated): each entry is served "
                    + "as sub-type <name>, and the one named default also without a type.");

    final Flags.Flag<Boolean> adopt = flags.flag("--adopt",
            "Take over the domains InfraKit's Go libvirt plugin made (its metadata under "
                    + "https://github.com/docker/infrakit): Describe, Label and Destroy see them, and they get "
                    + "this plugin's metadata when first seen, so later starts need no --adopt.");

    /** The environment the deprecated variables are read from (tests give their own). */
    Map<String, String> env = System.getenv();

    final Flags.Flag<Map<String, String>> namespace = flags.keyValues("--namespace", "KEY=VALUE",
            "Tags added to every instance and required of every described one, so several plugins "
                    + "can share one libvirt (repeat or comma-separate).");

    final Flags.Flag<String> storagePool = flags.value("--storage-pool", "POOL", Flags.TEXT,
            "Storage pool for Init's cloud-init seed disks and for new and overlay volumes "
                    + "(default: none; Provision with Init or such disks then fails with a clear error).");

    final Flags.Flag<Integer> timeoutSeconds = flags.value("--libvirt-timeout", "SECONDS", Flags.INTEGER,
            "Longest wait for one libvirt call before it answers 'backend unavailable' (a frozen or "
                    + "unreachable libvirtd); a domain's start or stop in the background may take up to 60 s "
                    + "(default: 10).").defaultValue(10);

    final Flags.Flag<Integer> keepaliveSeconds = flags.value("--libvirt-keepalive", "SECONDS", Flags.INTEGER,
            "libvirt keepalive: ping an idle connection after SECONDS, close it after 3 unanswered "
                    + "pings (0: off, the default: with libvirt 9.0 a connection closed this way under load has "
                    + "crashed the client; every call is bounded by --libvirt-timeout either way).")
            .defaultValue(0);

    final Flags.Flag<Path> consoleLogDir = flags.value("--console-log-dir", "DIR", Flags.PATH,
            "Absolute directory on the libvirt host where libvirt (virtlogd) logs the serial console "
                    + "of each domain the plugin generates with a Console, one NAME.console.log per domain, deleted "
                    + "with it; the last lines are logged before a dead domain is reaped. Made if missing on this "
                    + "host (default: none, consoles are not logged).");

    @Override
    public Flags flags() {
        return flags;
    }

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(LibvirtMain::new, args));
    }

    @Override
    public int call() throws PluginLauncher.StartupException {
        reaping.policy(); // a bad --reap-after exits 2 before anything is touched
        checkConsoleLogDir();
        readEnvironment(); // as do conflicts between flags and InfraKit's environment variables
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter) throws PluginLauncher.StartupException {
        ReapPolicy policy = reaping.policy();
        checkConsoleLogDir();
        int timeoutSeconds = this.timeoutSeconds.get();
        int keepaliveSeconds = this.keepaliveSeconds.get();
        if (timeoutSeconds < 1) {
            throw new PluginLauncher.UsageException("--libvirt-timeout " + timeoutSeconds
                    + " must be at least 1 second");
        }
        if (keepaliveSeconds < 0) {
            throw new PluginLauncher.UsageException("--libvirt-keepalive " + keepaliveSeconds
                    + " must not be negative");
        }
        readEnvironment();
        Map<String, String> uris = connections;
        if (uris.values().stream().anyMatch(String::isBlank)) {
            throw new PluginLauncher.StartupException("--uri must not be empty");
        }
        String storagePool = this.storagePool.get();
        if (storagePool != null && !LibvirtVolumeRef.NAME.matcher(storagePool).matches()) {
            throw new PluginLauncher.StartupException("--storage-pool " + storagePool + " is not a pool name");
        }
        for (Map.Entry<String, String> t : namespaceTags.entrySet()) {
            if (t.getKey().isEmpty()) {
                throw new PluginLauncher.StartupException("--namespace: empty key in =" + t.getValue());
            }
        }
        loadLibvirt();
        Map<String, InstancePlugin> plugins = new LinkedHashMap<>();
        for (Map.Entry<String, String> u : uris.entrySet()) {
            LibvirtInstancePlugin plugin = new LibvirtInstancePlugin(u.getValue(), namespaceTags, storagePool, meter,
                    Duration.ofSeconds(timeoutSeconds), keepaliveSeconds, LibvirtInstancePlugin.WAITING_WORK, policy,
                    consoleLogDir.get(), adopt.get());
            plugins.put(u.getKey(), plugin);
            if (u.getKey().equals(URIS_DEFAULT)) {
                plugins.put("", plugin); // as the plain name too: closing it twice is harmless
            }
            reportStoragePool(plugin);
        }
        makeConsoleLogDir();
        if (adopt.get()) {
            LOG.atInfo().log("--adopt: domains of InfraKit's Go libvirt plugin are taken over when first seen");
        }
        return plugins;
    }

    /** The connections by sub-type, once the environment is read. */
    Map<String, String> connections;

    /**
     * The tags of every instance, once the environment is read: {@code --namespace}, or InfraKit's Go plugin's
     * {@code INFRAKIT_LIBVIRT_NAMESPACE_TAGS}.
     */
    Map<String, String> namespaceTags;

    /** Reads InfraKit's Go plugin's environment variables once (each use is recorded as deprecated once). */
    void readEnvironment() throws PluginLauncher.UsageException {
        if (connections == null) {
            namespaceTags = namespaceFromEnvironment();
            connections = uris();
        }
    }

    /** The entry of INFRAKIT_LIBVIRT_URIS also served without a type, as the reference's default name. */
    static final String URIS_DEFAULT = "default";

    /**
     * The connections to serve by sub-type: {@code --uri} (or its default) as the plain plugin, or each entry of
     * InfraKit's Go plugin's {@code INFRAKIT_LIBVIRT_URIS} ({@code name=uri,...}; a URI may itself hold '=') as
     * sub-type {@code name}, the one named {@code default} also as the plain plugin.
     */
    private Map<String, String> uris() throws PluginLauncher.UsageException {
        String list = env.get(ENV_URIS);
        String uri = this.uri.get();
        if (list == null || list.isBlank()) {
            return Map.of("", uri == null ? DEFAULT_URI : uri);
        }
        if (uri != null) {
            throw new PluginLauncher.UsageException("--uri and " + ENV_URIS + " both name libvirt connections: "
                    + "give only --uri (" + ENV_URIS + " is deprecated)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : list.split(",")) {
            int eq = entry.indexOf('=');
            String name = eq < 0 ? "" : entry.substring(0, eq).strip();
            String value = eq < 0 ? "" : entry.substring(eq + 1).strip();
            if (name.isEmpty() || value.isEmpty() || !LibvirtProperties.NAME.matcher(name).matches()) {
                throw new PluginLauncher.UsageException(ENV_URIS + ": entry " + (eq < 0 ? entry.strip()
                        : name + "=...") + " is not name=uri (name: letters, digits, '_', '.', '+', '-')");
            }
            if (out.put(name, value) != null) {
                throw new PluginLauncher.UsageException(ENV_URIS + ": " + name + " is given twice");
            }
        }
        common.deprecated(ENV_URIS + " is deprecated: use --uri (one connection per plugin); its entries are "
                + "served as sub-types " + String.join(", ", out.keySet())
                + (out.containsKey(URIS_DEFAULT) ? ", and default also without a type" : ""));
        return out;
    }

    /**
     * InfraKit's Go plugin's {@code INFRAKIT_LIBVIRT_NAMESPACE_TAGS} ({@code k=v,...}), which it parsed but
     * ignored, as {@code --namespace}; both given must agree. The tags to use: {@code --namespace}'s when the
     * variable is not set.
     */
    private Map<String, String> namespaceFromEnvironment() throws PluginLauncher.UsageException {
        Map<String, String> namespace = this.namespace.get();
        String list = env.get(ENV_NAMESPACE);
        if (list == null || list.isBlank()) {
            return namespace;
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (String entry : list.split(",")) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new PluginLauncher.UsageException(ENV_NAMESPACE + ": entry " + entry.strip()
                        + " is not key=value");
            }
            tags.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
        }
        if (!namespace.isEmpty() && !namespace.equals(tags)) {
            throw new PluginLauncher.UsageException("--namespace " + namespace + " and " + ENV_NAMESPACE + " "
                    + tags + " differ: give only --namespace");
        }
        common.deprecated(ENV_NAMESPACE + " is deprecated: use --namespace " + list.strip() + " (InfraKit's Go "
                + "plugin ignored it; here it tags and scopes every instance)");
        return tags;
    }

    private void checkConsoleLogDir() throws PluginLauncher.UsageException {
        Path consoleLogDir = this.consoleLogDir.get();
        if (consoleLogDir != null && !consoleLogDir.isAbsolute()) {
            throw new PluginLauncher.UsageException("--console-log-dir " + consoleLogDir + " must be an absolute "
                    + "path (libvirt writes it on its host)");
        }
    }

    /**
     * A warning, not an exit: the directory is the libvirt host's, which may be another machine (then it must exist
     * there); a Provision's domain start fails while libvirt cannot write it.
     */
    private void makeConsoleLogDir() {
        Path consoleLogDir = this.consoleLogDir.get();
        if (consoleLogDir == null) {
            return;
        }
        try {
            java.nio.file.Files.createDirectories(consoleLogDir);
        } catch (java.io.IOException e) {
            LOG.atWarn().addKeyValue("dir", consoleLogDir.toString()).log("--console-log-dir cannot be made on this "
                    + "host (" + e + "); it must exist on the libvirt host or domains with a Console do not start");
        }
    }

    /** libvirt-java binds libvirt.so.0 (Debian package libvirt0) through JNA when its first class loads. */
    private static void loadLibvirt() throws PluginLauncher.StartupException {
        try {
            Class.forName("org.libvirt.Library", true, LibvirtMain.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new PluginLauncher.StartupException("libvirt-java (org.libvirt:libvirt) is missing from the class "
                    + "path: the plugin's installation is incomplete", e);
        } catch (LinkageError e) {
            throw new PluginLauncher.StartupException("cannot load the libvirt client library libvirt.so.0 "
                    + "(install the package libvirt0, or point jna.library.path at it): "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip(), e);
        }
    }

    /**
     * A warning, not an exit: the pool may be started later (virsh pool-start), or libvirtd may not be up yet when
     * the plugin starts, and Describe, Label and Destroy of existing instances need no pool. /healthz keeps
     * reporting an unusable pool until it is fixed, so a broken set-up is not first seen at a Provision.
     */
    private void reportStoragePool(LibvirtInstancePlugin plugin) {
        String storagePool = this.storagePool.get();
        if (storagePool == null) {
            LOG.atWarn().log("no --storage-pool: Provision with Init, or with new or overlay Disks naming no Pool, "
                    + "will fail until the plugin is started with one");
            return;
        }
        String problem = plugin.storagePoolProblem();
        if (problem != null) {
            LOG.atWarn().addKeyValue("pool", storagePool).log("--storage-pool " + storagePool + " is not usable now ("
                    + problem + "): Provision with Init or new or overlay disks fails and /healthz reports it until "
                    + "it is fixed");
        }
    }
}
