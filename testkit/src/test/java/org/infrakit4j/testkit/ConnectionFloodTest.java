package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.infrakit4j.rpc.PluginMetrics;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.junit.jupiter.api.Test;

/**
 * Thousands of connections that are idle or stalled half-way (headers never finished, a body shorter than its
 * Content-Length, a client that never reads its replies) while normal callers, through the Java client and raw
 * HTTP, are still answered; once the stalled clients go away the server's fds and threads return to their idle
 * level. Over the connection limit, the excess is closed at once.
 */
class ConnectionFloodTest {
    /** Of each kind; a Go server holds these with one goroutine each. */
    private static final int STALLED = 2000;
    /** Clients that send pipelined Describe calls and never read: each fills its socket buffers. */
    private static final int NEVER_READING = 500;
    /** The Go client's 1 s, with room for a busy 2-core machine. */
    private static final long ANSWER_MS = 5_000;

    private static final byte[] DESCRIBE = ("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: %d\r\n\r\n%s").formatted(describeBody().length(), describeBody())
            .getBytes(StandardCharsets.US_ASCII);

    private static String describeBody() {
        return "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Tags\":{},"
                + "\"Properties\":true},\"id\":1}";
    }

    /** About 100 KB of reply per Describe, so a few unread replies fill the socket buffers. */
    private static FakeInstancePlugin pluginWithBigDescribe() {
        List<Description> many = IntStream.range(0, 400).mapToObj(i -> Description.of(new InstanceId("i-" + i),
                Optional.empty(), Map.of("group", "flood", "n", Integer.toString(i)))
                .withProperties(RawJson.of("{\"padding\":\"" + "x".repeat(200) + "\"}"))).toList();
        FakeInstancePlugin fake = new FakeInstancePlugin();
        fake.doDescribe = (tags, props) -> tags.isEmpty() ? many : List.of();
        return fake;
    }

    @Test
    void stalledConnectionsOfEveryKindNeverStopNormalCallsAndLeaveNothingBehind() throws Exception {
        try (PluginHarness h = PluginHarness.serve(Map.of("", pluginWithBigDescribe()), Duration.ofSeconds(30),
                new PluginMetrics("flood"), c -> c)) {
            assertNormalCallsAnswered(h);
            long idleFds = openFds();
            long idleThreads = serverThreads();
            List<SocketChannel> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < STALLED; i++) {
                    stalled.add(open(h.socket(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: appl"));
                }
                for (int i = 0; i < STALLED; i++) {
                    stalled.add(open(h.socket(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n{\"jsonrpc\":\"2.0\","));
                }
                for (int i = 0; i < STALLED; i++) {
                    stalled.add(open(h.socket(), "")); // connected, never a byte
                }
                for (int i = 0; i < NEVER_READING; i++) {
                    SocketChannel ch = open(h.socket(), "");
                    ch.configureBlocking(false);
                    for (int k = 0; k < 8; k++) {
                        ch.write(ByteBuffer.wrap(DESCRIBE)); // the kernel takes what fits; the rest is dropped
                    }
                    stalled.add(ch);
                }
                int held = STALLED * 3 + NEVER_READING;
                waitUntil(() -> h.metrics().openConnections() >= held, "the server to hold " + held
                        + " connections (it holds " + h.metrics().openConnections() + ")");
                assertNormalCallsAnswered(h);
                assertThat(serverThreads()).as("server threads while %d connections stall", held)
                        .isLessThanOrEqualTo(64);
                assertThat(h.metrics().openConnections()).isGreaterThanOrEqualTo(held);
            } finally {
                for (SocketChannel ch : stalled) {
                    ch.close();
                }
            }
            waitUntil(() -> h.metrics().openConnections() <= 4, "connections to close once their clients went away");
            waitUntil(() -> openFds() <= idleFds + 16, "open fds to return to the idle level " + idleFds
                    + " (now " + openFds() + ")");
            waitUntil(() -> serverThreads() <= Math.max(idleThreads, 8) + 4, "server threads to return to the idle "
                    + "level " + idleThreads + " (now " + serverThreads() + ")");
            assertNormalCallsAnswered(h);
        }
    }

    @Test
    void connectionsOverTheLimitAreClosedAtOnceAndCounted() throws Exception {
        PluginMetrics metrics = new PluginMetrics("limited");
        try (PluginHarness h = PluginHarness.serve(Map.of("", new FakeInstancePlugin()), Duration.ofSeconds(30),
                metrics, c -> c.withMaxConnections(100))) {
            List<SocketChannel> held = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    held.add(open(h.socket(), ""));
                }
                waitUntil(() -> metrics.openConnections() >= 100, "100 connections to be held");
                for (int i = 0; i < 20; i++) {
                    try (SocketChannel excess = open(h.socket(), "")) {
                        long start = System.nanoTime();
                        int n = excess.read(ByteBuffer.allocate(16));
                        assertThat(n).as("the excess connection is closed by the server").isEqualTo(-1);
                        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(
                                Duration.ofMillis(ANSWER_MS));
                    }
                }
                assertThat(new String(metrics.render(), StandardCharsets.UTF_8))
                        .contains("infrakit4j_connections_refused_total 20\n");
            } finally {
                for (SocketChannel ch : held) {
                    ch.close();
                }
            }
            waitUntil(() -> metrics.openConnections() <= 4, "the held connections to close");
            assertThat(h.client().describeInstances(Map.of(), false)).isEmpty();
        }
    }

    private static void assertNormalCallsAnswered(PluginHarness h) throws Exception {
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            assertThat(h.client().describeInstances(Map.of("group", "none"), false)).isEmpty();
            h.client().validate(RawJson.of("{}"));
            try (RawHttp raw = h.raw()) {
                RawHttp.Reply reply = raw.post("{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\","
                        + "\"params\":{\"Properties\":{}},\"id\":7}");
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.text()).isEqualTo("{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":7}\n");
                assertThat(raw.send("GET", "/healthz", null, new byte[0]).status()).isEqualTo(200);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("four calls while the flood is held")
                    .isLessThan(Duration.ofMillis(ANSWER_MS));
        }
    }

    private static SocketChannel open(Path socket, String prefix) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        if (!prefix.isEmpty()) {
            ch.write(ByteBuffer.wrap(prefix.getBytes(StandardCharsets.US_ASCII)));
        }
        return ch;
    }

    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("ik4j-rpc")).count();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls for up to 60 s: closing thousands of connections takes a while on a busy machine. */
    private static void waitUntil(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
