package org.infrakit4j.aws;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An EC2 emulator of the test's own (moto_server, as scripts/backends/up.sh starts it) on a port it keeps, so a test
 * can stop EC2 under a plugin and start it again without touching the shared one. A restarted moto is empty.
 */
final class PrivateMoto implements AutoCloseable {
    private final List<String> command;
    private final int port;
    private final Path log;
    private Process process;

    private PrivateMoto(List<String> command, int port, Path log) {
        this.command = command;
        this.port = port;
        this.log = log;
    }

    /** Starts moto on a free port of 127.0.0.1, logging to {@code log}. */
    static PrivateMoto start(Path log) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // The emulator is the test's backend, not what it measures: on a busy machine the looping clients' fast
        // failures starved a restarted moto's Python start-up for over 120 s, so it runs at a higher priority
        // (nice only warns and runs it as it is where that is not permitted).
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", "-10"));
        cmd.addAll(server());
        cmd.addAll(List.of("-H", "127.0.0.1", "-p", Integer.toString(port)));
        PrivateMoto moto = new PrivateMoto(cmd, port, log);
        moto.startAgain();
        return moto;
    }

    /** moto_server of the pyenv Python that up.sh uses ($PYTHON first, as up.sh looks for it). */
    private static List<String> server() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String python = System.getenv("PYTHON");
        if (python != null && !python.isBlank()) {
            candidates.add(Path.of(python).resolveSibling("moto_server"));
        }
        Path versions = Path.of("/root/.pyenv/versions");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> all = Files.list(versions)) {
                all.sorted().forEach(v -> candidates.add(v.resolve("bin/moto_server")));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().map(p -> List.of(p.toString()))
                .orElseThrow(() -> new IllegalStateException("no moto_server found (tried " + candidates
                        + "): the EC2 emulator must be installed as scripts/backends/up.sh expects"));
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * Starts moto again on the same port and waits until it answers: up to 120 s, as Python's start-up of moto gets
     * a small share of two cores kept busy (30 s was once not enough under stress-ng with the looping clients).
     */
    void startAgain() throws Exception {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!answers()) {
            if (!process.isAlive()) {
                throw new AssertionError("moto_server exited with " + process.exitValue() + ": " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("moto_server not answering on " + endpoint() + " after 120 s: " + logTail());
            }
            Thread.sleep(50);
        }
    }

    private String logTail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** Whether moto answers an HTTP request (a fresh connection each time: none may outlive a restart). */
    boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /moto-api/data.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.");
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops moto (SIGTERM, then SIGKILL); its port refuses connections until {@link #startAgain}. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
