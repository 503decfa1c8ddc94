package org.infrakit4j.rpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.infrakit4j.spi.BackendMeter;
import org.infrakit4j.spi.ErrorCode;

/**
 * The figures behind {@code GET /metrics}, in the Prometheus text format (version 0.0.4): RPC calls, errors and
 * latency per method, backend calls, errors and latency per operation, instances described, build and process
 * figures. Lock-free on the recording side; label values come only from fixed sets, never from requests.
 */
public final class PluginMetrics implements BackendMeter {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Upper bounds of the latency buckets, in seconds. */
    private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10, 30};
    private static final List<String> LE = Stream.concat(Arrays.stream(BUCKETS).mapToObj(Double::toString),
            Stream.of("+Inf")).toList();
    private static final Set<String> METHODS = Set.of("Instance.Validate", "Instance.Provision", "Instance.Label",
            "Instance.Destroy", "Instance.DescribeInstances", "Handshake.Implements", "Handshake.Types",
            "Handshake.Hello");
    /** The method label of requests with no known method (unparsable bodies, unknown names). */
    static final String OTHER = "other";
    private static final int MAX_OPERATIONS = 200;
    /** Bounds the method labels services may add: each is a series per bucket, kept for the process's life. */
    static final int MAX_SERVICE_METHODS = 64;

    /** Error kinds of replies that never reached a plugin. */
    enum RpcFailure { parse_error, invalid_request, unknown_method }

    private final String plugin;
    private final Map<String, Histogram> calls = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, Histogram> backend = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> backendErrors = new ConcurrentHashMap<>();
    private final LongAdder described = new LongAdder();
    private final Map<String, LongAdder> deadSeen = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> deadReaped = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder connectionsRefused = new LongAdder();
    private final long startMillis = System.currentTimeMillis();
    private final String version;
    /** Methods of the services served beside the Instance SPI ({@link RpcService#methodNames}), e.g. Group's. */
    private final Set<String> serviceMethods = ConcurrentHashMap.newKeySet();

    /** @param plugin the plugin's name (its socket file name), shown in the build info */
    public PluginMetrics(String plugin) {
        this(plugin, "unknown");
    }

    /**
     * @param plugin the plugin's name (its socket file name), shown in the build info
     * @param version the plugin's version, shown in the build info (the wire layer does not know whose it is)
     */
    public PluginMetrics(String plugin, String version) {
        this.plugin = plugin;
        this.version = version;
    }

    /** The method label for a request's method name: itself when known, else {@value #OTHER}. */
    String methodLabel(String method) {
        return method != null && (METHODS.contains(method) || serviceMethods.contains(method)) ? method : OTHER;
    }

    /** Counts a served service's methods under their own names ({@code Service.Method}). */
    void knowServiceMethods(String service, List<String> methods) {
        for (String m : methods) {
            String full = service + "." + m;
            if (!serviceMethods.contains(full) && serviceMethods.size() >= MAX_SERVICE_METHODS) {
                throw new IllegalArgumentException("services declare more than " + MAX_SERVICE_METHODS
                        + " methods: " + full + " is one too many");
            }
            serviceMethods.add(full);
        }
    }

    void recordCall(String method, long nanos) {
        calls.computeIfAbsent(methodLabel(method), k -> new Histogram()).observe(nanos);
    }

    /** An error reply from the plugin, by the kind it was thrown with. */
    void recordPluginError(String method, ErrorCode kind) {
        recordError(method, kind.name().toLowerCase(Locale.ROOT));
    }

    void recordRpcError(String method, RpcFailure kind) {
        recordError(method, kind.name());
    }

    private void recordError(String method, String kind) {
        errors.computeIfAbsent(labels("method", methodLabel(method), "kind", kind), k -> new LongAdder()).increment();
    }

    /** A connection opened; returns how many are open now, this one included. */
    int connectionOpened() {
        return connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    void connectionRefused() {
        connectionsRefused.increment();
    }

    /** Connections open right now. */
    public int openConnections() {
        return connections.get();
    }

    void recordDescribed(int instances) {
        described.add(instances);
    }

    @Override
    public void record(String operation, long nanos, boolean failed) {
        String op = operation == null || operation.isEmpty() ? OTHER : operation;
        if (!backend.containsKey(op) && backend.size() >= MAX_OPERATIONS) {
            op = OTHER; // a plugin bug must not grow the map without bound
        }
        backend.computeIfAbsent(op, k -> new Histogram()).observe(nanos);
        if (failed) {
            backendErrors.computeIfAbsent(op, k -> new LongAdder()).increment();
        }
    }

    @Override
    public void deadInstanceSeen(String state) {
        countByState(deadSeen, state);
    }

    @Override
    public void deadInstanceReaped(String state) {
        countByState(deadReaped, state);
    }

    private static void countByState(Map<String, LongAdder> series, String state) {
        String s = state == null || state.isEmpty() ? OTHER : state;
        if (!series.containsKey(s) && series.size() >= MAX_OPERATIONS) {
            s = OTHER; // states come from a provider's fixed set; a bug must not grow the map without bound
        }
        series.computeIfAbsent(s, k -> new LongAdder()).increment();
    }

    /** Dead instances reaped so far, all states together: for tests and tools. */
    public long deadInstancesReaped() {
        return deadReaped.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The whole exposition, as served on {@code GET /metrics}. */
    public byte[] render() {
        StringBuilder out = new StringBuilder(4096);
        header(out, "infrakit4j_build_info", "gauge", "Build of this plugin process.");
        out.append("infrakit4j_build_info").append(labels("plugin", plugin, "version", version,
                "java", System.getProperty("java.version", ""))).append(" 1\n");
        histograms(out, "infrakit4j_rpc_call_duration_seconds", "RPC calls answered, by method, and their latency.",
                "method", calls);
        counters(out, "infrakit4j_rpc_errors_total", "RPC calls answered with an error, by method and kind.",
                errors, null);
        header(out, "infrakit4j_instances_described_total", "counter",
                "Instances returned by DescribeInstances.");
        out.append("infrakit4j_instances_described_total ").append(described.sum()).append('\n');
        header(out, "infrakit4j_connections_open", "gauge", "Client connections open on the socket.");
        out.append("infrakit4j_connections_open ").append(connections.get()).append('\n');
        header(out, "infrakit4j_connections_refused_total", "counter",
                "Connections closed at once because --max-connections were open.");
        out.append("infrakit4j_connections_refused_total ").append(connectionsRefused.sum()).append('\n');
        histograms(out, "infrakit4j_backend_call_duration_seconds",
                "Calls to the backend, by operation, and their latency.", "operation", backend);
        counters(out, "infrakit4j_backend_errors_total", "Backend calls that failed, by operation.",
                backendErrors, "operation");
        counters(out, "infrakit4j_dead_instances_seen_total",
                "Instances found dead (not running, and not coming back by themselves), by the state they died in.",
                deadSeen, "state");
        counters(out, "infrakit4j_dead_instances_reaped_total",
                "Dead instances destroyed by the plugin's reaper, by the state they died in.", deadReaped, "state");
        process(out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The total of one counter or histogram count, for tests and tools: e.g. all backend calls. */
    public long backendCalls() {
        return backend.values().stream().mapToLong(Histogram::count).sum();
    }

    private void process(StringBuilder out) {
        header(out, "process_start_time_seconds", "gauge", "Start time of the process since the epoch.");
        out.append("process_start_time_seconds ").append(startMillis / 1000.0).append('\n');
        long rss = residentBytes();
        if (rss >= 0) {
            header(out, "process_resident_memory_bytes", "gauge", "Resident memory size.");
            out.append("process_resident_memory_bytes ").append(rss).append('\n');
        }
        long fds = openFds();
        if (fds >= 0) {
            header(out, "process_open_fds", "gauge", "Open file descriptors.");
            out.append("process_open_fds ").append(fds).append('\n');
        }
        Runtime rt = Runtime.getRuntime();
        header(out, "jvm_memory_heap_used_bytes", "gauge", "Java heap in use.");
        out.append("jvm_memory_heap_used_bytes ").append(rt.totalMemory() - rt.freeMemory()).append('\n');
        header(out, "jvm_threads_live", "gauge", "Live Java threads.");
        out.append("jvm_threads_live ").append(Thread.activeCount()).append('\n');
    }

    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the figure is left out
        }
        return -1;
    }

    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own descriptor
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void histograms(StringBuilder out, String name, String help, String label,
            Map<String, Histogram> series) {
        header(out, name, "histogram", help);
        for (var e : new TreeMap<>(series).entrySet()) {
            e.getValue().render(out, name, label, e.getKey());
        }
    }

    /** @param label the label the keys are values of, or null when the keys are whole label sets already */
    private static void counters(StringBuilder out, String name, String help, Map<String, LongAdder> series,
            String label) {
        header(out, name, "counter", help);
        for (var e : new TreeMap<>(series).entrySet()) {
            out.append(name).append(label == null ? e.getKey() : labels(label, e.getKey()))
                    .append(' ').append(e.getValue().sum()).append('\n');
        }
    }

    /** {@code {k1="v1",k2="v2"}} with the format's escapes. */
    static String labels(String... pairs) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append(pairs[i]).append("=\"");
            for (char c : pairs[i + 1].toCharArray()) {
                switch (c) {
                    case '\\' -> b.append("\\\\");
                    case '"' -> b.append("\\\"");
                    case '\n' -> b.append("\\n");
                    default -> b.append(c);
                }
            }
            b.append('"');
        }
        return b.append('}').toString();
    }

    /** A latency histogram: cumulative buckets are summed at render time from per-bucket adders. */
    private static final class Histogram {
        private final LongAdder[] buckets = new LongAdder[BUCKETS.length + 1];
        private final LongAdder sumNanos = new LongAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(long nanos) {
            double seconds = nanos / 1e9;
            int i = 0;
            while (i < BUCKETS.length && seconds > BUCKETS[i]) {
                i++;
            }
            buckets[i].increment();
            sumNanos.add(nanos);
        }

        long count() {
            long n = 0;
            for (LongAdder b : buckets) {
                n += b.sum();
            }
            return n;
        }

        void render(StringBuilder out, String name, String label, String value) {
            long cumulative = 0;
            for (int i = 0; i < buckets.length; i++) {
                cumulative += buckets[i].sum();
                out.append(name).append("_bucket").append(labels(label, value, "le", LE.get(i))).append(' ')
                        .append(cumulative).append('\n');
            }
            out.append(name).append("_sum").append(labels(label, value)).append(' ')
                    .append(sumNanos.sum() / 1e9).append('\n');
            out.append(name).append("_count").append(labels(label, value)).append(' ').append(cumulative)
                    .append('\n');
        }
    }
}
