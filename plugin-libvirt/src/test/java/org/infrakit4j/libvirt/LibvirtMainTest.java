package org.infrakit4j.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.infrakit4j.runtime.PluginLauncher;
import org.infrakit4j.testkit.CommandRun;
import org.infrakit4j.runtime.ReapPolicy;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibvirtMainTest {
    private static LibvirtMain parse(String... args) throws PluginLauncher.UsageException {
        LibvirtMain main = new LibvirtMain();
        main.flags().parse(args);
        return main;
    }

    @Test
    void defaultsAreQemuSystemTheSocketInstanceLibvirtAndNoPool() throws Exception {
        LibvirtMain main = parse();
        main.env = Map.of();
        main.readEnvironment();
        assertThat(main.uri.get()).isNull();
        assertThat(main.connections).isEqualTo(Map.of("", "qemu:///system"));
        assertThat(LibvirtMain.DEFAULT_NAME).isEqualTo("instance-libvirt");
        assertThat(main.storagePool.get()).isNull();
        assertThat(main.namespace.get()).isEmpty();
        assertThat(main.namespaceTags).isEmpty();
        assertThat(main.timeoutSeconds.get()).isEqualTo(10);
        assertThat(main.keepaliveSeconds.get()).isZero();
        assertThat(main.consoleLogDir.get()).isNull();
        assertThat(main.adopt.get()).isFalse();
    }

    @Test
    void theFlagsAndTheMeterReachThePlugin() throws Exception {
        LibvirtMain main = parse("--uri", "test:///default", "--namespace", "cluster=a,team=b", "--namespace",
                "env=ci", "--storage-pool", "default-pool", "--name", "lv");
        assertThat(main.common.name()).isEqualTo("lv");
        List<String> operations = new CopyOnWriteArrayList<>();
        Map<String, InstancePlugin> plugins = main.plugins((operation, nanos, failed) -> operations.add(operation));
        try (LibvirtInstancePlugin plugin = (LibvirtInstancePlugin) plugins.get("")) {
            assertThat(plugin.connection().uri()).isEqualTo("test:///default");
            var id = plugin.provision(Spec.of(new RawJson("{\"MemoryMiB\":32}"), Map.of("k", "v")));
            assertThat(plugin.describeInstances(Map.of("k", "v"), false)).singleElement()
                    .extracting(Description::tags)
                    .isEqualTo(Map.of("k", "v", "cluster", "a", "team", "b", "env", "ci"));
            plugin.label(id, Map.of("k", "w"));
            plugin.checkHealth();
            plugin.destroy(id, org.infrakit4j.spi.DestroyContext.TERMINATE);
        }
        assertThat(operations).contains("connectOpen", "domainDefineXML", "domainCreate", "listAllDomains",
                "domainSetMetadata", "connectGetLibVersion", "domainUndefine");
        assertThat(operations).as("operation names come from the fixed set only")
                .allMatch(op -> Arrays.stream(LibvirtOperation.values()).anyMatch(o -> o.metricName().equals(op)));
    }

    @Test
    void theReapFlagsReachThePlugin() throws Exception {
        assertThat(parse().reaping.policy()).isEqualTo(ReapPolicy.DEFAULT);
        LibvirtMain main = parse("--uri", "test:///default", "--report-dead", "--reap-after", "1h30m",
                "--reap-pets");
        try (LibvirtInstancePlugin plugin = (LibvirtInstancePlugin) main.plugins(BackendMeter.NONE).get("")) {
            assertThat(plugin.reaper().policy()).isEqualTo(new ReapPolicy(true, Optional.of(Duration.ofMinutes(90)),
                    true));
        }
        assertThat(parse("--reap-after", "never").reaping.policy().reapAfter()).isEmpty();
        assertThat(parse("--reap-after", "0").reaping.policy().reapAfter()).contains(Duration.ZERO);
    }


    @Test
    void aBadReapAfterOrConsoleLogDirExitsTwoBeforeAnythingIsTouched(@TempDir Path dir) {
        Path plugins = dir.resolve("plugins");
        for (String bad : List.of("5 minutes", "-1s", "soon", "", "10x")) {
            CommandRun run = CommandRun.of(new LibvirtMain(), "--uri", "test:///default", "--plugins-dir",
                    plugins.toString(), "--reap-after", bad);
            assertThat(run.exit()).as("--reap-after %s", bad).isEqualTo(2);
            assertThat(run.err()).as("--reap-after %s", bad)
                    .contains("error: --reap-after: not a duration");
        }
        CommandRun run = CommandRun.of(new LibvirtMain(), "--uri", "test:///default", "--plugins-dir",
                plugins.toString(), "--console-log-dir", "relative/dir");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err())
                .contains("error: --console-log-dir relative/dir must be an absolute path");
        assertThat(plugins).as("nothing was made").doesNotExist();
    }

    @Test
    void aBadLibvirtTimeoutOrKeepaliveIsAUsageError(@TempDir Path dir) {
        assertThatThrownBy(() -> parse("--uri", "test:///default", "--libvirt-timeout", "0")
                .plugins(BackendMeter.NONE))
                .isInstanceOf(PluginLauncher.UsageException.class)
                .hasMessage("--libvirt-timeout 0 must be at least 1 second");
        assertThatThrownBy(() -> parse("--uri", "test:///default", "--libvirt-keepalive", "-1")
                .plugins(BackendMeter.NONE))
                .isInstanceOf(PluginLauncher.UsageException.class)
                .hasMessage("--libvirt-keepalive -1 must not be negative");
        CommandRun run = runWith(Map.of(), "--uri", "test:///default", "--plugins-dir",
                dir.resolve("plugins").toString(), "--libvirt-timeout=-5");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("error: --libvirt-timeout -5 must be at least 1 second");
    }

    @Test
    void theHelpListsEveryFlagAndTheExitCodes() {
        String help = new LibvirtMain().flags().help();
        for (String flag : List.of("--uri=URI", "--adopt", "--namespace=KEY=VALUE[,KEY=VALUE...]",
                "--storage-pool=POOL", "--libvirt-timeout=SECONDS", "--libvirt-keepalive=SECONDS",
                "--console-log-dir=DIR", "--properties-schema", "--report-dead", "--reap-after=DURATION",
                "--reap-pets", "--name=NAME", "--plugins-dir=DIR", "--log-level=LEVEL", "-h, --help",
                "-V, --version")) {
            assertThat(help).as(flag).contains(flag);
        }
        assertThat(help).startsWith("Usage: infrakit-instance-libvirt ")
                .contains("InfraKit instance plugin keeping instances as libvirt domains.")
                .contains("(default: 10).")
                .contains("Exit codes:")
                .contains("libvirt0");
    }

    @Test
    void aBadPoolNameCannotStart() {
        assertThatThrownBy(() -> parse("--storage-pool", "../etc").plugins(BackendMeter.NONE))
                .isInstanceOf(PluginLauncher.StartupException.class)
                .hasMessage("--storage-pool ../etc is not a pool name");
    }

    private static CommandRun runWith(Map<String, String> env, String... args) {
        LibvirtMain main = new LibvirtMain();
        main.env = env;
        return CommandRun.of(main, args);
    }

    @Test
    void infrakitLibvirtUrisServesEachEntryAsASubTypeAndDefaultAlsoWithoutOne() throws Exception {
        LibvirtMain main = parse("--adopt");
        main.env = Map.of(LibvirtMain.ENV_URIS, "default=test:///default,other=test:///default?x=1");
        Map<String, InstancePlugin> plugins = main.plugins(BackendMeter.NONE);
        try {
            assertThat(plugins.keySet()).containsExactlyInAnyOrder("", "default", "other");
            assertThat(plugins.get("")).isSameAs(plugins.get("default"));
            assertThat(((LibvirtInstancePlugin) plugins.get("other")).connection().uri())
                    .as("a URI holding '=' is kept whole").isEqualTo("test:///default?x=1");
        } finally {
            for (InstancePlugin p : plugins.values()) {
                ((LibvirtInstancePlugin) p).close(); // "" and "default" are one plugin: closed twice, harmlessly
            }
        }
        LibvirtMain noDefault = parse();
        noDefault.env = Map.of(LibvirtMain.ENV_URIS, "kvm1=test:///default");
        noDefault.readEnvironment();
        assertThat(noDefault.connections).isEqualTo(Map.of("kvm1", "test:///default"));
    }

    @Test
    void infrakitLibvirtNamespaceTagsIsTheNamespace() throws Exception {
        LibvirtMain main = parse("--uri", "test:///default");
        main.env = Map.of(LibvirtMain.ENV_NAMESPACE, "team=a, env=ci");
        main.readEnvironment();
        assertThat(main.namespaceTags).isEqualTo(Map.of("team", "a", "env", "ci"));
        LibvirtMain same = parse("--uri", "test:///default", "--namespace", "team=a,env=ci");
        same.env = Map.of(LibvirtMain.ENV_NAMESPACE, "team=a,env=ci");
        same.readEnvironment();
        assertThat(same.namespaceTags).isEqualTo(Map.of("team", "a", "env", "ci"));
    }

    @Test
    void conflictingOrMalformedInfrakitVariablesExitTwoSayingWhyBeforeAnythingIsTouched(@TempDir Path dir) {
        Path plugins = dir.resolve("plugins");
        Map<Map<String, String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(Map.of(LibvirtMain.ENV_URIS, "default=test:///default"), "error: --uri and INFRAKIT_LIBVIRT_URIS "
                + "both name libvirt connections: give only --uri (INFRAKIT_LIBVIRT_URIS is deprecated)");
        cases.put(Map.of(LibvirtMain.ENV_NAMESPACE, "team=b"), "error: --namespace {team=a} and "
                + "INFRAKIT_LIBVIRT_NAMESPACE_TAGS {team=b} differ: give only --namespace");
        cases.put(Map.of(LibvirtMain.ENV_NAMESPACE, "team"), "error: INFRAKIT_LIBVIRT_NAMESPACE_TAGS: entry team is "
                + "not key=value");
        for (var c : cases.entrySet()) {
            CommandRun run = runWith(c.getKey(), "--uri", "test:///default", "--namespace", "team=a",
                    "--plugins-dir", plugins.toString());
            assertThat(run.exit()).as("%s", c.getKey()).isEqualTo(2);
            assertThat(run.err()).as("%s", c.getKey()).contains(c.getValue());
        }
        for (String bad : List.of("default", "=test:///default", "a=x,a=y", "a/b=test:///default")) {
            CommandRun run = runWith(Map.of(LibvirtMain.ENV_URIS, bad), "--plugins-dir", plugins.toString());
            assertThat(run.exit()).as(bad).isEqualTo(2);
            assertThat(run.err()).as(bad).contains("error: INFRAKIT_LIBVIRT_URIS: ");
        }
        assertThat(plugins).as("nothing was made").doesNotExist();
    }
}
