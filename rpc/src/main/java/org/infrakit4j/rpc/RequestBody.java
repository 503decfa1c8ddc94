package org.infrakit4j.rpc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;

/**
 * Reads a request body without holding a thread while the client is slow: chunks are taken as they arrive and,
 * when none is there, the reader asks to be called back. A client that stalls half-way through its body costs a
 * connection, never a server thread (a thread per stalled body let ~200 half-sent requests stop every call).
 */
final class RequestBody implements Runnable {
    /** Bodies this many times over the limit are not read to the end; the connection is closed instead. */
    static final int DISCARD_FACTOR = 16;

    /** What becomes of the body. */
    interface Outcome {
        /**
         * @param body the bytes, or null when over the limit
         * @param closeConnection whether the rest was left unread, so the connection cannot be reused
         */
        void read(byte[] body, boolean closeConnection);

        void failed(Throwable failure);
    }

    private final Content.Source source;
    private final long max;
    private final Outcome outcome;
    private ByteArrayOutputStream buffer;
    private long total;

    private RequestBody(Content.Source source, long declared, long max, Outcome outcome) {
        this.source = source;
        this.max = max;
        this.outcome = outcome;
        this.buffer = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), max + 1));
    }

    /** Reads {@code source} to its end (or gives up past the discard bound) and hands the result on. */
    static void read(Content.Source source, long declared, long max, Outcome outcome) {
        if (declared > max * DISCARD_FACTOR) {
            outcome.read(null, true);
            return;
        }
        new RequestBody(source, declared, max, outcome).run();
    }

    /** Runs on a server thread each time content may be there; a plain Runnable, so Jetty never runs it on the selector. */
    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                if (chunk.getFailure() instanceof EofException) {
                    // The client closed its side before the declared length: the body is what came, answered as a
                    // body read to its end would be (the connection cannot be reused).
                    outcome.read(total > max || buffer == null ? null : buffer.toByteArray(), true);
                    return;
                }
                outcome.failed(chunk.getFailure()); // an idle timeout, a reset: no one to answer
                return;
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = bytes.remaining();
            total += n;
            if (total <= max) {
                byte[] copy = new byte[n];
                bytes.get(copy);
                buffer.write(copy, 0, n);
            } else if (total > max * DISCARD_FACTOR) {
                chunk.release();
                buffer = null;
                outcome.read(null, true);
                return;
            } else {
                buffer = null; // over the limit: keep reading so the connection lives, but drop the bytes
            }
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                outcome.read(total > max ? null : buffer.toByteArray(), false);
                return;
            }
        }
    }
}
