package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.infrakit4j.rpc.InstancePluginClient;
import org.infrakit4j.rpc.PluginDirectory;
import org.infrakit4j.rpc.WireErrors;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's handshake, timeouts and discovery, and the server's graceful stop. */
class ClientAndServerTest {
    /** Removed after each test; short enough (/tmp/junit…) for socket paths. */
    @TempDir
    Path tmp;

    /** A server that answers every request with what {@code reply} makes of the request body (a stand-in peer). */
    private Server cannedServer(Path socket, Function<String, String> reply) throws Exception {
        Server server = new Server();
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server);
        connector.setUnixDomainPath(socket);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                response.write(true, ByteBuffer.wrap(reply.apply(body).getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        return server;
    }

    @Test
    void aPluginOfAnotherVersionIsAClearHandshakeError() throws Exception {
        Path socket = tmp.resolve("old");
        Server old = cannedServer(socket, body -> "{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Instance\","
                + "\"Version\":\"0.5.0\"}]},\"id\":1}\n");
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> client.describeInstances(Map.of(), false))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("backend error: plugin at " + socket + " supports Instance interface version 0.5.0, "
                            + "client requires 0.6.0 or 0.6.1"));
        } finally {
            old.stop();
        }
    }

    @Test
    void aLaterPluginIsReachedThroughHello() throws Exception {
        Path socket = tmp.resolve("new");
        Server later = cannedServer(socket, body -> body.contains("Handshake.Implements")
                ? "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"rpc: can't find method "
                        + "\\\"Handshake.Implements\\\"\",\"data\":null},\"id\":1}\n"
                : body.contains("Handshake.Hello")
                ? "{\"jsonrpc\":\"2.0\",\"result\":{\"Objects\":{\"Instance/0.6.1\":[{\"Name\":\".\",\"ProxyFor\":\"\"}]}},"
                        + "\"id\":1}\n"
                : "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"ID\":\"i-1\"},\"id\":1}\n");
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(5))) {
            assertThat(client.handshake()).isEqualTo("Instance/0.6.1");
            assertThat(client.provision(Spec.of(RawJson.NULL, Map.of()))).isEqualTo(new InstanceId("i-1"));
        } finally {
            later.stop();
        }
    }

    @Test
    void propertiesThatCannotGoOnTheWireAreRefusedBeforeAnyRequest() throws Exception {
        Path socket = tmp.resolve("deep");
        java.util.concurrent.atomic.AtomicInteger instanceCalls = new java.util.concurrent.atomic.AtomicInteger();
        Server peer = cannedServer(socket, body -> {
            if (body.contains("Handshake")) {
                return "{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Instance\",\"Version\":\"0.6.0\"}]},"
                        + "\"id\":1}\n";
            }
            instanceCalls.incrementAndGet();
            return "{\"jsonrpc\":\"2.0\",\"result\":{\"Type\":\"\",\"OK\":true},\"id\":1}\n";
        });
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(5))) {
            RawJson deep = new RawJson("[".repeat(300) + "]".repeat(300));
            assertThatThrownBy(() -> client.validate(deep)).isInstanceOfSatisfying(InstanceException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PROPERTIES);
                assertThat(WireErrors.text(e)).startsWith("invalid properties: Properties: cannot be sent: ")
                        .contains("nesting depth");
            });
            assertThatThrownBy(() -> client.provision(Spec.of(new RawJson("{\"a\":"), Map.of())))
                    .isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).startsWith("invalid properties: Properties: cannot be sent: "));
            assertThat(instanceCalls).hasValue(0);
            client.validate(new RawJson("[[1]]"));
            assertThat(instanceCalls).hasValue(1);
        } finally {
            peer.stop();
        }
    }

    @Test
    void aNullResultIsAnError() throws Exception {
        Path socket = tmp.resolve("null");
        Server peer = cannedServer(socket, body -> body.contains("Handshake")
                ? "{\"jsonrpc\":\"2.0\",\"result\":{\"APIs\":[{\"Name\":\"Instance\",\"Version\":\"0.6.0\"}]},\"id\":1}\n"
                : "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":1}\n");
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> client.validate(RawJson.NULL)).isInstanceOfSatisfying(InstanceException.class, e -> assertThat(WireErrors.text(e)).isEqualTo("backend error: result is null"));
        } finally {
            peer.stop();
        }
    }

    @Test
    void aCallPastItsTimeoutFailsClearlyAndTheNextCallWorks() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        CountDownLatch release = new CountDownLatch(1);
        fake.doValidate = p -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (PluginHarness h = PluginHarness.serve(Map.of("", fake), 1 << 20, Duration.ofMillis(500))) {
            h.client().handshake();
            assertThatThrownBy(() -> h.client().validate(RawJson.NULL))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).isEqualTo("backend unavailable: no reply from plugin at "
                                + h.socket() + " to Instance.Validate within 500 ms (call timeout)");
                    });
            release.countDown();
            assertThat(h.client().describeInstances(Map.of(), false)).isEmpty();
        }
    }

    @Test
    void aSilentConnectionIsReportedAsTheIdleTimeoutNotTheCallTimeout() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        CountDownLatch release = new CountDownLatch(1);
        fake.doValidate = p -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        // The client's idle timeout (10 s) is shorter than this call timeout: it is the one that fires.
        try (PluginHarness h = PluginHarness.serve(Map.of("", fake), 1 << 20, Duration.ofSeconds(60))) {
            assertThatThrownBy(() -> h.client().validate(RawJson.NULL))
                    .isInstanceOfSatisfying(InstanceException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE);
                        assertThat(WireErrors.text(e)).startsWith("backend unavailable: no reply from plugin at "
                                + h.socket() + " to Instance.Validate: the connection was silent for 10000 ms "
                                + "(idle timeout), ").doesNotContain("60000");
                    });
            release.countDown();
        }
    }

    @Test
    void aStoppedPluginIsUnreachableNotAHang() throws Exception {
        PluginHarness h = PluginHarness.serve(new FakeInstancePlugin(), Duration.ofSeconds(2));
        Path socket = h.socket();
        h.close();
        try (InstancePluginClient client = InstancePluginClient.connect(socket, "", Duration.ofSeconds(2))) {
            assertThatThrownBy(client::handshake).isInstanceOfSatisfying(InstanceException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_UNAVAILABLE));
        }
    }

    @Test
    void stoppingLetsCallsInFlightFinish() throws Exception {
        FakeInstancePlugin fake = new FakeInstancePlugin();
        CountDownLatch entered = new CountDownLatch(1);
        fake.doProvision = s -> {
            entered.countDown();
            try {
                Thread.sleep(700);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InstanceId("slow");
        };
        try (PluginHarness h = PluginHarness.serve(fake, Duration.ofSeconds(10))) {
            h.client().handshake();
            CompletableFuture<InstanceId> inFlight = CompletableFuture.supplyAsync(
                    () -> h.client().provision(Spec.of(RawJson.NULL, Map.of())));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            h.stopServer();
            assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo(new InstanceId("slow"));
            assertThat(h.socket()).doesNotExist();
            assertThat(PluginDirectory.pidFileOf(h.socket())).doesNotExist();
        }
    }

    @Test
    void discoveryFindsSocketsAndListenFilesAndNamesCarryTypes() throws Exception {
        FakeInstancePlugin typed = new FakeInstancePlugin();
        typed.doProvision = s -> new InstanceId("typed");
        try (PluginHarness h = PluginHarness.serve(Map.of("", new FakeInstancePlugin(), "special", typed), 1 << 20,
                Duration.ofSeconds(5))) {
            Files.writeString(h.directory().resolve("remote.listen"), "tcp://127.0.0.1:24864");
            Files.writeString(h.directory().resolve("notes.txt"), "not a plugin");
            PluginDirectory dir = new PluginDirectory(h.directory());
            assertThat(dir.discover()).isEqualTo(Map.of(PluginHarness.NAME, "unix://" + h.socket(),
                    "remote", "tcp://127.0.0.1:24864"));
            try (InstancePluginClient client = InstancePluginClient.forName(dir, PluginHarness.NAME + "/special",
                    Duration.ofSeconds(5))) {
                assertThat(client.provision(Spec.of(RawJson.NULL, Map.of()))).isEqualTo(new InstanceId("typed"));
            }
            assertThat(client(dir).types().json()).isEqualTo("{\"Instance/0.6.0\":[\"special\",\".\"]}");
            assertThatThrownBy(() -> InstancePluginClient.forName(dir, "nothing", Duration.ofSeconds(1)))
                    .hasMessageContaining("no plugin named \"nothing\"");
        }
        assertThat(PluginDirectory.lookupOf("aws/ec2-instance/x")).isEqualTo("aws");
        assertThat(PluginDirectory.typeOf("aws/ec2-instance/x")).isEqualTo("ec2-instance/x");
        assertThat(PluginDirectory.typeOf("aws")).isEmpty();
    }

    private static InstancePluginClient client(PluginDirectory dir) throws Exception {
        return InstancePluginClient.forName(dir, PluginHarness.NAME, Duration.ofSeconds(5));
    }

    @Test
    void pluginDirectoryFollowsInfrakitsEnvironmentRules() {
        assertThat(PluginDirectory.infrakitHome(Map.of("INFRAKIT_HOME", "/x"))).isEqualTo(Path.of("/x"));
        assertThat(List.of(PluginDirectory.infrakitHome(Map.of()))).containsExactly(
                Path.of(System.getProperty("user.home"), ".infrakit"));
    }
}
