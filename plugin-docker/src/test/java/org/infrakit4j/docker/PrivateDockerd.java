package org.infrakit4j.docker;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A dockerd of the test's own on a private socket, started with the command line of backends.md (no bridge, no
 * iptables), so a test can stop, freeze and restart an engine under a plugin without disturbing anyone.
 */
final class PrivateDockerd implements AutoCloseable {
    private final Path dir;
    private Process process;

    private PrivateDockerd(Path dir) {
        this.dir = dir;
    }

    static PrivateDockerd start() throws Exception {
        // A short path: the socket must fit in 107 bytes.
        PrivateDockerd d = new PrivateDockerd(Files.createTempDirectory(Path.of("/tmp"), "ik4j-dockerd-"));
        d.startAgain();
        return d;
    }

    String host() {
        return "unix://" + dir.resolve("d.sock");
    }

    long pid() {
        return process.pid();
    }

    void startAgain() throws Exception {
        killLeftovers();
        Files.deleteIfExists(dir.resolve("d.sock"));
        process = new ProcessBuilder("dockerd", "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("dockerd.pid").toString(),
                "-H", host(), "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip6tables=false")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile()))
                .start();
        try (DockerClient docker = DockerTestBackend.client(host())) {
            DockerTestBackend.await(Duration.ofSeconds(120), "dockerd at " + host() + " (log " + dir.resolve(
                    "dockerd.log") + ")", () -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("dockerd exited; see " + dir.resolve("dockerd.log"));
                        }
                        try {
                            docker.pingCmd().exec();
                            return true;
                        } catch (RuntimeException e) {
                            return false;
                        }
                    });
        }
    }

    /** The engine's log lines that mention {@code text}, for a failure message. */
    List<String> logLines(String text) throws IOException {
        try (Stream<String> lines = Files.lines(dir.resolve("dockerd.log"))) {
            return lines.filter(l -> l.contains(text)).toList();
        }
    }

    /**
     * A container being started while dockerd stops keeps its containerd shim, and with it the container's root file
     * system, after dockerd and containerd are gone; the engine could then never remove that container. Ends what is
     * left of this engine's containerd (its command line names our directory) while dockerd is down, as
     * scripts/backends/lib.sh does before a restart.
     */
    private void killLeftovers() {
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().filter(c -> c.contains("containerd")
                        && c.contains(" " + dir + "/")).isPresent())
                .toList();
        left.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : left) {
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> h).join();
        }
    }

    /** Copies an image from another engine (no registry here). */
    void loadImage(DockerClient from, String image) throws Exception {
        try (DockerClient docker = DockerTestBackend.client(host());
             InputStream tar = from.saveImageCmd(image).exec()) {
            docker.loadImageCmd(tar).exec();
        }
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGSTOP or SIGCONT: a frozen engine accepts connections but never answers. */
    void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /** SIGSTOP, returning once every thread has stopped: a thread busy on another core may still answer a call. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
        Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
        DockerTestBackend.await(Duration.ofSeconds(10), "every dockerd thread stopped", () -> {
            try (Stream<Path> threads = Files.list(tasks)) {
                return threads.allMatch(PrivateDockerd::stopped);
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static boolean stopped(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
        } catch (IOException e) {
            return true; // the thread has exited
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (process != null && process.isAlive()) {
                signal("CONT");
            }
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping dockerd", e);
        }
        killLeftovers();
        // dockerd leaves its netns bind mount (and overlays if killed hard) under the exec root.
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4];
            if (point.startsWith(dir + "/")) {
                mounts.add(point);
            }
        }
        mounts.sort(Comparator.reverseOrder());
        for (String point : mounts) {
            Process umount = new ProcessBuilder("umount", "-l", point).inheritIO().start();
            try {
                umount.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while unmounting " + point, e);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover in /tmp does no harm
                }
            });
        }
    }
}
