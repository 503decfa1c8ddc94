package org.infrakit4j.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client on one unix-socket connection, for checking the exact bytes a plugin sends and for
 * sending requests no well-behaved client would. The connection is kept alive between requests.
 */
public final class RawHttp implements AutoCloseable {
    /** A response: status, headers (lower-case names), body bytes as received (chunked bodies joined). */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 16);

    public RawHttp(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in.flip();
    }

    /** POSTs a JSON-RPC body as the Go client does. */
    public Reply post(String body) throws IOException {
        return send("POST", "/", "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a request; {@code contentType} null sends no Content-Type header. */
    public Reply send(String method, String path, String contentType, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: h\r\n")
                .append("User-Agent: Go-http-client/1.1\r\n");
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append("Accept-Encoding: gzip\r\n\r\n");
        write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.US_ASCII)));
        if (body != null) {
            write(ByteBuffer.wrap(body));
        }
        return readReply("HEAD".equals(method));
    }

    /** Writes bytes exactly as given, for requests framed as no HTTP client would; read the answer with readReply. */
    public void writeRaw(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    /** Closes the sending half: the server sees the request stream end, the reply can still be read. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Reads the next reply; {@code head} when it answers a HEAD request, whose reply has headers but no body. */
    public Reply readReply(boolean head) throws IOException {
        String status = readLine();
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("bad status line: " + status);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (!head && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(readLine().trim(), 16); size > 0;
                 size = Integer.parseInt(readLine().trim(), 16)) {
                body.write(readBytes(size));
                readLine();
            }
            readLine();
        } else if (!head && headers.containsKey("content-length")) {
            body.write(readBytes(Integer.parseInt(headers.get("content-length"))));
        }
        return new Reply(Integer.parseInt(parts[1]), headers, body.toByteArray());
    }

    private boolean fill() throws IOException {
        in.compact();
        int n = channel.read(in);
        in.flip();
        return n >= 0;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                line.write(b);
            }
            if (!fill()) {
                throw new IOException("connection closed by the server");
            }
        }
    }

    private byte[] readBytes(int n) throws IOException {
        byte[] out = new byte[n];
        int off = 0;
        while (off < n) {
            if (!in.hasRemaining() && !fill()) {
                throw new IOException("connection closed by the server");
            }
            int k = Math.min(in.remaining(), n - off);
            in.get(out, off, k);
            off += k;
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
