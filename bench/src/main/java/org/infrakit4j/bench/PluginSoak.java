package org.infrakit4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A soak of mixed calls, as group plugins drive a plugin: {@link SoakClient}s load it, a {@link SoakChecker}
 * checks every Describe against what its client knows, each window prints a {@link SoakWindow} (calls, errors,
 * p50/p99, the plugin's RSS and open descriptors from its /metrics), and the {@link SoakVerdict} decides. Exit code
 * 0 only when nothing was lost or duplicated, no call failed and nothing grew beyond the allowed growth.
 */
@Command(name = "plugin-soak", mixinStandardHelpOptions = true,
        description = "Mixed long-running load on an InfraKit instance plugin socket, checked call by call.")
public final class PluginSoak implements Callable<Integer> {
    @Option(names = "--socket", required = true, description = "The plugin's unix socket.")
    Path socket;

    @Option(names = "--launch", arity = "1..*", description = "Start the plugin with this command first "
            + "(stopped with SIGTERM at the end).")
    List<String> launch;

    @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--seconds", defaultValue = "600", description = "Length of the soak (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--window", defaultValue = "60", description = "Seconds per report line (default: "
            + "${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--group-size", defaultValue = "20",
            description = "Instances each client keeps, give or take a few (default: ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(names = "--changes", defaultValue = "0.2",
            description = "Share of calls that provision, label or destroy; the rest describe (default: "
                    + "${DEFAULT-VALUE}).")
    double changes;

    @Option(names = "--pause-ms", defaultValue = "0",
            description = "Pause between one client's calls, for slow backends (default: ${DEFAULT-VALUE}).")
    int pauseMs;

    @Option(names = "--properties", defaultValue = "{\"size\":\"small\"}",
            description = "Properties of each Provision (default: ${DEFAULT-VALUE}).")
    String properties;

    @Option(names = "--max-growth", defaultValue = "20",
            description = "Allowed growth, in percent, of p99 from the first full window to the last and of RSS "
                    + "over the second half of the run (default: ${DEFAULT-VALUE}).")
    double maxGrowth;

    @Option(names = "--timeout", defaultValue = "60", description = "Client timeout per call, seconds.")
    int timeoutSeconds;

    @Option(names = "--type", defaultValue = "", description = "Sub-plugin type (default: none).")
    String type;

    private final String run = "soak-" + Long.toHexString(System.nanoTime());
    private final SoakChecker checker = new SoakChecker();

    public static void main(String[] args) {
        System.exit(new CommandLine(new PluginSoak()).execute(args));
    }

    /** The window's figures from the clients' samples and the plugin's /metrics. */
    private SoakWindow window(int n, SoakClient.Samples samples, double[] backendSecondsBefore) throws IOException {
        List<long[]> taken = samples.drain();
        long[] all = taken.stream().mapToLong(s -> s[1]).sorted().toArray();
        long[] describes = taken.stream().filter(s -> s[0] == 1).mapToLong(s -> s[1]).sorted().toArray();
        Map<String, Double> m = metrics();
        double backendSeconds = m.entrySet().stream()
                .filter(e -> e.getKey().startsWith("infrakit4j_backend_call_duration_seconds_sum"))
                .mapToDouble(Map.Entry::getValue).sum();
        double backendMs = all.length == 0 ? 0 : (backendSeconds - backendSecondsBefore[0]) * 1000 / all.length;
        backendSecondsBefore[0] = backendSeconds;
        return new SoakWindow(n, all.length, samples.drainErrors(), pct(all, 0.5), pct(all, 0.99),
                pct(describes, 0.99), all.length == 0 ? 0 : LongStream.of(all).average().orElse(0) / 1e6,
                backendMs, m.getOrDefault("process_resident_memory_bytes", -1.0).longValue(),
                m.getOrDefault("process_open_fds", -1.0).longValue());
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)]
                / 1e6;
    }

    private Map<String, Double> metrics() throws IOException {
        try (RawHttp http = new RawHttp(socket)) {
            RawHttp.Reply reply = http.send("GET", "/metrics", null, null);
            return reply.status() == 200 ? PrometheusText.parse(reply.text()) : Map.of();
        }
    }

    @Override
    public Integer call() throws Exception {
        Process plugin = null;
        if (launch != null) {
            Files.deleteIfExists(socket);
            plugin = new ProcessBuilder(launch).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            while (!PluginDirectory.isLive(socket)) {
                if (!plugin.isAlive()) {
                    throw new IOException("the plugin exited with " + plugin.exitValue() + " before serving");
                }
                Thread.sleep(5);
            }
        }
        try {
            return soak(plugin);
        } finally {
            if (plugin != null) {
                plugin.destroy();
                plugin.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private int soak(Process plugin) throws Exception {
        System.out.printf(Locale.ROOT, "soak: %d clients, %d s, windows of %d s, groups of ~%d, %.0f%% changes%n",
                clients, seconds, window, groupSize, changes * 100);
        System.out.println(SoakWindow.HEADER);
        SoakClient.Samples samples = new SoakClient.Samples();
        SoakClient.Load load = new SoakClient.Load(socket, type, Duration.ofSeconds(timeoutSeconds), groupSize,
                changes, pauseMs, properties, run);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Map<InstanceId, String>>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SoakClient client = new SoakClient(c, load, checker, samples);
            workers.add(pool.submit(() -> client.drive(end)));
        }
        List<SoakWindow> windows = new ArrayList<>();
        double[] backendSeconds = {0};
        for (int n = 1; System.nanoTime() < end; n++) {
            Thread.sleep(Math.min(window * 1000L, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            SoakWindow w = window(n, samples, backendSeconds);
            windows.add(w);
            System.out.println(w.line());
        }
        Map<InstanceId, String> left = new HashMap<>();
        for (Future<Map<InstanceId, String>> f : workers) {
            left.putAll(f.get());
        }
        pool.shutdown();
        cleanUp(left);
        SoakVerdict verdict = SoakVerdict.of(windows, checker.problems(), checker.count(), maxGrowth);
        verdict.summary().forEach(System.out::println);
        verdict.failures().forEach(f -> System.out.println("FAILED " + f));
        System.out.println(verdict.passed() ? "soak: PASSED" : "soak: FAILED");
        return verdict.passed() ? 0 : 1;
    }

    private void cleanUp(Map<InstanceId, String> left) {
        try (InstancePluginClient plugin = InstancePluginClient.connect(socket, type,
                Duration.ofSeconds(timeoutSeconds))) {
            for (InstanceId id : left.keySet()) {
                plugin.destroy(id, DestroyContext.TERMINATE);
            }
            System.out.printf(Locale.ROOT, "clean-up: destroyed the %d instances left%n", left.size());
        }
    }
}
