package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.infrakit4j.rpc.WireSchema.Kind;
import org.infrakit4j.rpc.WireSchema.Values;
import org.infrakit4j.spi.Description;
import org.infrakit4j.spi.DestroyContext;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.infrakit4j.spi.Spec;

/**
 * An {@link InstancePlugin} on the far side of a plugin socket: each call is one JSON-RPC request, sent as
 * InfraKit's Go client sends it. The first call does the handshake (Instance 0.6.0 via {@code Implements}, else
 * 0.6.1 via {@code Hello}) and fails clearly on a version mismatch. Errors come back as {@link InstanceException}
 * with the kind recovered from the message.
 */
public final class InstancePluginClient implements InstancePlugin, AutoCloseable {
    private static final WireSchema IMPLEMENTS = WireSchema.of()
            .objectList("APIs", WireSchema.of().field("Name", Kind.STRING).field("Version", Kind.STRING));
    private static final WireSchema TYPES = WireSchema.of().field("Types", Kind.RAW);
    private static final WireSchema HELLO = WireSchema.of().field("Objects", Kind.RAW);
    private static final WireSchema REPLY = WireSchema.of().field("result", Kind.RAW).field("error", Kind.RAW);
    private static final WireSchema ERROR = WireSchema.of().field("message", Kind.STRING);

    private final HttpClient http;
    private final Transport transport;
    private final URI uri;
    private final String address;
    private final String type;
    private final Duration timeout;
    private volatile String version;

    private InstancePluginClient(Transport transport, URI uri, String address, String type, Duration timeout) {
        this.transport = transport;
        this.uri = uri;
        this.address = address;
        this.type = Objects.requireNonNull(type, "type");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        QueuedThreadPool threads = new QueuedThreadPool(32, 1);
        threads.setName("ik4j-client");
        threads.setDaemon(true);
        this.http = new HttpClient();
        http.setExecutor(threads);
        http.setMaxConnectionsPerDestination(128);
        http.setMaxRequestsQueuedPerDestination(4096);
        http.setIdleTimeout(10_000);
        http.setConnectTimeout(Math.max(1, timeout.toMillis()));
        http.setUserAgentField(null);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the HTTP client", e);
        }
    }

    /** A client of the plugin on a unix socket; {@code type} selects a sub-plugin ("" for the default). */
    public static InstancePluginClient connect(Path socket, String type, Duration timeout) {
        Path abs = socket.toAbsolutePath();
        return new InstancePluginClient(new Transport.TCPUnix(abs), URI.create("http://h/"), abs.toString(), type,
                timeout);
    }

    /** A client of the plugin at a TCP address such as {@code tcp://127.0.0.1:24864} (a {@code .listen} file). */
    public static InstancePluginClient connectTcp(String tcpUrl, String type, Duration timeout) {
        URI target = URI.create("http" + tcpUrl.substring("tcp".length()) + "/");
        return new InstancePluginClient(Transport.TCP_IP, target, tcpUrl, type, timeout);
    }

    /** A client of the plugin named {@code lookup[/type]} in a plugin directory, as InfraKit's CLI names it. */
    public static InstancePluginClient forName(PluginDirectory dir, String name, Duration timeout)
            throws IOException {
        String lookup = PluginDirectory.lookupOf(name);
        String addr = dir.discover().get(lookup);
        if (addr == null) {
            throw new IOException("no plugin named " + GoQuote.quote(lookup) + " in " + dir.path());
        }
        String type = PluginDirectory.typeOf(name);
        return addr.startsWith("unix://") ? connect(Path.of(addr.substring("unix://".length())), type, timeout)
                : connectTcp(addr, type, timeout);
    }

    /** The same plugin process, another sub-type. */
    public InstancePluginClient withType(String otherType) {
        return transport == Transport.TCP_IP ? connectTcp(address, otherType, timeout)
                : connect(Path.of(address), otherType, timeout);
    }

    public String address() {
        return address;
    }

    /**
     * Performs the handshake (once per client, as the Go client does) and returns the interface spec the plugin
     * matched, {@code Instance/0.6.0} or {@code Instance/0.6.1}.
     */
    public String handshake() {
        String v = version;
        if (v != null) {
            return v;
        }
        Values implemented;
        try {
            implemented = IMPLEMENTS.read(parser(call("Handshake.Implements", out -> {
                out.writeStartObject();
                out.writeEndObject();
            })), "result");
        } catch (InstanceException e) {
            if (!e.getMessage().contains("can't find method")) {
                throw e;
            }
            return version = hello();
        } catch (IOException | WireSchema.WireException e) {
            throw unreadable(e);
        }
        List<String> seen = new ArrayList<>();
        for (Values api : implemented.objectList("APIs")) {
            if (api.string("Name").equals(Handshake.INSTANCE)) {
                if (api.string("Version").equals(Handshake.VERSION_0_6_0)) {
                    return version = Handshake.INSTANCE + "/" + Handshake.VERSION_0_6_0;
                }
                seen.add(api.string("Version"));
            }
        }
        if (seen.isEmpty()) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "plugin at " + address
                    + " does not support interface {Instance 0.6.0}");
        }
        throw new InstanceException(ErrorCode.BACKEND_ERROR, "plugin at " + address
                + " supports Instance interface version " + String.join(", ", seen) + ", client requires "
                + Handshake.VERSION_0_6_0 + " or " + Handshake.VERSION_0_6_1);
    }

    private String hello() {
        String key = Handshake.INSTANCE + "/" + Handshake.VERSION_0_6_1;
        try {
            RawJson objects = HELLO.read(parser(call("Handshake.Hello", out -> {
                out.writeStartObject();
                out.writeEndObject();
            })), "result").raw("Objects");
            if (!objects.isNull() && objects.json().contains("\"" + key + "\"")) {
                return key;
            }
        } catch (IOException | WireSchema.WireException e) {
            throw unreadable(e);
        }
        throw new InstanceException(ErrorCode.BACKEND_ERROR, "plugin at " + address
                + " does not support interface " + key);
    }

    /** The raw {@code Handshake.Types} result: interface specs to object names. */
    public RawJson types() {
        try {
            return TYPES.read(parser(call("Handshake.Types", out -> {
                out.writeStartObject();
                out.writeEndObject();
            })), "result").raw("Types");
        } catch (IOException | WireSchema.WireException e) {
            throw unreadable(e);
        }
    }

    @Override
    public void validate(RawJson properties) {
        invoke(new InstanceCall.Validate(type, properties));
    }

    @Override
    public InstanceId provision(Spec spec) {
        InstanceId id = (InstanceId) invoke(new InstanceCall.Provision(type, spec));
        if (id == null) {
            throw new InstanceException(ErrorCode.BACKEND_ERROR, "plugin at " + address
                    + " returned a null instance ID");
        }
        return id;
    }

    @Override
    public void label(InstanceId instance, Map<String, String> labels) {
        invoke(new InstanceCall.Label(type, instance, labels));
    }

    @Override
    public void destroy(InstanceId instance, DestroyContext context) {
        invoke(new InstanceCall.Destroy(type, instance, context));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Description> describeInstances(Map<String, String> tags, boolean properties) {
        return (List<Description>) invoke(new InstanceCall.Describe(type, tags, properties));
    }

    private Object invoke(InstanceCall c) {
        handshake();
        try {
            RawJson result = call("Instance." + c.method(), c::writeParams);
            return c.readResult(InstanceCall.RESULTS.get(c.method()).read(parser(result), "result"));
        } catch (IOException | WireSchema.WireException e) {
            throw unreadable(e);
        }
    }

    /** Sends one request and returns its {@code result}, or throws the error it carries. */
    private RawJson call(String method, GoJson.Writer params) {
        long id = ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
        byte[] body;
        try {
            body = GoJson.toBytes(out -> {
                out.writeStartObject();
                out.writeStringField("jsonrpc", "2.0");
                out.writeStringField("method", method);
                out.writeFieldName("params");
                params.write(out);
                out.writeNumberField("id", id);
                out.writeEndObject();
            });
        } catch (UncheckedIOException e) {
            // Only raw values (Properties) can fail here: not JSON, or nested deeper than any plugin reads.
            String why = e.getCause() instanceof JsonProcessingException j ? j.getOriginalMessage()
                    : String.valueOf(e.getCause().getMessage());
            throw InstanceException.invalid("", "cannot be sent: " + why);
        }
        byte[] reply = post(body, method);
        try (JsonParser p = GoJson.FACTORY.createParser(reply)) {
            Values v = REPLY.read(nextToken(p), "reply");
            RawJson error = v.raw("error");
            if (!error.isNull()) {
                throw WireErrors.parse(errorMessage(error));
            }
            RawJson result = v.raw("result");
            if (result.isNull()) {
                throw new InstanceException(ErrorCode.BACKEND_ERROR, "result is null");
            }
            return result;
        } catch (IOException | WireSchema.WireException e) {
            throw unreadable(e);
        }
    }

    /** The message of an error object; like the Go client, a non-object error is its own message. */
    private static String errorMessage(RawJson error) throws IOException, WireSchema.WireException {
        try (JsonParser p = GoJson.FACTORY.createParser(error.json())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return error.json();
            }
            return ERROR.read(p, "error").string("message");
        }
    }

    private byte[] post(byte[] body, String method) {
        long start = System.nanoTime();
        try {
            ContentResponse response = http.newRequest(uri)
                    .transport(transport)
                    .method("POST")
                    .headers(h -> h.put("Content-Type", "application/json"))
                    .body(new BytesRequestContent(body))
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
            return response.getContent();
        } catch (TimeoutException e) {
            throw timedOut(e, method, start);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof TimeoutException t) {
                throw timedOut(t, method, start);
            }
            String why = cause.getMessage() == null ? "the connection failed" : cause.getMessage();
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "plugin at " + address
                    + " is not reachable: " + why, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, "interrupted calling " + address);
        }
    }

    /**
     * Names the timeout that fired: the call's own, the connect timeout, or the idle timeout of a connection that
     * went silent (which fires first when it is the shorter, and used to be reported as the call's).
     */
    private InstanceException timedOut(TimeoutException e, String method, long startNanos) {
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
        String what;
        if (m.contains("idle")) {
            what = "no reply from plugin at " + address + " to " + method + ": the connection was silent for "
                    + http.getIdleTimeout() + " ms (idle timeout), " + waited + " ms into the call";
        } else if (m.contains("connect")) {
            what = "could not connect to plugin at " + address + " within " + http.getConnectTimeout()
                    + " ms (connect timeout)";
        } else {
            what = "no reply from plugin at " + address + " to " + method + " within " + timeout.toMillis()
                    + " ms (call timeout)";
        }
        return new InstanceException(ErrorCode.BACKEND_UNAVAILABLE, what);
    }

    private static JsonParser parser(RawJson json) throws IOException {
        return nextToken(GoJson.FACTORY.createParser(json.json()));
    }

    private static JsonParser nextToken(JsonParser p) throws IOException {
        p.nextToken();
        return p;
    }

    private InstanceException unreadable(Exception e) {
        return new InstanceException(ErrorCode.BACKEND_ERROR, "unreadable reply from plugin at " + address + ": "
                + e.getMessage(), e);
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // nothing is left to release once stop has been attempted
        }
    }
}
