package org.infrakit4j.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** What the RPC fuzzer sends: JSON-RPC bodies, byte-level mutations of them, and oddly framed HTTP requests. */
final class RpcFuzzInputs {
    static final String TYPED = "typed";
    private static final Pattern PLAIN_TARGET = Pattern.compile("/[A-Za-z0-9._/-]*(\\?[a-z0-9=]*)?");
    private static final List<String> ODD_METHODS = List.of("Instance.Foo", "Plugin.Implements", "Validate",
            "Instance.Validate.X", "Instance.", ".", "");
    /** Requests as the Go client and group plugin send them (wire-protocol.md §4). */
    private static final List<String> CAPTURED = List.of(
            "{\"jsonrpc\":\"2.0\",\"method\":\"Handshake.Implements\",\"params\":{},\"id\":3435606583366831542}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Validate\",\"params\":{\"Type\":\"\",\"Properties\":"
                    + "{\"size\":\"small\"}},\"id\":7}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Provision\",\"params\":{\"Type\":\"\",\"Spec\":{\"Properties\":"
                    + "{\"size\":\"small\"},\"Tags\":{\"infrakit.config_sha\":\"odtx6koaityav5w7mybub2dvc6nqgb3y\","
                    + "\"infrakit.group\":\"workers\",\"role\":\"worker\"},\"Init\":\"echo hi\",\"LogicalID\":null,"
                    + "\"Attachments\":null}},\"id\":5577006791947779410}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Label\",\"params\":{\"Type\":\"\",\"Instance\":\"boot-1\","
                    + "\"Labels\":{\"infrakit.group\":\"managers\"}},\"id\":1}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.Destroy\",\"params\":{\"Type\":\"\",\"Instance\":\"inst-1\","
                    + "\"Context\":{\"Reason\":\"terminate\"}},\"id\":\"abc\"}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"Instance.DescribeInstances\",\"params\":{\"Type\":\"\",\"Tags\":"
                    + "{\"infrakit.group\":\"workers\"},\"Properties\":false},\"id\":8674665223082153551}");

    private RpcFuzzInputs() {
    }

    /**
     * Arbitraries.frequencyOf with weights that hold: jqwik merges the choices of a nested frequencyOf into the
     * enclosing one, weights and all, so the outer weights would not mean what they say.
     */
    @SafeVarargs
    private static <T> Arbitrary<T> weighted(Tuple.Tuple2<Integer, Arbitrary<T>>... choices) {
        List<Tuple.Tuple2<Integer, Integer>> indices = new ArrayList<>();
        for (int i = 0; i < choices.length; i++) {
            indices.add(Tuple.of(choices[i].get1(), i));
        }
        return Arbitraries.frequency(indices).flatMap(i -> choices[i].get2());
    }

    /** JSON string tokens: ASCII, other scripts, astral characters, every escape form, lone surrogates. */
    private static Arbitrary<String> strings() {
        Arbitrary<String> piece = weighted(
                Tuple.of(4, Arbitraries.strings().alpha().numeric().withChars("-_./:").ofMaxLength(6)),
                Tuple.of(2, Arbitraries.strings().withCharRange('\u00a0', '\ud7ff').withCharRange('\ue000', '\ufffd')
                        .ofMaxLength(3)),
                Tuple.of(1, Arbitraries.of("\ud83d\ude00", "<>&", "\u2028", "\u2029", " ", "\u007f", "'")),
                Tuple.of(2, Arbitraries.of("\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t", "\\u0000",
                        "\\u001f", "\\u003C", "\\u00e9", "\\ud83d\\ude00")),
                Tuple.of(1, Arbitraries.integers().between(0, 0xffff).map(c -> String.format("\\u%04x", c))));
        return piece.list().ofMaxSize(5).map(pieces -> "\"" + String.join("", pieces) + "\"");
    }

    /** JSON numbers, including ones past 2^63 and 2^64, negative zero, and floats no double holds. */
    private static Arbitrary<String> numbers() {
        return weighted(
                Tuple.of(3, Arbitraries.longs().map(String::valueOf)),
                Tuple.of(1, Arbitraries.of("0", "-0", "9223372036854775807", "18446744073709551616",
                        "-9223372036854775809", "1.5", "-0.0", "1e400", "1E-400", "6.02e+23", "2.0")),
                Tuple.of(1, Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(40)
                        .map(digits -> digits.replaceFirst("^0+(?=.)", ""))));
    }

    private static Arbitrary<String> scalars() {
        return weighted(
                Tuple.of(3, strings()),
                Tuple.of(2, numbers()),
                Tuple.of(1, Arbitraries.of("true", "false", "null")));
    }

    /** Any JSON value: half of them scalars, the others nested up to four levels, with or without whitespace. */
    private static Arbitrary<String> values() {
        Arbitrary<String> nested = Arbitraries.recursive(RpcFuzzInputs::scalars, inner -> weighted(
                Tuple.of(2, inner),
                Tuple.of(1, array(inner)),
                Tuple.of(1, object(Combinators.combine(strings(), inner).as((k, v) -> k + ":" + v)))), 1, 4);
        return weighted(Tuple.of(1, scalars()), Tuple.of(1, nested));
    }

    private static Arbitrary<String> spaces() {
        return weighted(Tuple.of(3, Arbitraries.just("")), Tuple.of(1, Arbitraries.of(" ", "\n  ", "\t", "\r\n")));
    }

    private static Arbitrary<String> array(Arbitrary<String> elements) {
        return Combinators.combine(elements.list().ofMaxSize(3), spaces())
                .as((list, ws) -> "[" + ws + String.join("," + ws, list) + ws + "]");
    }

    private static Arbitrary<String> object(Arbitrary<String> members) {
        return Combinators.combine(members.list().ofMaxSize(4), spaces())
                .as((list, ws) -> "{" + ws + String.join("," + ws, list) + ws + "}");
    }

    /** A member name as it was meant, or in another case (Go matches names case-insensitively). */
    private static Arbitrary<String> nameOf(String name) {
        return weighted(
                Tuple.of(6, Arbitraries.just(name)),
                Tuple.of(1, Arbitraries.just(name.toLowerCase(Locale.ROOT))),
                Tuple.of(1, Arbitraries.just(name.toUpperCase(Locale.ROOT))),
                Tuple.of(1, Arbitraries.longs().map(mask -> mixedCase(name, mask))))
                .map(n -> "\"" + n + "\"");
    }

    private static String mixedCase(String name, long mask) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append((mask >> (i % 64) & 1) == 0 ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return b.toString();
    }

    /** A member that is usually there, usually of the right type, sometimes anything. */
    private static Arbitrary<String> member(String name, Arbitrary<String> value) {
        return Combinators.combine(nameOf(name), weighted(Tuple.of(9, value), Tuple.of(1, values())))
                .as((n, v) -> n + ":" + v)
                .injectNull(0.1);
    }

    /** An object of the given members (each maybe missing) plus maybe unknown ones, in any order. */
    private static Arbitrary<String> objectOf(List<Arbitrary<String>> members) {
        List<Arbitrary<String>> all = new ArrayList<>(members);
        all.add(Combinators.combine(strings(), values()).as((k, v) -> k + ":" + v).injectNull(0.7));
        return Combinators.combine(all).as(list -> list.stream().filter(Objects::nonNull).toList())
                .flatMap(list -> Arbitraries.shuffle(list))
                .map(list -> "{" + String.join(",", list) + "}");
    }

    private static Arbitrary<String> stringMaps() {
        return object(Combinators.combine(strings(), strings().injectNull(0.1))
                .as((k, v) -> k + ":" + (v == null ? "null" : v)));
    }

    private static Arbitrary<String> types() {
        return weighted(
                Tuple.of(4, Arbitraries.just("\"\"")),
                Tuple.of(2, Arbitraries.just("\"" + TYPED + "\"")),
                Tuple.of(1, strings()));
    }

    /** Params of the method's request struct (wire-protocol.md §2.3): plausible, wrong-typed, or anything. */
    private static Arbitrary<String> params(String method) {
        Arbitrary<String> instance = weighted(Tuple.of(2, Arbitraries.just("\"i-1\"")),
                Tuple.of(1, strings()));
        Arbitrary<String> bools = Arbitraries.of("true", "false");
        Arbitrary<String> plausible = switch (method) {
            case "Instance.Validate" -> objectOf(List.of(member("Type", types()), member("Properties", values())));
            case "Instance.Provision" -> objectOf(List.of(member("Type", types()), member("Spec", objectOf(List.of(
                    member("Properties", values()), member("Tags", stringMaps()), member("Init", strings()),
                    member("LogicalID", strings()), member("Attachments", array(objectOf(List.of(
                            member("ID", strings()), member("Type", strings()))))))))));
            case "Instance.Label" -> objectOf(List.of(member("Type", types()), member("Instance", instance),
                    member("Labels", stringMaps())));
            case "Instance.Destroy" -> objectOf(List.of(member("Type", types()), member("Instance", instance),
                    member("Context", objectOf(List.of(member("Reason", strings()))))));
            case "Instance.DescribeInstances" -> objectOf(List.of(member("Type", types()),
                    member("Tags", stringMaps()), member("Properties", bools)));
            default -> Arbitraries.just("{}");
        };
        return weighted(
                Tuple.of(8, plausible),
                Tuple.of(1, plausible.map(p -> "[" + p + "]")),
                Tuple.of(1, Arbitraries.of("[]", "null", "[{},{}]")),
                Tuple.of(1, values()));
    }

    private static Arbitrary<String> ids() {
        return weighted(
                Tuple.of(3, numbers()),
                Tuple.of(3, strings()),
                Tuple.of(1, Arbitraries.just("null")),
                Tuple.of(1, values()));
    }

    /** A JSON-RPC request body: any method, version, params and id, any member missing, names in any case. */
    static Arbitrary<String> envelopes() {
        Arbitrary<String> methodNames = weighted(
                Tuple.of(10, Arbitraries.of(DocumentedReplies.INSTANCE_CALLS)),
                Tuple.of(3, Arbitraries.of(DocumentedReplies.HANDSHAKES)),
                Tuple.of(2, Arbitraries.of(ODD_METHODS)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(20)));
        return methodNames.flatMap(method -> {
            Arbitrary<String> methodToken = weighted(
                    Tuple.of(8, Arbitraries.just(quote(method))),
                    Tuple.of(1, Arbitraries.just(quote(method.toLowerCase(Locale.ROOT)))),
                    Tuple.of(1, strings()),
                    Tuple.of(1, values()));
            Arbitrary<String> version = weighted(
                    Tuple.of(20, Arbitraries.just("\"2.0\"")),
                    Tuple.of(1, Arbitraries.of("\"1.0\"", "\"2\"", "2.0", "null", "\"2.0 \"", "\"2\\u002e0\"")),
                    Tuple.of(1, values()));
            return objectOf(List.of(member("jsonrpc", version), member("method", methodToken),
                    member("params", params(method)), member("id", ids())));
        });
    }

    /** Bodies to mutate: requests as the Go client sends them, and generated ones. */
    static Arbitrary<byte[]> requestBodies() {
        return Arbitraries.oneOf(Arbitraries.of(CAPTURED), envelopes()).map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** One byte-level edit of a body; positions are fractions of its length, so an edit fits a body of any size. */
    record Mutation(Kind kind, double at, double to, int count, byte[] bytes) {
        enum Kind { TRUNCATE, INSERT, FLIP, DELETE, DUPLICATE, NEST_ARRAYS, NEST_OBJECTS, NEST_BALANCED }

        byte[] apply(byte[] body) {
            int i = (int) (at * body.length);
            int j = (int) (to * body.length);
            return switch (kind) {
                case TRUNCATE -> Arrays.copyOf(body, i);
                case INSERT -> splice(body, i, 0, bytes);
                case FLIP -> {
                    byte[] out = body.clone();
                    if (i < out.length) {
                        out[i] ^= (byte) count;
                    }
                    yield out;
                }
                case DELETE -> splice(body, Math.min(i, j), Math.abs(j - i), new byte[0]);
                case DUPLICATE -> splice(body, j, 0, Arrays.copyOfRange(body, Math.min(i, j), Math.max(i, j)));
                case NEST_ARRAYS -> splice(body, i, 0, "[".repeat(count).getBytes(StandardCharsets.US_ASCII));
                case NEST_OBJECTS -> splice(body, i, 0,
                        "{\"a\":".repeat(Math.min(count, 3000)).getBytes(StandardCharsets.US_ASCII));
                case NEST_BALANCED -> {
                    int n = Math.min(count, 7000);
                    yield splice(body, i, 0, ("[".repeat(n) + "0" + "]".repeat(n)).getBytes(StandardCharsets.US_ASCII));
                }
            };
        }

        private static byte[] splice(byte[] body, int at, int remove, byte[] insert) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + insert.length);
            out.write(body, 0, at);
            out.writeBytes(insert);
            out.write(body, at + remove, body.length - at - remove);
            return out.toByteArray();
        }
    }

    /** Bytes worth inserting: NUL, invalid UTF-8, encoded surrogates, JSON punctuation, escapes, random bytes. */
    private static Arbitrary<byte[]> insertions() {
        return weighted(
                Tuple.of(3, Arbitraries.of(new byte[] {0}, new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc3},
                        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                        new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                        new byte[] {(byte) 0xc0, (byte) 0xaf}, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf})),
                Tuple.of(3, Arbitraries.of("\"", "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "\\ud800", "null",
                        "\"id\":1,", "\"id\":", "}{", " ", "\n").map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)));
    }

    static Arbitrary<Mutation> mutations() {
        Arbitrary<Double> fractions = Arbitraries.doubles().between(0, 1);
        Arbitrary<Integer> counts = weighted(
                Tuple.of(2, Arbitraries.integers().between(1, 255)),
                Tuple.of(1, Arbitraries.of(255, 256, 257, 1000, 10_000)));
        return Combinators.combine(Arbitraries.of(Mutation.Kind.class), fractions, fractions, counts, insertions())
                .as(Mutation::new);
    }

    /**
     * How a request's body is framed. The first four are well-formed HTTP (after a short or missing Content-Length
     * the rest of the body is read as the next request); the others are not.
     */
    enum Framing { LENGTH, CHUNKED, SHORT_LENGTH, NO_LENGTH, LONG_LENGTH, CHUNKED_AND_LENGTH, BAD_LENGTH, BAD_CHUNK }

    /** One HTTP request as sent on the socket. {@code contentType} null sends none; {@code chunk} sizes chunks. */
    record HttpRequest(String method, String target, String contentType, byte[] body, Framing framing, int chunk,
                       String badLength) {
        /** The body a correct server reads from it; for broken framing, what it may not. */
        byte[] bodyRead() {
            return switch (framing) {
                case NO_LENGTH -> new byte[0];
                case SHORT_LENGTH -> Arrays.copyOf(body, body.length / 2);
                default -> body;
            };
        }

        /** Whether the request is not well-formed HTTP, or its target is one a server may refuse or rewrite. */
        boolean malformed() {
            return framing.compareTo(Framing.LONG_LENGTH) >= 0 || !PLAIN_TARGET.matcher(target).matches()
                    || target.contains("..") || target.contains("//") || target.contains("/./");
        }

        boolean head() {
            return method.equals("HEAD");
        }

        /** The request line, headers and body, framed as {@link #framing} says. */
        byte[] bytes() {
            StringBuilder head = new StringBuilder(method).append(' ').append(target)
                    .append(" HTTP/1.1\r\nHost: h\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            switch (framing) {
                case LENGTH -> head.append("Content-Length: ").append(body.length).append("\r\n");
                case SHORT_LENGTH -> head.append("Content-Length: ").append(body.length / 2).append("\r\n");
                case LONG_LENGTH -> head.append("Content-Length: ").append(body.length + chunk).append("\r\n");
                case BAD_LENGTH -> head.append("Content-Length: ").append(badLength).append("\r\n");
                case CHUNKED -> head.append("Transfer-Encoding: chunked\r\n");
                case CHUNKED_AND_LENGTH, BAD_CHUNK -> head.append("Transfer-Encoding: chunked\r\nContent-Length: ")
                        .append(body.length).append("\r\n");
                case NO_LENGTH -> { }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            if (framing.name().contains("CHUNK")) {
                for (int i = 0; i < body.length; i += chunk) {
                    int n = Math.min(chunk, body.length - i);
                    String size = framing == Framing.BAD_CHUNK && i == 0 ? "z" + n : Integer.toHexString(n);
                    out.writeBytes((size + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, i, n);
                    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return method + " " + target + " Content-Type=" + contentType + " " + framing + " chunk=" + chunk
                    + " badLength=" + badLength + " body=" + DocumentedReplies.printable(body);
        }
    }

    /** Requests with any method, path, Content-Type, framing, and bodies around {@code maxBody} bytes. */
    static Arbitrary<HttpRequest> httpRequests(int maxBody) {
        Arbitrary<String> methods = weighted(
                Tuple.of(8, Arbitraries.just("POST")),
                Tuple.of(4, Arbitraries.of("GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "post", "FOO")));
        Arbitrary<String> targets = weighted(
                Tuple.of(8, Arbitraries.just("/")),
                Tuple.of(4, Arbitraries.of("/info/api.json", "/info/functions.json", "/metrics", "/healthz",
                        "/events?topic=x", "/rpc", "/RPC", "/info", "/?x=1", "/index.html")),
                Tuple.of(2, Arbitraries.of("//", "/../", "/./", "/info/../", "/%00", "/%2e%2e/", "/%2F", "/;x",
                        "/info/api.json/..", "/%2finfo%2fapi.json", "/\u00e9", "*", "http://h/")),
                Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMaxLength(12).map(s -> "/" + s)));
        Arbitrary<String> contentTypes = weighted(
                Tuple.of(8, Arbitraries.just("application/json")),
                Tuple.of(4, Arbitraries.of("APPLICATION/JSON", "Application/Json; charset=utf-8",
                        "application/json;charset=UTF-8;x=y", "application/json;", "application/json-rpc",
                        "text/plain", "text/json", "", "application/x-www-form-urlencoded", "*/*",
                        "application/json, text/plain", "multipart/form-data; boundary=x")),
                Tuple.of(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30)))
                .injectNull(0.15);
        Arbitrary<Integer> sizes = weighted(
                Tuple.of(2, Arbitraries.of(0, 1, maxBody - 1, maxBody, maxBody + 1, 16 * maxBody, 16 * maxBody + 1)),
                Tuple.of(1, Arbitraries.integers().between(0, 2 * maxBody)));
        Arbitrary<byte[]> bodies = sizes.flatMap(size -> Arbitraries.oneOf(
                Arbitraries.of(CAPTURED).map(json -> padded(json, size)),
                Arbitraries.bytes().array(byte[].class).ofSize(size)));
        Arbitrary<Framing> framings = weighted(
                Tuple.of(12, Arbitraries.just(Framing.LENGTH)),
                Tuple.of(2, Arbitraries.just(Framing.CHUNKED)),
                Tuple.of(6, Arbitraries.of(Framing.class)));
        Arbitrary<String> badLengths = Arbitraries.of("abc", "-1", "+5", "1 2", "0x10", "99999999999999999999999",
                "4611686018427387904", "5\r\nContent-Length: 6");
        return Combinators.combine(methods, targets, contentTypes, bodies, framings,
                Arbitraries.integers().between(1, 5000), badLengths).as(HttpRequest::new);
    }

    /** A well-formed request padded with spaces to exactly {@code size} bytes (cut short when it is longer). */
    private static byte[] padded(String json, int size) {
        byte[] out = Arrays.copyOf(json.getBytes(StandardCharsets.UTF_8), size);
        Arrays.fill(out, Math.min(json.length(), size), size, (byte) ' ');
        return out;
    }
}
