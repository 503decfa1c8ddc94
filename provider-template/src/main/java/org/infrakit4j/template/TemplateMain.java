package org.infrakit4j.template;

import java.util.Map;
import java.util.concurrent.Callable;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.VendorInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code infrakit-instance-template}: serves {@link TemplateInstancePlugin} on the socket {@code instance-template}. */
@Command(name = "infrakit-instance-template", mixinStandardHelpOptions = true,
        versionProvider = TemplateMain.Version.class,
        description = "InfraKit instance plugin keeping machines in memory.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or SIGINT)", "1:failed while serving", "2:bad command line",
            "3:could not start (socket in use, backend unusable)"})
public final class TemplateMain implements Callable<Integer> {
    /** The socket name: InfraKit's group config names the plugin by it ({@code "Plugin": "instance-template"}). */
    static final String DEFAULT_NAME = "instance-template";

    /** The common flags every plugin takes: --name, --plugins-dir, --log-level, --log-format, limits. */
    @Mixin
    PluginLauncher.Options common;

    @Option(names = "--max-instances", paramLabel = "N", defaultValue = "1000",
            description = "Most machines held at once; Provision beyond it fails at once (default: ${DEFAULT-VALUE}).")
    int maxInstances;

    /** {@code --properties-schema}: prints the JSON Schema of {@link TemplateProperties} and exits. */
    @Mixin
    PropertiesSchema.Flag schema = new PropertiesSchema.Flag(TemplateProperties.class);

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(new TemplateMain(), args));
    }

    @Override
    public Integer call() throws PluginLauncher.StartupException {
        // Flag values are checked before serving touches anything, so a bad one exits 2 at once.
        if (maxInstances < 1) {
            throw new PluginLauncher.UsageException("--max-instances must be at least 1, not " + maxInstances);
        }
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    /** The wiring, by constructor: backend client, then plugin. Tests build the plugin the same way. */
    Map<String, InstancePlugin> plugins(BackendMeter meter) {
        return Map.of("", new TemplateInstancePlugin(new TemplateBackend(maxInstances, meter)));
    }

    /** {@code --version}: this provider's version first, then the infrakit4j it is built on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            VendorInfo vendor = TemplateInstancePlugin.vendor();
            return new String[] {vendor.name() + " " + vendor.version() + " (infrakit4j " + BuildInfo.version() + "), Java " + System.getProperty("java.version")};
        }
    }
}
