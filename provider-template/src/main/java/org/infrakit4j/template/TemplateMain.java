package org.infrakit4j.template;

import java.util.Map;
import org.infrakit4j.runtime.BuildInfo;
import org.infrakit4j.runtime.Flags;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.runtime.PropertiesSchema;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.VendorInfo;

/** {@code infrakit-instance-template}: serves {@link TemplateInstancePlugin} on the socket {@code instance-template}. */
public final class TemplateMain implements PluginLauncher.PluginCommand {
    /** The socket name: InfraKit's group config names the plugin by it ({@code "Plugin": "instance-template"}). */
    static final String DEFAULT_NAME = "instance-template";

    /** The command line, declared in code (no reflection: a plugin starts sooner). */
    final Flags flags = new Flags("infrakit-instance-template", "InfraKit instance plugin keeping machines in memory.")
            .version(TemplateMain::version)
            .exitCode(0, "stopped cleanly (SIGTERM or SIGINT)")
            .exitCode(1, "failed while serving")
            .exitCode(2, "bad command line")
            .exitCode(3, "could not start (socket in use, backend unusable)");

    /** The common flags every plugin takes: --name, --plugins-dir, --log-level, --log-format, limits. */
    final PluginLauncher.Options common = new PluginLauncher.Options(flags);

    final Flags.Flag<Integer> maxInstances = flags.value("--max-instances", "N", Flags.INTEGER,
            "Most machines held at once; Provision beyond it fails at once (default: 1000).").defaultValue(1000);

    /** {@code --properties-schema}: prints the JSON Schema of {@link TemplateProperties} and exits. */
    final PropertiesSchema.Flag schema = new PropertiesSchema.Flag(flags, TemplateProperties.class);

    @Override
    public Flags flags() {
        return flags;
    }

    public static void main(String[] args) {
        System.exit(PluginLauncher.execute(TemplateMain::new, args));
    }

    @Override
    public int call() throws PluginLauncher.StartupException {
        // Flag values are checked before serving touches anything, so a bad one exits 2 at once.
        if (maxInstances.get() < 1) {
            throw new PluginLauncher.UsageException("--max-instances must be at least 1, not " + maxInstances.get());
        }
        return PluginLauncher.serve(common, DEFAULT_NAME, this::plugins);
    }

    /** The wiring, by constructor: backend client, then plugin. Tests build the plugin the same way. */
    Map<String, InstancePlugin> plugins(BackendMeter meter) {
        return Map.of("", new TemplateInstancePlugin(new TemplateBackend(maxInstances.get(), meter)));
    }

    /** {@code --version}: this provider's version first, then the infrakit4j it is built on. */
    static String version() {
        VendorInfo vendor = TemplateInstancePlugin.vendor();
        return vendor.name() + " " + vendor.version() + " (infrakit4j " + BuildInfo.version() + "), Java "
                + System.getProperty("java.version");
    }
}
