package org.infrakit4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.testkit.RawHttp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load on any plugin socket that speaks the InfraKit instance protocol (ours or another implementation's):
 * C clients on keep-alive connections send N calls per method and it prints calls/s, p50 and p99. With
 * {@code --launch} it also starts the plugin and reports launch-to-socket-ready time and idle RSS.
 */
@Command(name = "plugin-bench", mixinStandardHelpOptions = true,
        description = "Drives an InfraKit instance plugin socket and prints calls/s, p50 and p99 per method.")
public final class PluginBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--socket", required = true, description = "The plugin's unix socket.")
    Path socket;

    @Option(names = "--launch", arity = "1..*", description = "Start the plugin with this command first "
            + "(measures launch to socket-ready and idle RSS; stopped with SIGTERM at the end).")
    List<String> launch;

    @Option(names = "--clients", defaultValue = "1", description = "Concurrent clients for Describe and Label "
            + "(default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--provision-clients", defaultValue = "8",
            description = "Concurrent clients for Provision and Destroy (default: ${DEFAULT-VALUE}).")
    int provisionClients;

    @Option(names = "--instances", defaultValue = "1000",
            description = "Instances provisioned before Describe is measured, then destroyed (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--calls", defaultValue = "2000", description = "Calls per Describe/Label variant "
            + "(default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--properties", defaultValue = "{\"size\":\"small\"}",
            description = "Properties of each Provision (default: ${DEFAULT-VALUE}).")
    String properties;

    @Option(names = "--warmup", defaultValue = "1000", description = "Calls of each kind made, and not counted, "
            + "before measuring, so the plugin's JIT has compiled its paths (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-calls", description = "Describe/Label calls of the warm-up round, when they should "
            + "differ from --warmup (default: --warmup).")
    Integer warmupCalls;

    @Option(names = "--settle", defaultValue = "0", description = "Seconds to wait after the Provisions before "
            + "measuring Describe, for the plugin's background work to finish (default: ${DEFAULT-VALUE}).")
    int settle;

    @Option(names = "--type", defaultValue = "", description = "Sub-plugin type (default: none).")
    String type;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PluginBench()).execute(args));
    }

    /** Latencies of one method. */
    private record Result(String method, int calls, int errors, double seconds, long[] nanos) {
        String line() {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "%-34s %7d %6d %10.0f %9.2f %9.2f", method, calls, errors,
                    calls / seconds, pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6);
        }

        private static double pct(long[] sorted, double p) {
            return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }
    }

    @Override
    public Integer call() throws Exception {
        Process plugin = null;
        if (launch != null) {
            Files.deleteIfExists(socket);
            long t0 = System.nanoTime();
            plugin = new ProcessBuilder(launch).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            while (!PluginDirectory.isLive(socket)) {
                if (!plugin.isAlive()) {
                    throw new IOException("the plugin exited with " + plugin.exitValue() + " before serving");
                }
                Thread.sleep(1);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            Thread.sleep(2000);
            System.out.printf(Locale.ROOT, "launch to socket-ready: %.0f ms%n", ms);
            System.out.printf(Locale.ROOT, "idle RSS after start: %d MB%n", rssKb(plugin.pid()) / 1024);
        }
        try {
            run(plugin);
        } finally {
            if (plugin != null) {
                plugin.destroy();
                plugin.waitFor(30, TimeUnit.SECONDS);
            }
        }
        return 0;
    }

    private void run(Process plugin) throws Exception {
        if (warmup > 0) {
            int keep = instances;
            int keepCalls = calls;
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                instances = warmup;
                calls = warmupCalls == null ? warmup : warmupCalls;
                measure();
            } finally {
                System.setOut(out);
                instances = keep;
                calls = keepCalls;
            }
        }
        measure();
        if (plugin != null) {
            System.out.printf(Locale.ROOT, "RSS after the load: %d MB%n", rssKb(plugin.pid()) / 1024);
        }
    }

    private void measure() throws Exception {
        String group = "bench-" + Long.toHexString(System.nanoTime());
        System.out.printf(Locale.ROOT, "%-34s %7s %6s %10s %9s %9s%n", "method", "calls", "errors", "calls/s",
                "p50 ms", "p99 ms");
        List<String> ids = new ArrayList<>(new ConcurrentLinkedQueue<>());
        ConcurrentLinkedQueue<String> made = new ConcurrentLinkedQueue<>();
        Result provision = load("Provision (" + provisionClients + " clients)", provisionClients, instances,
                i -> "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"" + type
                        + "\",\"Spec\":{\"Properties\":" + properties + ",\"Tags\":{\"bench.group\":\"" + group
                        + "\",\"bench.shard\":\"s" + (i % 100) + "\",\"infrakit.config_sha\":\"abc\"},\"Init\":\"\","
                        + "\"LogicalID\":null,\"Attachments\":null}},\"id\":" + i + "}",
                reply -> made.add(reply.path("result").path("ID").asText()));
        System.out.println(provision.line());
        ids.addAll(made);
        Thread.sleep(settle * 1000L);
        String tags = "{\"bench.group\":\"" + group + "\"}";
        System.out.println(load("Describe (no filter)", clients, calls, i -> describe("null", false), null)
                .line());
        System.out.println(load("Describe (group filter)", clients, calls, i -> describe(tags, false), null)
                .line());
        System.out.println(load("Describe (one-tag filter, 1% match)", clients, calls,
                i -> describe("{\"bench.shard\":\"s7\"}", false), null).line());
        System.out.println(load("Describe (Properties)", clients, Math.max(1, calls / 4),
                i -> describe(tags, true), null).line());
        if (!ids.isEmpty()) {
            System.out.println(load("Label", clients, calls, i -> "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Label\","
                    + "\"params\":{\"Type\":\"" + type + "\",\"Instance\":\"" + ids.get(i % ids.size())
                    + "\",\"Labels\":{\"bench.label\":\"v" + i + "\"}},\"id\":" + i + "}", null).line());
        }
        System.out.println(load("Destroy (" + provisionClients + " clients)", provisionClients, ids.size(),
                i -> "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Type\":\"" + type
                        + "\",\"Instance\":\"" + ids.get(i) + "\",\"Context\":{\"Reason\":\"terminate\"}},\"id\":" + i
                        + "}", null).line());
    }

    private String describe(String tags, boolean props) {
        return "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"" + type
                + "\",\"Tags\":" + tags + ",\"Properties\":" + props + "},\"id\":1}";
    }

    private interface ReplyConsumer {
        void accept(JsonNode reply);
    }

    /** Runs {@code n} calls from {@code c} clients, each on its own keep-alive connection. */
    private Result load(String name, int c, int n, IntFunction<String> body, ReplyConsumer onReply)
            throws Exception {
        long[] nanos = new long[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(c);
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < c; w++) {
            workers.add(pool.submit(() -> {
                try (RawHttp http = new RawHttp(socket)) {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        String request = body.apply(i);
                        long t = System.nanoTime();
                        RawHttp.Reply reply = http.post(request);
                        nanos[i] = System.nanoTime() - t;
                        // Only the envelope's start is checked: parsing every reply would load the client, not the plugin.
                        if (reply.status() != 200 || !startsWith(reply.body(), RESULT)) {
                            if (errors.getAndIncrement() == 0) {
                                System.err.println(name + ": " + reply.text().trim());
                            }
                        } else if (onReply != null) {
                            onReply.accept(JSON.readTree(reply.body()));
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new Result(name, n, errors.get(), seconds, nanos);
    }

    private static final byte[] RESULT = "{\"jsonrpc\":\"2.0\",\"result\":".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean startsWith(byte[] body, byte[] prefix) {
        return body.length >= prefix.length && Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** VmRSS of a process, in kB (-1 when /proc does not say). */
    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
