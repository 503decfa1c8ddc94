package org.infrakit4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The replies a plugin socket may give (wire-protocol.md §1.2–§1.4, PluginServer, RpcDispatcher), and which one a
 * request must get: the fuzzer's oracle. Every check fails with the request in readable, escaped form.
 *
 * <p>Documented replies: 200 with a JSON-RPC reply or an empty body (notification) on {@code POST /}; 405 for another
 * method on {@code /}; 415 for a Content-Type other than application/json; 404 for an unknown path; 200 for the
 * info documents and {@code /metrics}; 200 or 503 for {@code /healthz}; and, for a request that is not well-formed
 * HTTP, Jetty's 400 or a closed connection (as Go's net/http does). JSON-RPC error codes: -32000, -32600, -32700.
 */
final class DocumentedReplies {
    static final String TEXT = "text/plain; charset=utf-8";
    static final String METRICS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String NOT_FOUND = "404 page not found\n";
    static final String POST_REQUIRED = "rpc: POST method required, received ";
    static final String BAD_CONTENT_TYPE = "rpc: unrecognized Content-Type: ";
    static final List<String> HANDSHAKES = List.of("Handshake.Implements", "Handshake.Types", "Handshake.Hello");
    static final List<String> INSTANCE_CALLS = List.of("Instance.Validate", "Instance.Provision", "Instance.Label",
            "Instance.Destroy", "Instance.DescribeInstances");

    /** The server's parser settings, so that this oracle and the server agree on what is JSON at all. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
            .build();
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private DocumentedReplies() {
    }

    /** What a request body must get. */
    enum Outcome { NO_REPLY, PARSE_ERROR, INVALID_REQUEST, SERVER_ERROR, RESULT, RESULT_OR_ERROR }

    /** The reply a body must get, with the id it must carry as Go re-emits it (null: unknown, for non-UTF-8 input). */
    record Expected(Outcome outcome, byte[] id) {
    }

    /** A JSON-RPC reply as read back: member names in order, the error's code, and the id's exact text. */
    record RpcReply(List<String> members, Integer code, String id) {
    }

    /** The reply a JSON-RPC body must get: the envelope rules of §1.3 in the order RpcDispatcher applies them. */
    static Expected expect(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Expected(Outcome.PARSE_ERROR, NULL);
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                requireEnd(p);
                return new Expected(Outcome.INVALID_REQUEST, NULL);
            }
            String version = null;
            String method = null;
            byte[] id = NULL;
            boolean badMember = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName().toLowerCase(Locale.ROOT);
                JsonToken v = p.nextToken();
                switch (name) {
                    case "jsonrpc", "method" -> {
                        String text = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        badMember |= v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL;
                        p.skipChildren();
                        if (name.equals("jsonrpc")) {
                            version = text;
                        } else {
                            method = text;
                        }
                    }
                    case "id" -> id = v == JsonToken.VALUE_NULL ? NULL : rawValue(p, body);
                    default -> p.skipChildren();
                }
            }
            requireEnd(p);
            if (badMember) {
                return new Expected(Outcome.INVALID_REQUEST, id);
            }
            if (id != null && Arrays.equals(id, NULL)) {
                return new Expected(Outcome.NO_REPLY, NULL);
            }
            if (!"2.0".equals(version)) {
                return new Expected(Outcome.INVALID_REQUEST, id);
            }
            String called = method == null ? "" : method;
            if (HANDSHAKES.contains(called)) {
                return new Expected(Outcome.RESULT, id);
            }
            return new Expected(INSTANCE_CALLS.contains(called) ? Outcome.RESULT_OR_ERROR : Outcome.SERVER_ERROR, id);
        } catch (IOException e) {
            return new Expected(Outcome.PARSE_ERROR, NULL);
        }
    }

    /** The id's raw text as Go's server echoes it (json.Compact of the token), or null when offsets are unknown. */
    private static byte[] rawValue(JsonParser p, byte[] body) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        p.finishToken();
        long end = p.currentLocation().getByteOffset();
        return start < 0 || end < start ? null : goCompact(Arrays.copyOfRange(body, (int) start, (int) end));
    }

    private static void requireEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new IOException("trailing data");
        }
    }

    /**
     * Go's json.Compact with HTML escaping, which is how json.Encoder re-emits a RawMessage id: whitespace between
     * tokens removed, {@code <>&} and U+2028/U+2029 escaped, every other byte of a string kept as it was sent.
     */
    static byte[] goCompact(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        boolean inString = false;
        for (int i = 0; i < raw.length; i++) {
            int b = raw[i] & 0xff;
            if (!inString && (b == ' ' || b == '\t' || b == '\n' || b == '\r')) {
                continue;
            }
            if (inString && b == '\\' && i + 1 < raw.length) {
                out.write(b);
                out.write(raw[++i]);
            } else if (b == '<' || b == '>' || b == '&') {
                out.writeBytes(String.format("\\u%04x", b).getBytes(StandardCharsets.US_ASCII));
            } else if (b == 0xe2 && i + 2 < raw.length && (raw[i + 1] & 0xff) == 0x80
                    && ((raw[i + 2] & 0xff) == 0xa8 || (raw[i + 2] & 0xff) == 0xa9)) {
                out.writeBytes(((raw[i + 2] & 0xff) == 0xa8 ? "\\u2028" : "\\u2029")
                        .getBytes(StandardCharsets.US_ASCII));
                i += 2;
            } else {
                inString ^= b == '"';
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** Checks the reply to a well-framed {@code POST /} with an accepted Content-Type and this body. */
    static void checkPost(byte[] body, RawHttp.Reply reply, long maxBody) {
        String request = printable(body);
        assertThat(reply).as("a reply to %s", request).isNotNull();
        assertThat(reply.status()).as("status of the reply to %s", request).isEqualTo(200);
        assertThat(reply.headers().get("content-type")).as("Content-Type of the reply to %s", request)
                .isEqualTo(TEXT);
        if (body.length > maxBody) {
            assertThat(reply.text()).as("reply to a body over the limit").isEqualTo("{\"jsonrpc\":\"2.0\",\"error\":"
                    + "{\"code\":-32600,\"message\":\"request body exceeds the limit of " + maxBody + " bytes\","
                    + "\"data\":null},\"id\":null}\n");
            return;
        }
        Expected expected = expect(body);
        if (expected.outcome == Outcome.NO_REPLY) {
            assertThat(reply.text()).as("reply to the notification %s", request).isEmpty();
            return;
        }
        RpcReply r = readRpcReply(reply.body(), request);
        boolean error = r.members.get(1).equals("error");
        String outcome = "outcome of " + request + " (expected " + expected.outcome + "): " + reply.text();
        switch (expected.outcome) {
            case PARSE_ERROR -> assertThat(r.code).as(outcome).isEqualTo(-32700);
            case INVALID_REQUEST -> assertThat(r.code).as(outcome).isEqualTo(-32600);
            case SERVER_ERROR -> assertThat(r.code).as(outcome).isEqualTo(-32000);
            case RESULT -> assertThat(error).as(outcome).isFalse();
            case RESULT_OR_ERROR -> assertThat(r.code).as(outcome).isIn(null, -32000, -32600);
            default -> throw new IllegalStateException(expected.outcome.name());
        }
        if (expected.id != null) {
            assertThat(r.id).as("id echoed in %s for %s", reply.text(), request)
                    .isEqualTo(new String(expected.id, StandardCharsets.UTF_8));
        }
    }

    /**
     * Reads a JSON-RPC reply strictly: one compact object and a newline, members exactly {@code jsonrpc} ("2.0"),
     * {@code result} (an object) or {@code error} ({@code code} integer, {@code message} string, {@code data}), then
     * {@code id}.
     */
    static RpcReply readRpcReply(byte[] body, String request) {
        String text = new String(body, StandardCharsets.UTF_8);
        String what = "JSON-RPC reply " + text + " to " + request;
        assertThat(text).as(what).endsWith("}\n");
        List<String> members = new ArrayList<>();
        Integer code = null;
        long idAt = -1;
        try (JsonParser p = JSON.createParser(body, 0, body.length - 1)) {
            assertThat(p.nextToken()).as(what).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                members.add(name);
                long at = p.currentTokenLocation().getByteOffset();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "jsonrpc" -> assertThat(p.getText()).as(what).isEqualTo("2.0");
                    case "result" -> {
                        assertThat(v).as("result of " + what).isEqualTo(JsonToken.START_OBJECT);
                        p.skipChildren();
                    }
                    case "error" -> code = readError(p, what);
                    case "id" -> {
                        idAt = at + "\"id\":".length();
                        p.skipChildren();
                    }
                    default -> p.skipChildren();
                }
            }
            assertThat(p.nextToken()).as("one object only in " + what).isNull();
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + what, e);
        }
        assertThat(members).as("members of " + what).isIn(List.of("jsonrpc", "result", "id"),
                List.of("jsonrpc", "error", "id"));
        return new RpcReply(members, code, new String(body, (int) idAt, body.length - 2 - (int) idAt,
                StandardCharsets.UTF_8));
    }

    private static Integer readError(JsonParser p, String what) throws IOException {
        assertThat(p.currentToken()).as("error of " + what).isEqualTo(JsonToken.START_OBJECT);
        List<String> members = new ArrayList<>();
        Integer code = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            members.add(name);
            JsonToken v = p.nextToken();
            if (name.equals("code")) {
                assertThat(v).as("error code of " + what).isEqualTo(JsonToken.VALUE_NUMBER_INT);
                code = p.getIntValue();
                assertThat(code).as("error code of " + what).isIn(-32000, -32600, -32700);
            } else if (name.equals("message")) {
                assertThat(v).as("error message of " + what).isEqualTo(JsonToken.VALUE_STRING);
            }
            p.skipChildren();
        }
        assertThat(members).as("error members of " + what).containsExactly("code", "message", "data");
        return code;
    }

    /** Checks the reply to an HTTP request by its route (wire-protocol.md §1.2, §1.7). */
    static void checkRoute(RpcFuzzInputs.HttpRequest request, RawHttp.Reply reply, long maxBody) {
        if (request.malformed()) {
            checkDocumented(reply, true, request.head(), request.toString());
            return;
        }
        String what = "reply to " + request;
        assertThat(reply).as(what).isNotNull();
        what = "reply " + reply.status() + " " + reply.text() + " to " + request;
        switch (request.target().split("\\?", 2)[0]) {
            case "/" -> {
                if (!request.method().equals("POST")) {
                    assertThat(reply.status()).as(what).isEqualTo(405);
                    assertThat(reply.text()).as(what).isEqualTo(request.head() ? "" : POST_REQUIRED + request.method());
                } else if (!acceptable(request.contentType())) {
                    assertThat(reply.status()).as(what).isEqualTo(415);
                    assertThat(reply.text()).as(what)
                            .startsWith(BAD_CONTENT_TYPE + request.contentType().split(";", 2)[0].trim());
                } else {
                    checkPost(request.bodyRead(), reply, maxBody);
                }
            }
            case "/info/api.json", "/info/functions.json" -> {
                assertThat(reply.status()).as(what).isEqualTo(200);
                assertThat(request.head() || isJson(reply.body())).as(what).isTrue();
            }
            case "/metrics" -> {
                assertThat(reply.status()).as(what).isEqualTo(200);
                assertThat(reply.headers().get("content-type")).as(what).isEqualTo(METRICS_TEXT);
            }
            case "/healthz" -> assertThat(reply.status()).as(what).isIn(200, 503);
            default -> {
                assertThat(reply.status()).as(what).isEqualTo(404);
                assertThat(reply.text()).as(what).isEqualTo(request.head() ? "" : NOT_FOUND);
            }
        }
    }

    /** Content-Type as §1.2 accepts it: missing, or application/json in any case, parameters ignored. */
    private static boolean acceptable(String contentType) {
        return contentType == null || contentType.split(";", 2)[0].trim().equalsIgnoreCase("application/json");
    }

    /**
     * Checks a reply whose request the server may read in more than one way (odd framing, path tricks): it must
     * still be one of the documented replies; 400 or a closed connection only when {@code malformed}.
     */
    static void checkDocumented(RawHttp.Reply reply, boolean malformed, boolean head, String request) {
        if (reply == null || reply.status() == 400) {
            assertThat(malformed).as("%s to well-formed HTTP %s", reply == null ? "connection closed" : "400",
                    request).isTrue();
            return;
        }
        String what = "reply " + reply.status() + " " + reply.text() + " to " + request;
        switch (reply.status()) {
            case 200 -> {
                if (!head && !reply.text().isEmpty() && !reply.text().equals("ok\n")
                        && !METRICS_TEXT.equals(reply.headers().get("content-type"))) {
                    if (reply.text().startsWith("{\"jsonrpc\":")) {
                        readRpcReply(reply.body(), request);
                    } else {
                        assertThat(isJson(reply.body())).as("JSON document in " + what).isTrue();
                    }
                }
            }
            case 404 -> assertThat(reply.text()).as(what).isEqualTo(head ? "" : NOT_FOUND);
            case 405 -> assertThat(reply.text()).as(what).startsWith(head ? "" : POST_REQUIRED);
            case 415 -> assertThat(reply.text()).as(what).startsWith(BAD_CONTENT_TYPE);
            case 503 -> assertThat(reply.headers().get("content-type")).as(what).isEqualTo(TEXT);
            default -> throw new AssertionError("undocumented " + what);
        }
    }

    static boolean isJson(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            p.nextToken();
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Bytes as an escaped Java string literal, cut at 400 characters: readable in a failure report. */
    static String printable(byte[] bytes) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < Math.min(bytes.length, 400); i++) {
            int c = bytes[i] & 0xff;
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
            }
        }
        return b.append(bytes.length > 400 ? "\"... (" + bytes.length + " bytes)" : "\"").toString();
    }
}
