package org.infrakit4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.testkit.RawHttp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The figures of issue #15 for a built distribution, as InfraKit's own Go client sees them ({@code peerbench}),
 * with the Go reference file plugin beside ours in the same run when its binary is given, and the floor of the
 * Go client itself ({@code canned-describe} answering with our very reply bytes). Prints a markdown table.
 */
@Command(name = "release-bench", mixinStandardHelpOptions = true,
        description = "Start-up, cold calls and Describe of a built distribution, through InfraKit's Go client.")
public final class ReleaseBench implements Callable<Integer> {
    @Option(names = "--dist", required = true, description = "The assembled distribution directory (bin/, lib/).")
    Path dist;

    @Option(names = "--peerbench", required = true, description = "InfraKit's Go load client (peerbench).")
    Path peerbench;

    @Option(names = "--canned", required = true, description = "canned-describe, the Go client's floor server.")
    Path canned;

    @Option(names = "--reference-file", description = "The Go reference file plugin, measured beside ours.")
    Path referenceFile;

    @Option(names = "--docker-host", defaultValue = "${env:IK4J_DOCKER_HOST}",
            description = "dockerd for plugin-docker's start-up (default: $IK4J_DOCKER_HOST; none: not measured).")
    String dockerHost;

    @Option(names = "--libvirt-uri", defaultValue = "${env:IK4J_LIBVIRT_URI}",
            description = "libvirt for plugin-libvirt's start-up (default: $IK4J_LIBVIRT_URI; none: not measured).")
    String libvirtUri;

    @Option(names = "--aws-endpoint", defaultValue = "${env:IK4J_MOTO_ENDPOINT}",
            description = "EC2 endpoint for plugin-aws's start-up (default: $IK4J_MOTO_ENDPOINT; none: not measured).")
    String awsEndpoint;

    @Option(names = "--launches", defaultValue = "5", description = "Launches per start-up figure; the median "
            + "is shown (default: ${DEFAULT-VALUE}).")
    int launches;

    @Option(names = "--instances", defaultValue = "1000", description = "Provisions by 8 Go clients after start, "
            + "then the instances described (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--provision-clients", defaultValue = "8", description = "(default: ${DEFAULT-VALUE}).")
    int provisionClients;

    @Option(names = "--describe-warmup", defaultValue = "20", description = "Describe calls made before measuring "
            + "(default: ${DEFAULT-VALUE}).")
    int describeWarmup;

    @Option(names = "--describe-calls", defaultValue = "300", description = "Describe calls measured, plain and "
            + "with Properties each (default: ${DEFAULT-VALUE}).")
    int describeCalls;

    @Option(names = "--work", description = "Scratch directory (default: a new one under /tmp, removed after).")
    Path work;

    private final List<Process> running = new ArrayList<>();
    private int launchCount;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReleaseBench()).execute(args));
    }

    /** One run of peerbench: its rate and percentiles. */
    record Peer(int errors, double rate, double p50ms, double p90ms, double p99ms) {
        private static final Pattern LINE = Pattern.compile(
                "errors=(\\d+) .*rate=([0-9.]+)/s p50=(\\S+) p90=(\\S+) p99=(\\S+)");

        Peer {
            if (errors < 0 || rate < 0) {
                throw new IllegalArgumentException("negative figure");
            }
        }

        static Peer parse(String line) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                throw new IllegalStateException("peerbench printed no figures: " + line.trim());
            }
            return new Peer(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)), goMillis(m.group(3)),
                    goMillis(m.group(4)), goMillis(m.group(5)));
        }

        /** A Go time.Duration string (1h2m3.5s, 2.9ms, 850µs, 120ns) in milliseconds. */
        static double goMillis(String d) {
            Matcher m = Pattern.compile("([0-9.]+)(h|m(?!s)|s|ms|µs|us|ns)").matcher(d);
            double ms = 0;
            while (m.find()) {
                double v = Double.parseDouble(m.group(1));
                ms += switch (m.group(2)) {
                    case "h" -> v * 3_600_000;
                    case "m" -> v * 60_000;
                    case "s" -> v * 1000;
                    case "ms" -> v;
                    case "µs", "us" -> v / 1000;
                    default -> v / 1_000_000;
                };
            }
            return ms;
        }
    }

    /** A plugin to launch: how, and where its socket appears. */
    private record Launch(String label, List<String> command, Map<String, String> env) {
    }

    /** A launched plugin, ready. */
    private record Started(Process process, Path socket, double readyMs) {
    }

    @Override
    public Integer call() throws Exception {
        boolean own = work == null;
        if (own) {
            work = Files.createTempDirectory("ik4j-release-bench");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
        try {
            Table table = new Table(referenceFile != null);
            startupFigures(table);
            callFigures(table);
            System.out.print(table.markdown());
            return 0;
        } finally {
            stopAll();
            if (own) {
                deleteTree(work);
            }
        }
    }

    private void startupFigures(Table table) throws Exception {
        Launch file = ours("file", List.of());
        Launch ref = referenceFile == null ? null : reference();
        startup(table, "launch to socket ready, plugin-file", file, ref, "≤ 400 ms", 400);
        if (dockerHost != null && !dockerHost.isBlank()) {
            startup(table, "launch to socket ready, plugin-docker", ours("docker", List.of("--docker-host",
                    dockerHost)), null, "≤ 500 ms", 500);
        } else {
            table.skipped("launch to socket ready, plugin-docker", "no --docker-host");
        }
        if (libvirtUri != null && !libvirtUri.isBlank()) {
            startup(table, "launch to socket ready, plugin-libvirt", ours("libvirt", List.of("--uri", libvirtUri)),
                    null, "≤ 500 ms", 500);
        } else {
            table.skipped("launch to socket ready, plugin-libvirt", "no --libvirt-uri");
        }
        if (awsEndpoint != null && !awsEndpoint.isBlank()) {
            startup(table, "launch to socket ready, plugin-aws", ours("aws", List.of("--endpoint", awsEndpoint,
                    "--region", "us-east-1")), null, "≤ 500 ms", 500);
        } else {
            table.skipped("launch to socket ready, plugin-aws", "no --aws-endpoint");
        }
    }

    /** Median launch-to-ready of {@code launches} starts, and the idle RSS of the last, 2 s after ready. */
    private void startup(Table table, String figure, Launch ours, Launch ref, String target, double limitMs)
            throws Exception {
        List<Double> mine = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        long rss = 0;
        long refRss = 0;
        for (int i = 0; i < launches; i++) {
            Started s = launch(ours);
            mine.add(s.readyMs);
            if (i == launches - 1) {
                Thread.sleep(2000);
                rss = PluginBench.rssKb(s.process.pid());
            }
            stop(s.process);
            if (ref != null) {
                Started r = launch(ref);
                theirs.add(r.readyMs);
                if (i == launches - 1) {
                    Thread.sleep(2000);
                    refRss = PluginBench.rssKb(r.process.pid());
                }
                stop(r.process);
            }
        }
        double median = median(mine);
        table.row(figure, spread(mine, "ms"), ref == null ? "" : spread(theirs, "ms"), target,
                median <= limitMs);
        String name = figure.substring(figure.lastIndexOf(' ') + 1);
        table.row("idle RSS, " + name, rss / 1024 + " MB", ref == null ? "" : refRss / 1024 + " MB", "≤ 96 MB",
                rss / 1024.0 <= 96);
    }

    private void callFigures(Table table) throws Exception {
        Launch file = ours("file", List.of());
        Launch ref = referenceFile == null ? null : reference();
        // Cold calls: each sample is a fresh plugin on an empty directory, called as soon as its socket is there.
        List<Double> provision = new ArrayList<>();
        List<Double> describe = new ArrayList<>();
        List<Double> refProvision = new ArrayList<>();
        List<Double> refDescribe = new ArrayList<>();
        for (int i = 0; i < launches; i++) {
            provision.add(firstCall(file, "provision"));
            describe.add(firstCall(file, "describe"));
            if (ref != null) {
                refProvision.add(firstCall(ref, "provision"));
                refDescribe.add(firstCall(ref, "describe"));
            }
        }
        table.row("first Provision after ready (Go client)", spread(provision, "ms"),
                ref == null ? "" : spread(refProvision, "ms"), "≤ 50 ms", median(provision) <= 50);
        table.row("first Describe after ready (Go client)", spread(describe, "ms"),
                ref == null ? "" : spread(refDescribe, "ms"), "≤ 20 ms", median(describe) <= 20);

        Load mine = load(file);
        Load theirs = ref == null ? null : load(ref);
        String provisionFigure = "Provision, " + provisionClients + " Go clients, the first " + instances
                + " calls after start";
        String ratio = theirs == null ? "" : String.format(Locale.ROOT, " (%.2f× the reference)",
                mine.provision.rate / theirs.provision.rate);
        table.row(provisionFigure, rate(mine.provision) + ratio, theirs == null ? "" : rate(theirs.provision),
                "≥ 0.5× the reference, durable", theirs == null ? null
                        : mine.provision.rate >= 0.5 * theirs.provision.rate && mine.provision.errors == 0);

        // The floor: the Go client alone, against a server answering from memory with our very bytes.
        Path plainFile = work.resolve("plain.json");
        Path propsFile = work.resolve("props.json");
        Files.write(plainFile, mine.plainReply);
        Files.write(propsFile, mine.propsReply);
        Path floorSocket = work.resolve("floor/canned");
        Files.createDirectories(floorSocket.getParent());
        Process floor = start(List.of(canned.toString(), floorSocket.toString(), plainFile.toString(),
                propsFile.toString()), Map.of(), work.resolve("canned.log"));
        waitLive(floor, floorSocket);
        peer(floorSocket, "describe", describeWarmup, 1, false);
        Peer floorPlain = peer(floorSocket, "describe", describeCalls, 1, false);
        peer(floorSocket, "describe", describeWarmup, 1, true);
        Peer floorProps = peer(floorSocket, "describe", describeCalls, 1, true);
        stop(floor);
        describeRow(table, "Describe of " + instances + " instances, 1 Go client, after " + describeWarmup
                + " warm-up calls", mine.plain, theirs == null ? null : theirs.plain, floorPlain);
        describeRow(table, "the same with Properties", mine.props, theirs == null ? null : theirs.props,
                floorProps);
        table.row("floor of the Go client (canned-describe, our bytes), plain / Properties",
                rate(floorPlain) + " / " + rate(floorProps), "", "", null);
        table.row("Describe reply size, plain / Properties", kb(mine.plainReply.length) + " / "
                + kb(mine.propsReply.length), theirs == null ? "" : kb(theirs.plainReply.length) + " / "
                + kb(theirs.propsReply.length), "", null);
    }

    private static void describeRow(Table table, String figure, Peer ours, Peer ref, Peer floor) {
        double share = ours.rate / floor.rate;
        table.row(figure, String.format(Locale.ROOT, "%s; %.0f%% of the floor", rate(ours), share * 100),
                ref == null ? "" : rate(ref), "≥ 90% of the floor", share >= 0.9 && ours.errors == 0);
    }

    /** The latency of one call made through the Go client as soon as a fresh plugin is ready. */
    private double firstCall(Launch launch, String op) throws Exception {
        Started s = launch(launch);
        try {
            Peer p = peer(s.socket, op, 1, 1, false);
            if (p.errors != 0) {
                throw new IllegalStateException(launch.label + ": the first " + op + " failed");
            }
            return p.p50ms;
        } finally {
            stop(s.process);
        }
    }

    /** What the load phase measured for one plugin. */
    private record Load(Peer provision, Peer plain, Peer props, byte[] plainReply, byte[] propsReply) {
    }

    private Load load(Launch launch) throws Exception {
        Started s = launch(launch);
        try {
            Peer provision = peer(s.socket, "provision", instances, provisionClients, false);
            peer(s.socket, "describe", describeWarmup, 1, false);
            Peer plain = peer(s.socket, "describe", describeCalls, 1, false);
            peer(s.socket, "describe", describeWarmup, 1, true);
            Peer props = peer(s.socket, "describe", describeCalls, 1, true);
            byte[] plainReply;
            byte[] propsReply;
            try (RawHttp http = new RawHttp(s.socket)) {
                plainReply = describeBytes(http, false);
                propsReply = describeBytes(http, true);
            }
            return new Load(provision, plain, props, plainReply, propsReply);
        } finally {
            stop(s.process);
        }
    }

    private static byte[] describeBytes(RawHttp http, boolean properties) throws IOException {
        RawHttp.Reply reply = http.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\","
                + "\"params\":{\"Type\":\"\",\"Tags\":null,\"Properties\":" + properties + "},\"id\":1}");
        if (reply.status() != 200) {
            throw new IOException("Describe answered HTTP " + reply.status());
        }
        return reply.body();
    }

    private Peer peer(Path socket, String op, int n, int clients, boolean props) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(peerbench.toString(), "-sock", socket.toString(), "-op", op,
                "-n", Integer.toString(n), "-c", Integer.toString(clients)));
        if (props) {
            cmd.add("-props");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
                work.resolve("peerbench.log").toFile()));
        pb.environment().put("INFRAKIT_CLIENT_TIMEOUT", "60s");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("peerbench " + op + " failed (see " + work.resolve("peerbench.log")
                    + "): " + out.trim());
        }
        Peer result = Peer.parse(out);
        if (result.errors != 0) {
            throw new IllegalStateException("peerbench " + op + ": " + result.errors + " calls failed: " + out.trim());
        }
        return result;
    }

    private Launch ours(String plugin, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(dist.resolve("bin/infrakit-instance-" + plugin).toString());
        cmd.addAll(args);
        Map<String, String> env = new LinkedHashMap<>();
        if (plugin.equals("aws") && System.getenv("AWS_ACCESS_KEY_ID") == null) {
            // The emulator wants a signature, not real credentials.
            env.put("AWS_ACCESS_KEY_ID", "bench");
            env.put("AWS_SECRET_ACCESS_KEY", "bench");
        }
        return new Launch("plugin-" + plugin, cmd, env);
    }

    private Launch reference() {
        return new Launch("reference", List.of(referenceFile.toString(), "--log", "1"), Map.of());
    }

    /** Starts a plugin on a fresh directory and waits until its socket answers. */
    private Started launch(Launch launch) throws Exception {
        Path home = work.resolve("run" + (++launchCount));
        Path plugins = home.resolve("plugins");
        Files.createDirectories(plugins);
        Files.createDirectories(home.resolve("instances"));
        String name = "instance-" + launchCount;
        List<String> cmd = new ArrayList<>(launch.command);
        if (launch.label.equals("reference")) {
            cmd.addAll(List.of("--name", name, "--dir", home.resolve("instances").toString()));
        } else {
            cmd.addAll(List.of("--plugins-dir", plugins.toString(), "--name", name, "--log-level", "warn"));
            if (launch.label.equals("plugin-file")) {
                cmd.addAll(List.of("--dir", home.resolve("instances").toString()));
            }
        }
        Map<String, String> env = new LinkedHashMap<>(launch.env);
        env.put("INFRAKIT_HOME", home.toString());
        env.put("INFRAKIT_PLUGINS_DIR", plugins.toString());
        Path socket = plugins.resolve(name);
        long t0 = System.nanoTime();
        Process p = start(cmd, env, home.resolve("plugin.log"));
        waitLive(p, socket);
        return new Started(p, socket, (System.nanoTime() - t0) / 1e6);
    }

    private Process start(List<String> cmd, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        running.add(p);
        return p;
    }

    private static void waitLive(Process p, Path socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!PluginDirectory.isLive(socket)) {
            if (!p.isAlive()) {
                throw new IOException(p.info().command().orElse("the plugin") + " exited with " + p.exitValue()
                        + " before serving " + socket);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no socket at " + socket + " after 60 s");
            }
            Thread.sleep(0, 200_000);
        }
    }

    private void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        running.remove(p);
    }

    private void stopAll() {
        for (Process p : List.copyOf(running)) {
            try {
                stop(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** "median (min–max)". */
    private static String spread(List<Double> xs, String unit) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        String fmt = median(xs) < 10 ? "%.1f" : "%.0f";
        return String.format(Locale.ROOT, fmt + " %s (" + fmt + "–" + fmt + ")", median(xs), unit, s.get(0),
                s.get(s.size() - 1));
    }

    private static String rate(Peer p) {
        return String.format(Locale.ROOT, "%.0f/s, p50 %.1f ms", p.rate, p.p50ms);
    }

    private static String kb(int bytes) {
        return String.format(Locale.ROOT, "%.0f KB", bytes / 1000.0);
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e.getMessage());
        }
    }

    /** The markdown table: one row per figure, ours and the reference's from the same run. */
    static final class Table {
        private final boolean withReference;
        private final StringBuilder rows = new StringBuilder();

        Table(boolean withReference) {
            this.withReference = withReference;
        }

        void row(String figure, String ours, String reference, String target, Boolean met) {
            rows.append("| ").append(figure).append(" | ").append(ours);
            if (withReference) {
                rows.append(" | ").append(reference.isEmpty() ? "–" : reference);
            }
            rows.append(" | ").append(target).append(" | ")
                    .append(met == null ? "" : met ? "met" : "not met").append(" |\n");
        }

        void skipped(String figure, String why) {
            row(figure, "not measured (" + why + ")", "", "", null);
        }

        String markdown() {
            String head = withReference ? "| figure | infrakit4j | reference (Go) | target | |\n|---|---|---|---|---|\n"
                    : "| figure | infrakit4j | target | |\n|---|---|---|---|\n";
            return head + rows;
        }
    }
}
