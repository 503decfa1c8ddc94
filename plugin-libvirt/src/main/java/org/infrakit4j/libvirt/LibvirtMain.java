package org.infrakit4j.libvirt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.infrakit4j.rpc.BuildInfo;
import org.infrakit4j.rpc.PluginLauncher;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code infrakit-instance-libvirt}: serves {@link LibvirtInstancePlugin} on the socket {@code instance-libvirt}. */
@Command(name = "infrakit-instance-libvirt", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "InfraKit instance plugin keeping instances as libvirt domains.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving",
            "2:bad command line", "3:could not start (socket in use, directory unusable)"})
public final class LibvirtMain implements Callable<Integer> {
    static final String DEFAULT_NAME = "instance-libvirt";
    static final String DEFAULT_URI = "qemu:///system";

    @Mixin
    PluginLauncher.Options common;

    @Option(names = "--uri", paramLabel = "URI", defaultValue = DEFAULT_URI,
            description = "libvirt connection URI, opened on first use and reopened after libvirtd restarts "
                    + "(default: ${DEFAULT-VALUE}; test:///default needs no daemon).")
    String uri;

    @Option(names = "--namespace", paramLabel = "KEY=VALUE", split = ",",
            description = "Tags added to every instance and required of every described one, so several plugins "
                    + "can share one libvirt (repeat or comma-separate).")
    Map<String, String> namespace = new LinkedHashMap<>();

    @Option(names = "--storage-pool", paramLabel = "POOL",
            description = "Storage pool for Init's cloud-init seed disks and for new and overlay volumes "
                    + "(default: none; Provision with Init or such disks then fails with a clear error).")
    String storagePool;

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(new LibvirtMain(), args));
    }

    @Override
    public Integer call() throws PluginLauncher.StartupException {
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    Map<String, InstancePlugin> plugins(BackendMeter meter) throws PluginLauncher.StartupException {
        if (uri.isBlank()) {
            throw new PluginLauncher.StartupException("--uri must not be empty");
        }
        if (storagePool != null && !LibvirtVolumeRef.NAME.matcher(storagePool).matches()) {
            throw new PluginLauncher.StartupException("--storage-pool " + storagePool + " is not a pool name");
        }
        for (Map.Entry<String, String> t : namespace.entrySet()) {
            if (t.getKey().isEmpty()) {
                throw new PluginLauncher.StartupException("--namespace: empty key in =" + t.getValue());
            }
        }
        return Map.of("", new LibvirtInstancePlugin(uri, namespace, storagePool, meter));
    }
}
