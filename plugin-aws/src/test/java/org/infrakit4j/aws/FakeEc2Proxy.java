package org.infrakit4j.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake in front of the emulator, on 127.0.0.1: it forwards every request to moto unless told to answer some
 * itself with what real EC2 sends and moto never does: throttling (RequestLimitExceeded, HTTP 503), server errors
 * (HTTP 500/503), and eventual-consistency lag (a just-launched instance missing from DescribeInstances, NotFound
 * from calls on it), and slow answers (a request held a while before it goes on). It can be stopped and restarted
 * on the same port to play an endpoint that goes down. It can also show stopped instances as {@code stopping}, a
 * state moto skips (its StopInstances stops at once) while EC2 spends seconds to minutes in it.
 */
final class FakeEc2Proxy implements AutoCloseable {
    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "transfer-encoding", "keep-alive");

    private static final String STOPPED = "<instanceState><code>80</code><name>stopped</name></instanceState>";

    private record Fault(int status, String code, String message) {
    }

    private final URI target;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    private final AtomicInteger hidden = new AtomicInteger();
    private final AtomicInteger injected = new AtomicInteger();
    private final Map<String, Deque<Duration>> delays = new ConcurrentHashMap<>();
    private final AtomicInteger delaying = new AtomicInteger();
    /** DescribeInstances replies still to show their stopped instances as stopping. */
    private final AtomicInteger stopping = new AtomicInteger();
    /** Requests that reached the emulator, by action and first instance id ({@code "TerminateInstances i-..."}). */
    private final Map<String, AtomicInteger> forwarded = new ConcurrentHashMap<>();
    private int port;
    private HttpServer server;
    private java.util.concurrent.ExecutorService executor;

    private FakeEc2Proxy(URI target) {
        this.target = target;
    }

    static FakeEc2Proxy start(URI target) throws IOException {
        FakeEc2Proxy proxy = new FakeEc2Proxy(target);
        proxy.listen(0);
        return proxy;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The next {@code count} calls of {@code action} get this EC2 error instead of reaching the emulator. */
    synchronized void failNext(String action, int count, int status, String code, String message) {
        Deque<Fault> queue = faults.computeIfAbsent(action, a -> new ArrayDeque<>());
        for (int i = 0; i < count; i++) {
            queue.add(new Fault(status, code, message));
        }
    }

    /**
     * The next {@code count} calls about instances behave as if EC2 had not caught up yet: DescribeInstances by
     * filter lists nothing; by id, CreateTags and TerminateInstances answer InvalidInstanceID.NotFound.
     */
    void lagNext(int count) {
        hidden.set(count);
    }

    /** The next {@code count} calls of {@code action} are held {@code delay} before they go on (slow EC2). */
    synchronized void delayNext(String action, int count, Duration delay) {
        Deque<Duration> queue = delays.computeIfAbsent(action, a -> new ArrayDeque<>());
        for (int i = 0; i < count; i++) {
            queue.add(delay);
        }
    }

    /** How many requests are being held now. */
    int delaying() {
        return delaying.get();
    }

    private synchronized Duration nextDelay(String action) {
        Deque<Duration> queue = delays.get(action);
        return queue == null ? null : queue.poll();
    }

    int injected() {
        return injected.get();
    }

    /**
     * The next {@code count} DescribeInstances replies that hold a stopped instance show it {@code stopping} (code 64)
     * instead; 0 ends it.
     */
    void showStoppingNext(int count) {
        stopping.set(count);
    }

    /** How many requests of {@code action} naming {@code instanceId} first reached the emulator. */
    int forwarded(String action, String instanceId) {
        AtomicInteger n = forwarded.get(action + " " + instanceId);
        return n == null ? 0 : n.get();
    }

    /** The endpoint goes down: connections are refused until {@link #restart()}. */
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    void restart() throws IOException {
        listen(port);
    }

    private void listen(int wanted) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 64);
                break;
            } catch (java.net.BindException e) {
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        if (server == null || (wanted != 0 && server.getAddress().getPort() != wanted)) {
            throw last != null ? last : new IOException("cannot listen on " + wanted);
        }
        port = server.getAddress().getPort();
        executor = Executors.newFixedThreadPool(8);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
            String action = form.getOrDefault("Action", "");
            Duration delay = nextDelay(action);
            if (delay != null) {
                delaying.incrementAndGet();
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    delaying.decrementAndGet();
                }
            }
            Fault fault = nextFault(action, form);
            if (fault != null) {
                injected.incrementAndGet();
                if (fault.status() == 200) {
                    reply(exchange, 200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeInstancesResponse "
                            + "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>fake</requestId>"
                            + "<reservationSet/></DescribeInstancesResponse>");
                } else {
                    reply(exchange, fault.status(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors>"
                            + "<Error><Code>" + fault.code() + "</Code><Message>" + fault.message() + "</Message>"
                            + "</Error></Errors><RequestID>fake</RequestID></Response>");
                }
                return;
            }
            forwarded.computeIfAbsent(action + " " + form.getOrDefault("InstanceId.1", ""),
                    k -> new AtomicInteger()).incrementAndGet();
            forward(exchange, body, action.equals("DescribeInstances"));
        }
    }

    private synchronized Fault nextFault(String action, Map<String, String> form) {
        Deque<Fault> queue = faults.get(action);
        if (queue != null && !queue.isEmpty()) {
            return queue.poll();
        }
        boolean aboutInstances = action.equals("DescribeInstances") || action.equals("CreateTags")
                || action.equals("TerminateInstances");
        if (aboutInstances && hidden.get() > 0) {
            hidden.decrementAndGet();
            if (action.equals("DescribeInstances") && !form.containsKey("InstanceId.1")) {
                return new Fault(200, "", "");
            }
            return new Fault(400, "InvalidInstanceID.NotFound", "The instance ID does not exist (fake lag)");
        }
        return null;
    }

    private void forward(HttpExchange exchange, byte[] body, boolean describe) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(60));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            byte[] reply = response.body();
            String text = describe ? new String(reply, StandardCharsets.UTF_8) : "";
            if (text.contains(STOPPED) && stopping.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                reply = text.replace(STOPPED, "<instanceState><code>64</code><name>stopping</name></instanceState>")
                        .getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(response.statusCode(), reply.length == 0 ? -1 : reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(502, -1);
        }
    }

    private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new java.util.HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Override
    public void close() {
        stop();
    }
}
