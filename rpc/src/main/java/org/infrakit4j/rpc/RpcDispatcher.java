package org.infrakit4j.rpc;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import org.infrakit4j.rpc.WireSchema.Values;
import org.infrakit4j.spi.ErrorCode;
import org.infrakit4j.spi.InstanceException;
import org.infrakit4j.spi.InstanceId;
import org.infrakit4j.spi.InstancePlugin;
import org.infrakit4j.spi.RawJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Turns one JSON-RPC request body into its reply body, exactly as InfraKit's Go server does
 * (wire-protocol.md §1.3–§1.6): envelope checks in Go's order, the {@code Handshake} and {@code Instance}
 * services, {@code Type} routing to sub-plugins, and errors mapped once to -32000/-32600/-32700.
 */
public final class RpcDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RpcDispatcher.class);

    static final int SERVER_ERROR = -32000;
    static final int INVALID_REQUEST = -32600;
    static final int PARSE_ERROR = -32700;
    private static final byte[] NO_REPLY = new byte[0];

    /** Instance calls one dispatcher runs at once unless told otherwise. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 48;

    private final Map<String, InstancePlugin> plugins;
    /** Other SPIs served beside the Instance one, by interface (= service) name. */
    private final Map<String, RpcService> services;
    private final PluginMetrics metrics;
    /** Encoded Descriptions of this server's plugins, reused while an instance is unchanged. */
    private final DescriptionCache descriptions = new DescriptionCache();
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final boolean logCalls;

    /** @param plugins the plugins by sub-type; key {@code ""} is the default (un-typed) plugin */
    public RpcDispatcher(Map<String, InstancePlugin> plugins) {
        this(plugins, new PluginMetrics(""), DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * @param metrics where every answered call is counted
     * @param maxInFlight instance calls run at once; one more is answered {@code backend unavailable} at once, so
     *     a hung backend costs at most this many threads and callers learn it instead of queueing
     */
    public RpcDispatcher(Map<String, InstancePlugin> plugins, PluginMetrics metrics, int maxInFlight) {
        this(plugins, List.of(), metrics, maxInFlight, true);
    }

    /**
     * As above, with other SPIs ({@link RpcService}) served beside the instance plugins, or instead of them.
     *
     * @param logCalls false for the start-up warm-up ({@link DispatchWarmUp}): its calls came from no client
     */
    RpcDispatcher(Map<String, InstancePlugin> plugins, List<RpcService> services, PluginMetrics metrics,
            int maxInFlight, boolean logCalls) {
        if (plugins.isEmpty() && services.isEmpty()) {
            throw new IllegalArgumentException("no plugin to serve");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1");
        }
        this.plugins = Map.copyOf(plugins);
        Map<String, RpcService> byName = new java.util.LinkedHashMap<>();
        for (RpcService service : services) {
            if (service.interfaceName().equals("Handshake") || service.interfaceName().equals(Handshake.INSTANCE)
                    || byName.put(service.interfaceName(), service) != null) {
                throw new IllegalArgumentException("service " + service.interfaceName() + " is served twice");
            }
        }
        this.services = byName;
        byName.values().forEach(service -> metrics.knowServiceMethods(service.interfaceName(), service.methodNames()));
        this.metrics = metrics;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.logCalls = logCalls;
    }

    /** The envelope of a request; {@code rawId} is null for a notification. */
    private record Envelope(String version, String method, RawJson params, RawJson rawId) {
    }

    /** The reply body for a request body: JSON plus a newline, or empty for a notification. */
    public byte[] handle(byte[] body) {
        try {
            return answer(body);
        } catch (RuntimeException e) {
            // A bug in this layer must still get a JSON-RPC reply, not an HTTP 500 that Go clients cannot read.
            LOG.atError().setCause(e).log("could not answer a request");
            return error(RawJson.NULL, new RpcError(SERVER_ERROR,
                    WireErrors.prefix(ErrorCode.INTERNAL) + "the request could not be answered; the plugin's log has the details",
                    RawJson.NULL));
        }
    }

    private byte[] answer(byte[] body) {
        long start = System.nanoTime();
        Envelope env;
        try {
            env = readEnvelope(body);
        } catch (RpcError e) {
            return failed(null, start, RawJson.NULL, e);
        } catch (IOException e) {
            // Go's server sends nothing here; a reply with a null id is clearer and Go clients accept it.
            return failed(null, start, RawJson.NULL,
                    new RpcError(PARSE_ERROR, "parse error: " + shortMessage(e), RawJson.NULL));
        }
        boolean notification = env.rawId == null;
        RawJson id = notification ? RawJson.NULL : env.rawId;
        byte[] reply;
        try {
            reply = call(env, id);
            metrics.recordCall(env.method, System.nanoTime() - start);
        } catch (RpcError e) {
            reply = failed(env.method, start, id, e);
        }
        return notification ? NO_REPLY : reply;
    }

    private byte[] failed(String method, long startNanos, RawJson id, RpcError e) {
        metrics.recordCall(method, System.nanoTime() - startNanos);
        if (e.kind == null) {
            logRefused(method, startNanos, e);
        }
        switch (e.code) {
            case PARSE_ERROR -> metrics.recordRpcError(method, PluginMetrics.RpcFailure.parse_error);
            case INVALID_REQUEST -> metrics.recordRpcError(method, PluginMetrics.RpcFailure.invalid_request);
            default -> {
                if (e.kind != null) {
                    metrics.recordPluginError(method, e.kind);
                } else {
                    metrics.recordRpcError(method, PluginMetrics.RpcFailure.unknown_method);
                }
            }
        }
        return error(id, e);
    }

    /** A request length over the limit: refused before parsing. */
    public static byte[] tooLarge(long limit) {
        return error(RawJson.NULL, new RpcError(INVALID_REQUEST,
                "request body exceeds the limit of " + limit + " bytes", RawJson.NULL));
    }

    private byte[] call(Envelope env, RawJson id) throws RpcError {
        if (!"2.0".equals(env.version)) {
            throw new RpcError(INVALID_REQUEST, "jsonrpc must be 2.0", echo(env));
        }
        String method = env.method == null ? "" : env.method;
        String[] parts = method.split("\\.", -1);
        if (parts.length != 2) {
            throw serverError("rpc: service/method request ill-formed: " + GoQuote.quote(method));
        }
        return switch (parts[0]) {
            case "Handshake" -> handshake(parts[1], method, id);
            case "Instance" -> {
                if (plugins.isEmpty()) {
                    throw serverError("rpc: can't find service " + GoQuote.quote(method));
                }
                yield instance(parts[1], method, env.params, id);
            }
            default -> {
                RpcService service = services.get(parts[0]);
                if (service == null) {
                    throw serverError("rpc: can't find service " + GoQuote.quote(method));
                }
                yield service(service, parts[1], method, env.params, id);
            }
        };
    }

    private byte[] handshake(String name, String method, RawJson id) throws RpcError {
        GoJson.Writer result = switch (name) {
            case "Implements" -> out -> Handshake.writeImplements(out, served());
            case "Types" -> out -> Handshake.writeTypes(out, served());
            case "Hello" -> out -> Handshake.writeHello(out, served());
            default -> throw serverError("rpc: can't find method " + GoQuote.quote(method));
        };
        return success(id, result);
    }

    /** The interfaces this dispatcher answers for: Instance when it has instance plugins, then each service. */
    List<Handshake.Served> served() {
        List<Handshake.Served> served = new ArrayList<>();
        if (!plugins.isEmpty()) {
            served.add(Handshake.Served.instance(objectNames()));
        }
        for (RpcService s : services.values()) {
            served.add(new Handshake.Served(s.interfaceName(), s.interfaceVersion(), s.interfaceVersion(),
                    s.objectNames()));
        }
        return served;
    }

    /**
     * A call to another SPI: the service decodes and answers; its failures keep their exact message, as Go's
     * services return their plugins' errors. Calls count against the same in-flight limit as Instance calls.
     */
    private byte[] service(RpcService service, String name, String method, RawJson params, RawJson id)
            throws RpcError {
        if (!inFlight.tryAcquire()) {
            throw busy();
        }
        long start = System.nanoTime();
        GoJson.Writer result;
        try {
            result = service.call(name, params);
        } catch (RpcService.Failure e) {
            if (logCalls) {
                LOG.atWarn().addKeyValue("method", method)
                        .addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000)
                        .addKeyValue("error", e.getMessage()).log("call failed");
            }
            // The service wrote the whole text, as the Go plugin it stands for answers it: sent as it is.
            throw e.badParams() ? new RpcError(INVALID_REQUEST, e.getMessage(), params)
                    : new RpcError(SERVER_ERROR, e.getMessage(), RawJson.NULL, null, e.kind());
        } catch (RuntimeException | LinkageError | StackOverflowError | AssertionError e) {
            LOG.atError().setCause(e).addKeyValue("method", method).log("plugin failed unexpectedly");
            throw pluginError(ErrorCode.INTERNAL, name + " failed unexpectedly; the plugin's log has the details");
        } finally {
            inFlight.release();
        }
        if (result == null) {
            throw serverError("rpc: can't find method " + GoQuote.quote(method));
        }
        if (logCalls) {
            LOG.atDebug().addKeyValue("method", method)
                    .addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000).log("call");
        }
        try {
            return success(id, result);
        } catch (RuntimeException e) {
            LOG.atError().setCause(e).addKeyValue("method", method).log("could not encode the result");
            throw pluginError(ErrorCode.INTERNAL, "could not encode the result of " + name
                    + "; the plugin's log has the details");
        }
    }

    /** Object names as Handshake.Types lists them: typed names sorted, then "." for a default plugin. */
    List<String> objectNames() {
        List<String> names = new ArrayList<>(new TreeMap<>(plugins).keySet());
        if (names.remove("")) {
            names.add(".");
        }
        return names;
    }

    private byte[] instance(String name, String method, RawJson params, RawJson id) throws RpcError {
        WireSchema schema = InstanceCall.PARAMS.get(name);
        if (schema == null) {
            throw serverError("rpc: can't find method " + GoQuote.quote(method));
        }
        InstanceCall call;
        try {
            call = InstanceCall.from(name, readParams(schema, params));
        } catch (WireSchema.WireException e) {
            throw new RpcError(INVALID_REQUEST, "invalid params: " + e.getMessage(), params);
        } catch (IOException e) {
            throw new RpcError(INVALID_REQUEST, "invalid params: " + shortMessage(e), params);
        }
        InstancePlugin plugin = plugins.get(call.type());
        if (plugin == null) {
            throw serverError("no-plugin:" + call.type());
        }
        if (!inFlight.tryAcquire()) {
            throw busy();
        }
        long start = System.nanoTime();
        Object outcome;
        try {
            outcome = call.invoke(plugin);
        } catch (InstanceException e) {
            String text = WireErrors.text(e);
            logCall(call, null, start, text, Level.WARN);
            throw new RpcError(SERVER_ERROR, text, RawJson.NULL, null, e.code());
        } catch (RuntimeException | LinkageError | StackOverflowError | AssertionError e) {
            // The client gets what failed, never a Java exception's text; the log keeps the stack.
            LOG.atError().setCause(e).addKeyValue("method", call.method()).addKeyValue("type", call.type())
                    .log("plugin failed unexpectedly");
            throw pluginError(ErrorCode.INTERNAL, call.method()
                    + " failed unexpectedly; the plugin's log has the details");
        } finally {
            inFlight.release();
        }
        if (call instanceof InstanceCall.Describe && outcome instanceof List<?> described) {
            metrics.recordDescribed(described.size());
        }
        logCall(call, outcome, start, null, call instanceof InstanceCall.Describe || call instanceof InstanceCall.Validate
                ? Level.DEBUG : Level.INFO);
        try {
            return success(id, out -> call.writeResult(out, outcome, descriptions));
        } catch (RuntimeException e) {
            LOG.atError().setCause(e).addKeyValue("method", call.method()).log("could not encode the result");
            throw pluginError(ErrorCode.INTERNAL, "could not encode the result of " + call.method()
                    + "; the plugin's log has the details");
        }
    }

    /** The answer when {@code maxInFlight} calls already run: back-pressure, never a queue. */
    private RpcError busy() {
        return pluginError(ErrorCode.BACKEND_UNAVAILABLE, maxInFlight
                + " calls are already in progress (the backend is slow or hung); try again later");
    }

    /**
     * A call refused before any plugin saw it (unknown method or service, no such type, invalid request, parse
     * error), logged like a failed call. The error names the method at most: params may hold user-data.
     */
    private void logRefused(String method, long startNanos, RpcError e) {
        if (!logCalls || !LOG.isWarnEnabled()) {
            return;
        }
        String error = switch (e.code) {
            case PARSE_ERROR -> "parse error";
            case INVALID_REQUEST -> "invalid request";
            default -> e.getMessage().startsWith("no-plugin:") ? "no plugin of this type" : e.getMessage();
        };
        LOG.atWarn().addKeyValue("method", method == null ? "" : method)
                .addKeyValue("durationMs", (System.nanoTime() - startNanos) / 1_000_000)
                .addKeyValue("error", error).log("call failed");
    }

    /** One line per call: method, type, instance (the new one for Provision), duration in whole ms, error. */
    private void logCall(InstanceCall call, Object outcome, long startNanos, String error, Level level) {
        if (!logCalls || !LOG.isEnabledForLevel(level)) {
            return;
        }
        var event = LOG.atLevel(level).addKeyValue("method", "Instance." + call.method());
        if (!call.type().isEmpty()) {
            event = event.addKeyValue("type", call.type());
        }
        String instance = call.instance() != null ? call.instance()
                : outcome instanceof InstanceId made ? made.value() : null;
        if (instance != null) {
            event = event.addKeyValue("instance", instance);
        }
        event = event.addKeyValue("durationMs", (System.nanoTime() - startNanos) / 1_000_000);
        if (error != null) {
            event.addKeyValue("error", error).log("call failed");
        } else {
            event.log("call");
        }
    }

    /** Params: one object, a one-element array holding it, or missing/null for the zero request. */
    private static Values readParams(WireSchema schema, RawJson params) throws IOException,
            WireSchema.WireException {
        try (JsonParser p = GoJson.REQUEST_FACTORY.createParser(params.json())) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                if (p.nextToken() == JsonToken.END_ARRAY) {
                    throw new WireSchema.WireException("params: expected an object or a one-element array");
                }
                Values v = schema.read(p, "");
                if (p.nextToken() != JsonToken.END_ARRAY) {
                    throw new WireSchema.WireException("params: expected an object or a one-element array");
                }
                return v;
            }
            return schema.read(p, "");
        }
    }

    private static Envelope readEnvelope(byte[] body) throws IOException, RpcError {
        try (JsonParser p = GoJson.REQUEST_FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new JsonParseException(p, "empty body");
            }
            if (t == JsonToken.START_ARRAY) {
                p.skipChildren();
                requireEnd(p);
                throw new RpcError(INVALID_REQUEST, "batch requests are not supported", RawJson.NULL);
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                requireEnd(p);
                throw new RpcError(INVALID_REQUEST, "a request must be a JSON object", RawJson.NULL);
            }
            String version = null;
            String method = null;
            RawJson params = RawJson.NULL;
            RawJson id = null;
            String badMember = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName().toLowerCase(Locale.ROOT);
                JsonToken v = p.nextToken();
                switch (name) {
                    case "jsonrpc", "method" -> {
                        String text = null;
                        if (v == JsonToken.VALUE_STRING) {
                            text = p.getText();
                        } else if (v != JsonToken.VALUE_NULL) {
                            badMember = name + ": expected a string, got " + WireSchema.describe(v);
                            p.skipChildren();
                        }
                        if (name.equals("jsonrpc")) {
                            version = text;
                        } else {
                            method = text;
                        }
                    }
                    case "params" -> params = GoJson.readRaw(p);
                    case "id" -> id = v == JsonToken.VALUE_NULL ? null : GoJson.readRaw(p);
                    default -> p.skipChildren();
                }
            }
            requireEnd(p);
            if (badMember != null) {
                throw new RpcError(INVALID_REQUEST, "invalid request: " + badMember, RawJson.NULL, id);
            }
            return new Envelope(version, method, params, id);
        }
    }

    private static void requireEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new JsonParseException(p, "trailing data after the request object");
        }
    }

    /** The version error echoes the request as Go's server struct: jsonrpc, method, params, id. */
    private static RawJson echo(Envelope env) {
        try {
            return new RawJson(GoJson.toText(out -> {
                out.writeStartObject();
                out.writeStringField("jsonrpc", env.version == null ? "" : env.version);
                out.writeStringField("method", env.method == null ? "" : env.method);
                out.writeFieldName("params");
                GoJson.writeRaw(out, env.params);
                out.writeFieldName("id");
                GoJson.writeRaw(out, env.rawId == null ? RawJson.NULL : env.rawId);
                out.writeEndObject();
            }));
        } catch (IOException e) {
            return RawJson.NULL;
        }
    }

    private static byte[] success(RawJson id, GoJson.Writer result) {
        return GoJson.toBytes(out -> {
            out.writeStartObject();
            out.writeStringField("jsonrpc", "2.0");
            out.writeFieldName("result");
            result.write(out);
            out.writeFieldName("id");
            GoJson.writeRaw(out, id);
            out.writeEndObject();
            out.writeRaw('\n');
        });
    }

    private static byte[] error(RawJson id, RpcError e) {
        RawJson replyId = e.id != null ? e.id : id;
        return GoJson.toBytes(out -> {
            out.writeStartObject();
            out.writeStringField("jsonrpc", "2.0");
            out.writeObjectFieldStart("error");
            out.writeNumberField("code", e.code);
            out.writeStringField("message", e.getMessage());
            out.writeFieldName("data");
            GoJson.writeRaw(out, e.data);
            out.writeEndObject();
            out.writeFieldName("id");
            GoJson.writeRaw(out, replyId);
            out.writeEndObject();
            out.writeRaw('\n');
        });
    }

    private static RpcError serverError(String message) {
        return new RpcError(SERVER_ERROR, message, RawJson.NULL);
    }

    /** An error the plugin raised (or a bug in it), as opposed to one in the request; its kind goes to the metrics. */
    private static RpcError pluginError(ErrorCode kind, String detail) {
        return new RpcError(SERVER_ERROR, WireErrors.text(new InstanceException(kind, detail)), RawJson.NULL, null, kind);
    }

    static String shortMessage(IOException e) {
        String m = e instanceof StreamReadException s ? s.getOriginalMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    /** A JSON-RPC error reply: code, message, data, and (when known before the envelope is read) the id. */
    private static final class RpcError extends Exception {
        final int code;
        final RawJson data;
        final RawJson id;
        /** The plugin's error kind; null for errors in the request or the envelope. */
        final ErrorCode kind;

        RpcError(int code, String message, RawJson data) {
            this(code, message, data, null);
        }

        RpcError(int code, String message, RawJson data, RawJson id) {
            this(code, message, data, id, null);
        }

        RpcError(int code, String message, RawJson data, RawJson id, ErrorCode kind) {
            super(message, null, false, false);
            this.code = code;
            this.data = data;
            this.id = id;
            this.kind = kind;
        }
    }

}
