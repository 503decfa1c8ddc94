package org.infrakit4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.infrakit4j.testkit.PrometheusText;
import org.infrakit4j.testkit.RawHttp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A soak of mixed calls, as group plugins drive a plugin: each client keeps its own group of instances and mostly
 * polls it with Describe, and now and then provisions, labels or destroys one. Every Describe is checked against
 * what the client knows (nothing lost, nothing twice, labels applied); per window it prints calls, errors, p50/p99
 * and the plugin's RSS and open descriptors from its /metrics, and at the end compares the first full window
 * with the last (RSS: the middle window with the last). Exit code 0 only when nothing was lost or duplicated, no call failed and nothing grew beyond the
 * allowed growth.
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
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicLong errors = new AtomicLong();

    public static void main(String[] args) {
        System.exit(new CommandLine(new PluginSoak()).execute(args));
    }

    /** One window's figures. */
    private record Window(int n, long calls, long errors, double p50Ms, double p99Ms, double describeP99Ms,
            double meanMs, double backendMs, long rssBytes, long fds) {
        String line() {
            return String.format(Locale.ROOT, "%6d %8d %6d %8.2f %8.2f %12.2f %10.2f %7.2f %8d %6d", n, calls,
                    errors, p50Ms, p99Ms, describeP99Ms, backendMs, ownMs(), rssBytes / (1024 * 1024), fds);
        }

        /** The mean time per call spent outside the backend's calls: the plugin, the RPC and the clients. */
        double ownMs() {
            return Math.max(0, meanMs - backendMs);
        }
    }

    /** Latencies recorded by all clients during the current window. */
    private final class Recorder {
        private final ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        /** The plugin's backend call time (its /metrics) at the end of the last window. */
        private double backendSecondsBefore;

        void add(boolean describe, long nanos) {
            samples.add(new long[] {describe ? 1 : 0, nanos});
        }

        Window drain(int n) throws IOException {
            List<long[]> taken = new ArrayList<>();
            for (long[] s; (s = samples.poll()) != null; ) {
                taken.add(s);
            }
            long[] all = taken.stream().mapToLong(s -> s[1]).sorted().toArray();
            long[] describes = taken.stream().filter(s -> s[0] == 1).mapToLong(s -> s[1]).sorted().toArray();
            Map<String, Double> m = metrics();
            double backendSeconds = m.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("infrakit4j_backend_call_duration_seconds_sum"))
                    .mapToDouble(Map.Entry::getValue).sum();
            double backendMs = all.length == 0 ? 0 : (backendSeconds - backendSecondsBefore) * 1000 / all.length;
            backendSecondsBefore = backendSeconds;
            return new Window(n, all.length, errors.getAndSet(0), pct(all, 0.5), pct(all, 0.99),
                    pct(describes, 0.99), all.length == 0 ? 0 : LongStream.of(all).average().orElse(0) / 1e6,
                    backendMs, m.getOrDefault("process_resident_memory_bytes", -1.0).longValue(),
                    m.getOrDefault("process_open_fds", -1.0).longValue());
        }
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
        System.out.printf(Locale.ROOT, "%6s %8s %6s %8s %8s %12s %10s %7s %8s %6s%n", "window", "calls", "errors",
                "p50 ms", "p99 ms", "Describe p99", "backend ms", "own ms", "RSS MB", "fds");
        Recorder recorder = new Recorder();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Map<InstanceId, String>>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            workers.add(pool.submit(() -> drive(client, end, recorder)));
        }
        List<Window> windows = new ArrayList<>();
        for (int n = 1; System.nanoTime() < end; n++) {
            Thread.sleep(Math.min(window * 1000L, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            Window w = recorder.drain(n);
            windows.add(w);
            System.out.println(w.line());
        }
        Map<InstanceId, String> left = new HashMap<>();
        for (Future<Map<InstanceId, String>> f : workers) {
            left.putAll(f.get());
        }
        pool.shutdown();
        cleanUp(left);
        return verdict(windows);
    }

    /** One client's loop; returns the instances it still holds (ID to its group tag) for the clean-up. */
    private Map<InstanceId, String> drive(int client, long end, Recorder recorder) {
        Random random = new Random(client);
        String group = run + "-" + client;
        Map<String, String> filter = Map.of("soak.group", group);
        Map<InstanceId, String> mine = new HashMap<>();
        Map<InstanceId, String> labels = new HashMap<>();
        Map<InstanceId, Long> destroyedAt = new HashMap<>();
        try (InstancePluginClient plugin = InstancePluginClient.connect(socket, type,
                Duration.ofSeconds(timeoutSeconds))) {
            int calls = 0;
            while (System.nanoTime() < end) {
                double roll = random.nextDouble();
                long t = System.nanoTime();
                boolean describe = false;
                try {
                    if (roll >= changes || calls++ == 0) {
                        describe = true;
                        check(group, plugin.describeInstances(filter, false), mine, labels, destroyedAt);
                    } else if (mine.isEmpty() || (roll < changes / 2 && mine.size() < groupSize * 1.2)
                            || mine.size() < groupSize * 0.8) {
                        InstanceId id = plugin.provision(Spec.of(new RawJson(properties),
                                Map.of("soak.group", group, "soak.run", run)));
                        if (mine.put(id, group) != null) {
                            problems.add(group + ": Provision returned an ID it had returned before: " + id);
                        }
                    } else if (roll < changes * 0.75) {
                        InstanceId id = pick(mine, random);
                        String value = "v" + calls;
                        plugin.label(id, Map.of("soak.label", value));
                        labels.put(id, value);
                    } else {
                        InstanceId id = pick(mine, random);
                        plugin.destroy(id, DestroyContext.TERMINATE);
                        mine.remove(id);
                        labels.remove(id);
                        destroyedAt.put(id, System.nanoTime());
                    }
                    recorder.add(describe, System.nanoTime() - t);
                } catch (InstanceException e) {
                    recorder.add(describe, System.nanoTime() - t);
                    errors.incrementAndGet();
                    problems.add(group + ": " + e.getMessage());
                }
                if (pauseMs > 0) {
                    Thread.sleep(pauseMs);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return mine;
    }

    private static InstanceId pick(Map<InstanceId, String> mine, Random random) {
        List<InstanceId> ids = new ArrayList<>(mine.keySet());
        return ids.get(random.nextInt(ids.size()));
    }

    /**
     * Every instance the client holds is described once, with its last label; anything else described must be one
     * it destroyed in the last minute (plugins may show an instance until the backend has removed it).
     */
    private void check(String group, List<Description> described, Map<InstanceId, String> mine,
            Map<InstanceId, String> labels, Map<InstanceId, Long> destroyedAt) {
        Set<InstanceId> seen = new HashSet<>();
        long lingerLimit = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);
        for (Description d : described) {
            if (!seen.add(d.id())) {
                problems.add(group + ": described twice: " + d.id());
            }
            if (!mine.containsKey(d.id())) {
                Long gone = destroyedAt.get(d.id());
                if (gone == null || gone < lingerLimit) {
                    problems.add(group + ": described but never provisioned or destroyed long ago: " + d.id());
                }
                continue;
            }
            String label = labels.get(d.id());
            if (label != null && !label.equals(d.tags().get("soak.label"))) {
                problems.add(group + ": label " + label + " missing on " + d.id() + ": " + d.tags());
            }
        }
        for (InstanceId id : mine.keySet()) {
            if (!seen.contains(id)) {
                problems.add(group + ": lost: " + id + " was provisioned but is not described");
            }
        }
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

    private int verdict(List<Window> windows) {
        // The first window holds the JIT warm-up and the groups filling up; growth is measured from the second.
        Window first = windows.get(Math.min(1, windows.size() - 1));
        Window middle = windows.get(windows.size() / 2);
        Window last = windows.get(windows.size() - 1);
        long calls = windows.stream().mapToLong(Window::calls).sum();
        long failed = windows.stream().mapToLong(Window::errors).sum();
        double p99Growth = growth(first.p99Ms, last.p99Ms);
        // A JVM's resident size climbs from its idle size towards its heap bound as it expands the heap, then stays:
        // that is not the plugin's data. A leak keeps growing, so the check is on the second half of the run.
        double rssGrowth = growth(middle.rssBytes, last.rssBytes);
        System.out.printf(Locale.ROOT, "calls %d, errors %d, problems %d%n", calls, failed, problems.size());
        System.out.printf(Locale.ROOT, "p99 %.2f ms -> %.2f ms (%+.0f%%); RSS %d MB -> %d MB at half time -> %d MB "
                + "(%+.0f%% over the second half); fds %d -> %d%n", first.p99Ms, last.p99Ms, p99Growth,
                first.rssBytes >> 20, middle.rssBytes >> 20, last.rssBytes >> 20, rssGrowth, first.fds, last.fds);
        List<String> failures = new ArrayList<>();
        problems.stream().limit(20).forEach(p -> failures.add("problem: " + p));
        if (failed > 0 && problems.isEmpty()) {
            failures.add(failed + " calls failed");
        }
        if (rssGrowth > maxGrowth) {
            failures.add("RSS grew by " + Math.round(rssGrowth) + "% over the second half");
        }
        // Some backends slow down as their own state grows (an emulator that keeps every terminated instance, a host
        // running more machines): that is not the plugin degrading. Its own share of each call must not grow.
        double ownGrowth = growth(first.ownMs(), last.ownMs());
        System.out.printf(Locale.ROOT, "per call: backend %.2f ms -> %.2f ms, own %.2f ms -> %.2f ms (%+.0f%%)%n",
                first.backendMs, last.backendMs, first.ownMs(), last.ownMs(), ownGrowth);
        boolean ownSteady = ownGrowth <= maxGrowth || last.ownMs() - first.ownMs() < 1;
        if (p99Growth > maxGrowth && !ownSteady) {
            failures.add("p99 grew by " + Math.round(p99Growth) + "% and the plugin's own time per call by "
                    + Math.round(ownGrowth) + "%");
        } else if (p99Growth > maxGrowth) {
            System.out.printf(Locale.ROOT, "note: p99 grew by %.0f%% with the backend's time per call; the plugin's "
                    + "own time per call did not grow beyond %.0f%%%n", p99Growth, maxGrowth);
        }
        if (last.fds > first.fds + Math.max(8, first.fds / 5)) {
            failures.add("open descriptors grew from " + first.fds + " to " + last.fds);
        }
        failures.forEach(f -> System.out.println("FAILED " + f));
        System.out.println(failures.isEmpty() ? "soak: PASSED" : "soak: FAILED");
        return failures.isEmpty() ? 0 : 1;
    }

    private static double growth(double from, double to) {
        return from <= 0 ? 0 : (to - from) * 100 / from;
    }
}
